"""Topic proposals, endorsements and the published topics page.

The committee's way of choosing topics (CDIP/30/8 Rev.): members propose
(coordinators on behalf of their regional group), others endorse, the
Secretariat considers, accepts or declines with a reason, and an accepted
proposal is scheduled as a weekly discussion. The topics page publishes what
was held, what is planned and what is still being considered.
"""

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import Integer, and_, cast, func, or_, select, true
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from forum import audit, clock, policy
from forum.accounts.models import Role, User
from forum.content import clean_line, render_markdown
from forum.database import claim_transition
from forum.discussions import service as discussions
from forum.discussions.models import Discussion
from forum.discussions.service import GENEVA, TextInput, check_length
from forum.errors import Invalid, NotAllowed
from forum.extensions import db
from forum.members.models import RegionalGroup
from forum.notifications.service import notify
from forum.proposals.models import (
    ACCEPTABLE_STATUSES,
    CONSIDERABLE_STATUSES,
    DECLINABLE_STATUSES,
    PENDING_STATUSES,
    Endorsement,
    ProposalStatus,
    TopicProposal,
)
from forum.rooms.models import Category
from forum.urls import site_path

AUDIENCE_MAX_LENGTH = 300
# How many discussions the topics page lists as current or planned.
UPCOMING_LIMIT = 50
# Pending proposals shown on the topics page (the proposals list has them all).
TOPICS_PAGE_PROPOSALS = 20
CALENDAR_WEEKS_BEFORE = 3
CALENDAR_WEEKS_AFTER = 4


# Proposals -------------------------------------------------------------------


def _clean_proposal_languages(codes):
    languages = discussions.active_languages()
    for code in codes:
        if code not in languages:
            raise Invalid(_("Unknown language: %(code)s.", code=code))
    return sorted(set(codes), key=lambda code: (languages[code].position, code))


def propose_topic(*, by, title, description, category_id, aims="", audience="", languages=(), for_group=False):
    """A member proposes a topic (a coordinator possibly on behalf of their regional group)."""
    if not policy.can_propose_topic(by):
        raise NotAllowed(_("You cannot propose topics."))
    if for_group and not policy.can_act_for_group(by):
        raise NotAllowed(_("Only a regional group coordinator can act on behalf of a group."))
    title = clean_line(title)
    description = (description or "").strip()
    aims = (aims or "").strip()
    audience = (audience or "").strip()
    if not title:
        raise Invalid(_("A title is required."))
    if not description:
        raise Invalid(_("Describe the topic."))
    title_max = current_app.config["TITLE_MAX_LENGTH"]
    body_max = current_app.config["POST_MAX_LENGTH"]
    check_length(title, title_max, _("The title is too long (at most %(count)d characters).", count=title_max))
    check_length(
        description, body_max, _("The description is too long (at most %(count)d characters).", count=body_max)
    )
    check_length(aims, body_max, _("The aims are too long (at most %(count)d characters).", count=body_max))
    check_length(
        audience,
        AUDIENCE_MAX_LENGTH,
        _("The audience is too long (at most %(count)d characters).", count=AUDIENCE_MAX_LENGTH),
    )
    category = discussions.get_category(category_id)
    codes = _clean_proposal_languages(languages)
    proposal = TopicProposal(
        proposer_id=by.id,
        proposer=by,
        member_state_id=by.member_state_id,
        on_behalf_of_group_id=by.member_state.group_id if for_group else None,
        title=title,
        description_source=description,
        description_html=render_markdown(description),
        aims_source=aims,
        aims_html=render_markdown(aims) if aims else "",
        audience=audience,
        category_id=category.id,
        category=category,
        preferred_languages=codes,
        created_at=clock.now(),
    )
    db.session.add(proposal)
    db.session.flush()
    audit.record(by, "proposal.create", proposal, category=category.code, languages=codes, for_group=bool(for_group))
    moderators = db.session.scalars(select(User).where(User.role == Role.moderator, User.active)).all()
    for moderator in moderators:
        notify(
            moderator,
            "proposal_submitted",
            link=site_path("proposals.view", proposal_id=proposal.id),
            title=proposal.title,
            author=by.display_name,
        )
    db.session.flush()
    return proposal


def get_proposal(proposal_id):
    return db.session.get(TopicProposal, proposal_id)


def endorse(proposal, *, by, for_group=False):
    """Support a proposal (one endorsement per member); returns the endorsement."""
    if not policy.can_endorse(by, proposal):
        raise NotAllowed(_("You cannot endorse this proposal."))
    if for_group and not policy.can_act_for_group(by):
        raise NotAllowed(_("Only a regional group coordinator can act on behalf of a group."))
    existing = _endorsement(proposal, by)
    if existing is not None:
        return existing
    endorsement = Endorsement(
        proposal_id=proposal.id,
        user_id=by.id,
        user=by,
        on_behalf_of_group=bool(for_group),
        group_id=by.member_state.group_id if by.member_state else None,
        created_at=clock.now(),
    )
    db.session.add(endorsement)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        # The same member endorsing twice at once: the first one counts.
        return _endorsement(proposal, by)
    audit.record(by, "proposal.endorse", proposal, group=endorsement.group_id, for_group=bool(for_group))
    db.session.flush()
    return endorsement


def withdraw_endorsement(proposal, *, by):
    """Take one's endorsement back while the proposal is still being considered."""
    if not policy.can_endorse(by, proposal):
        raise NotAllowed(_("You cannot endorse this proposal."))
    existing = _endorsement(proposal, by)
    if existing is None:
        raise Invalid(_("You have not endorsed this proposal."))
    db.session.delete(existing)
    audit.record(by, "proposal.withdraw_endorsement", proposal)
    db.session.flush()


def _endorsement(proposal, user):
    return db.session.scalar(
        select(Endorsement).where(Endorsement.proposal_id == proposal.id, Endorsement.user_id == user.id)
    )


def _decide(proposal, *, by, allowed_from, status, action, note=None, reason=None):
    """Move a proposal to `status` if it is still in one of `allowed_from`; one of two racing decisions wins."""
    if not policy.can_handle_proposal(by, proposal):
        raise NotAllowed(_("You cannot handle this proposal."))
    note = (note or "").strip() or None
    values = {"status": status, "decided_at": clock.now(), "decided_by_id": by.id}
    if note is not None:
        values["moderator_note"] = note
    if reason is not None:
        values["decline_reason"] = reason
    # Claimed from the state this request read: a decision taken on what another
    # moderator has just changed is refused, not stacked on top of it.
    if proposal.status not in allowed_from or not claim_transition(proposal, "status", proposal.status, **values):
        raise Invalid(_("This proposal can no longer be changed that way."))
    audit.record(by, action, proposal, reason=reason, note=note)
    _notify_proposer(proposal, f"proposal_{status.value}", link=site_path("proposals.view", proposal_id=proposal.id))
    db.session.flush()
    return proposal


def schedule_proposal(proposal, *, by, category_id, texts, opens_at, closes_at, same_text_ok=False):
    """Schedule an accepted proposal as a weekly discussion; the proposer is told.

    Only someone who may handle the proposal may schedule it (a language
    moderator only in their languages), and only once: the proposal is claimed
    (accepted → scheduled) before the discussion is written.
    """
    if not policy.can_handle_proposal(by, proposal):
        raise NotAllowed(_("You cannot handle this proposal."))
    if proposal.status != ProposalStatus.accepted or not claim_transition(
        proposal, "status", ProposalStatus.accepted, status=ProposalStatus.scheduled
    ):
        raise Invalid(_("Only an accepted proposal can become a discussion."))
    discussion = discussions.schedule_discussion(
        by=by,
        category_id=category_id,
        texts=texts,
        opens_at=opens_at,
        closes_at=closes_at,
        proposal=proposal,
        same_text_ok=same_text_ok,
    )
    _notify_proposer(proposal, "proposal_scheduled", link=site_path("discussions.view", discussion_id=discussion.id))
    db.session.flush()
    return discussion


def consider_proposal(proposal, *, by, note=None):
    """Mark a submitted proposal as under consideration."""
    return _decide(
        proposal,
        by=by,
        allowed_from=CONSIDERABLE_STATUSES,
        status=ProposalStatus.under_consideration,
        action="proposal.consider",
        note=note,
    )


def accept_proposal(proposal, *, by, note=None):
    """Accept a proposal; a moderator then schedules it as a discussion (`schedule_proposal`)."""
    return _decide(
        proposal,
        by=by,
        allowed_from=ACCEPTABLE_STATUSES,
        status=ProposalStatus.accepted,
        action="proposal.accept",
        note=note,
    )


def decline_proposal(proposal, *, by, reason):
    """Decline with a reason the proposer will see."""
    reason = (reason or "").strip()
    if not reason:
        raise Invalid(_("Give the reason for declining: the proposer will see it."))
    maximum = current_app.config["POST_MAX_LENGTH"]
    check_length(reason, maximum, _("The reason is too long (at most %(count)d characters).", count=maximum))
    return _decide(
        proposal,
        by=by,
        allowed_from=DECLINABLE_STATUSES,
        status=ProposalStatus.declined,
        action="proposal.decline",
        reason=reason,
    )


def _notify_proposer(proposal, kind, link):
    notify(proposal.proposer, kind, link=link, title=proposal.title)


def proposal_language(proposal):
    """The content language a proposal is most likely written in: its proposer's, if the forum runs in it
    and the proposal asked for it, else the first language it asked for, else the first active one."""
    languages = discussions.active_languages()
    wanted = [code for code in proposal.preferred_languages if code in languages]
    own = proposal.proposer.locale
    if own in languages and (not wanted or own in wanted):
        return own
    return (wanted or list(languages) or ["en"])[0]


def prefill_from_proposal(proposal):
    """(category id, {code: TextInput}) for a new discussion from an accepted proposal, crediting the proposer.

    Only the language the proposal is written in is filled: copying it into the
    other languages published English in the French and Spanish rooms with one
    click. The form shows the proposal beside the other languages to translate.
    """
    code = proposal_language(proposal)
    with force_locale(code):
        credit = _credit(proposal)
    parts = [proposal.description_source]
    if proposal.aims_source:
        parts.append(proposal.aims_source)
    parts.append(f"*{credit}*")
    return proposal.category_id, {code: TextInput(proposal.title, "\n\n".join(parts))}


def _credit(proposal):
    name = proposal.proposer.display_name
    if proposal.on_behalf_of_group is not None:
        return _(
            "Topic proposed by %(name)s on behalf of the %(group)s.", name=name, group=proposal.on_behalf_of_group.name
        )
    if proposal.member_state is not None:
        return _("Topic proposed by %(name)s (%(state)s).", name=name, state=proposal.member_state.name)
    return _("Topic proposed by %(name)s.", name=name)


@dataclass
class GroupCount:
    group: RegionalGroup | None
    count: int
    for_group: bool


def endorsement_counts(proposal_ids):
    """{proposal id: [GroupCount, …]} by regional group (None: Secretariat), in one grouped query."""
    if not proposal_ids:
        return {}
    rows = db.session.execute(
        select(
            Endorsement.proposal_id,
            RegionalGroup,
            func.count(Endorsement.id),
            func.max(cast(Endorsement.on_behalf_of_group, Integer)),
        )
        .outerjoin(RegionalGroup, RegionalGroup.id == Endorsement.group_id)
        .where(Endorsement.proposal_id.in_(list(proposal_ids)))
        .group_by(Endorsement.proposal_id, RegionalGroup.id)
    ).all()
    counts = {}
    for proposal_id, group, count, for_group in rows:
        counts.setdefault(proposal_id, []).append(GroupCount(group, count, bool(for_group)))
    for groups in counts.values():
        groups.sort(key=lambda g: (g.group is None, g.group.position if g.group else 0))
    return counts


def endorsed_by(user, proposal_ids):
    """The ids among `proposal_ids` that `user` endorsed, in one query."""
    if not proposal_ids:
        return set()
    return set(
        db.session.scalars(
            select(Endorsement.proposal_id).where(
                Endorsement.user_id == user.id, Endorsement.proposal_id.in_(list(proposal_ids))
            )
        )
    )


def proposal_endorsements(proposal):
    """Who endorsed a proposal (with their states and groups), oldest first, in one query."""
    return (
        db.session.scalars(
            select(Endorsement)
            .where(Endorsement.proposal_id == proposal.id)
            .order_by(Endorsement.created_at, Endorsement.id)
        )
        .unique()
        .all()
    )


def _load_categories():
    """The (few) categories with their names, loaded once: while the caller holds the
    list, each row's `category` is found in the session's identity map without a query."""
    return db.session.scalars(select(Category)).all()


def proposals_page(status, page, per_page):
    """(total, proposals) of one status (None: all), newest first."""
    condition = TopicProposal.status == status if status is not None else true()
    pages = db.paginate(
        select(TopicProposal)
        .where(condition)
        .options(selectinload(TopicProposal.category))
        .order_by(TopicProposal.created_at.desc(), TopicProposal.id.desc()),
        page=page,
        per_page=per_page,
        error_out=False,
    )
    return pages.total, pages.items


# The topics page -----------------------------------------------------------------------


@dataclass
class CalendarWeek:
    monday: object
    is_current: bool
    discussions: list = field(default_factory=list)


@dataclass
class TopicsOverview:
    now: datetime
    current: list
    planned: list
    held: list
    held_total: int
    calendar: list
    threads: dict
    proposals: list
    proposals_total: int
    counts: dict
    endorsed: set
    # Held for the page's lifetime so that `discussion.category` needs no query.
    categories: list


def _week_start(moment):
    local = moment.astimezone(GENEVA)
    return local.date() - timedelta(days=local.weekday())


def topics_overview(user, *, now, held_page=1, held_per_page=10, calendar_offset=0):
    """Everything the topics page shows, in a fixed number of queries whatever the number of discussions.

    `calendar_offset` shifts the calendar window by that many weeks.
    """
    categories = _load_categories()
    # Texts come joined to each list (one query per list rather than two).
    with_texts = joinedload(Discussion.texts)
    upcoming = (
        db.session.scalars(
            select(Discussion)
            .where(
                or_(Discussion.closes_at.is_(None), Discussion.closes_at > now),
                # A cancelled discussion is listed as planned (and cancelled) until its opening time, then only
                # in the calendar: it never runs.
                or_(Discussion.cancelled_at.is_(None), Discussion.opens_at > now),
            )
            .options(with_texts)
            .order_by(Discussion.opens_at, Discussion.id)
            .limit(UPCOMING_LIMIT)
        )
        .unique()
        .all()
    )
    current = [d for d in upcoming if d.opens_at <= now]
    planned = [d for d in upcoming if d.opens_at > now]

    closed = and_(Discussion.closes_at.is_not(None), Discussion.closes_at <= now, Discussion.cancelled_at.is_(None))
    held_total = db.session.scalar(select(func.count(Discussion.id)).where(closed))
    held = (
        db.session.scalars(
            select(Discussion)
            .where(closed)
            .options(with_texts)
            .order_by(Discussion.closes_at.desc(), Discussion.id.desc())
            .limit(held_per_page)
            .offset((held_page - 1) * held_per_page)
        )
        .unique()
        .all()
    )

    this_week = _week_start(now)
    first = this_week + timedelta(weeks=calendar_offset - CALENDAR_WEEKS_BEFORE)
    weeks = [
        CalendarWeek(first + timedelta(weeks=index), first + timedelta(weeks=index) == this_week)
        for index in range(CALENDAR_WEEKS_BEFORE + 1 + CALENDAR_WEEKS_AFTER)
    ]
    window_start = datetime.combine(weeks[0].monday, time(0), tzinfo=GENEVA)
    window_end = datetime.combine(weeks[-1].monday + timedelta(weeks=1), time(0), tzinfo=GENEVA)
    in_window = (
        db.session.scalars(
            select(Discussion)
            .where(Discussion.opens_at >= window_start, Discussion.opens_at < window_end)
            .options(with_texts)
            .order_by(Discussion.opens_at, Discussion.id)
        )
        .unique()
        .all()
    )
    by_week = {week.monday: week for week in weeks}
    for discussion in in_window:
        by_week[_week_start(discussion.opens_at)].discussions.append(discussion)

    proposals_total = db.session.scalar(
        select(func.count(TopicProposal.id)).where(TopicProposal.status.in_(PENDING_STATUSES))
    )
    proposals = (
        db.session.scalars(
            select(TopicProposal)
            .where(TopicProposal.status.in_(PENDING_STATUSES))
            .order_by(TopicProposal.created_at.desc(), TopicProposal.id.desc())
            .limit(TOPICS_PAGE_PROPOSALS)
        )
        .unique()
        .all()
    )
    proposal_ids = [p.id for p in proposals]
    return TopicsOverview(
        now=now,
        current=current,
        planned=planned,
        held=held,
        held_total=held_total,
        calendar=weeks,
        threads=discussions.thread_index({d.id for d in current + held}),
        proposals=proposals,
        proposals_total=proposals_total,
        counts=endorsement_counts(proposal_ids),
        endorsed=endorsed_by(user, proposal_ids),
        categories=categories,
    )
