"""Weekly discussions, Secretariat experts, topic proposals and the published topics page.

A weekly discussion maps onto ordinary threads: one thread (kind `weekly`) in
the category's room of each language it runs in, all pointing at the
Discussion through `Thread.discussion_id`. The threads carry copies of the
discussion's times, so the discussion core derives their status (scheduled,
open, closed) and refuses posts outside the window without knowing about
discussions; every change of times here is written to the discussion and its
threads together.
"""
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from flask import current_app, has_request_context, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import Integer, and_, cast, func, or_, select, true, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from forum import audit, clock, policy
from forum.accounts.models import Role, User
from forum.content import render_markdown
from forum.discussions import service as discussions
from forum.discussions.models import (
    Post,
    PostRevision,
    Thread,
    ThreadKind,
    ThreadStatus,
)
from forum.extensions import db
from forum.i18n import language_name
from forum.members.models import RegionalGroup
from forum.notifications.service import notify
from forum.rooms.models import Category, Language, Room
from forum.topics.models import (
    PENDING_STATUSES,
    Discussion,
    DiscussionExpert,
    DiscussionText,
    Endorsement,
    ProposalStatus,
    TopicProposal,
)

# The committee meets in Geneva: weekly discussions start there on Monday morning.
# Geneva keeps Swiss time, whose IANA zone is Europe/Zurich (there is no "Europe/Geneva").
GENEVA = ZoneInfo("Europe/Zurich")
DEFAULT_OPENING_TIME = time(9, 0)
DEFAULT_DURATION = timedelta(days=7)
AUDIENCE_MAX_LENGTH = 300
# How many discussions the topics page lists as current or planned.
UPCOMING_LIMIT = 50
# Pending proposals shown on the topics page (the proposals list has them all).
TOPICS_PAGE_PROPOSALS = 20
CALENDAR_WEEKS_BEFORE = 3
CALENDAR_WEEKS_AFTER = 4


class TopicError(ValueError):
    """A refused operation; the message is translated and safe to show."""


class NotAllowed(TopicError):
    pass


@dataclass
class TextInput:
    """A discussion's title and opening message in one language (both empty: language left out)."""

    title: str = ""
    body: str = ""


# Times -------------------------------------------------------------------------


def default_times(now=None):
    """(opens_at, closes_at) in UTC: the next Monday 09:00 Geneva time, and seven days later."""
    local = (now or clock.now()).astimezone(GENEVA)
    monday = local.date() + timedelta(days=(7 - local.weekday()) % 7)
    opens = datetime.combine(monday, DEFAULT_OPENING_TIME, tzinfo=GENEVA)
    if opens <= local:
        opens += timedelta(days=7)
    # Wall-clock arithmetic in Geneva: still 09:00 across a change to or from summer time.
    closes = opens + DEFAULT_DURATION
    return opens.astimezone(timezone.utc), closes.astimezone(timezone.utc)


def _minute(moment):
    return moment.replace(second=0, microsecond=0) if moment is not None else None


def _same_minute(a, b):
    """Forms carry times to the minute: an unchanged field must not count as a change."""
    return _minute(a) == _minute(b)


def _check_schedule(opens_at, closes_at, now, *, check_opening=True):
    if opens_at is None:
        raise TopicError(_("Give an opening time."))
    if check_opening and opens_at < _minute(now):
        raise TopicError(_("The opening time is in the past."))
    if closes_at is not None and closes_at <= opens_at:
        raise TopicError(_("The closing time must be after the opening time."))


# Texts -------------------------------------------------------------------------


def _active_languages():
    return {language.code: language for language in db.session.scalars(select(Language).where(Language.active))}


def _check_length(text, maximum, message):
    if len(text) > maximum:
        raise TopicError(message)


def _clean_texts(texts, languages):
    """{code: TextInput} without the languages left out; raises TopicError for half-filled or bad ones."""
    title_max = current_app.config["TITLE_MAX_LENGTH"]
    body_max = current_app.config["POST_MAX_LENGTH"]
    cleaned = {}
    for code, text in texts.items():
        title = (text.title or "").strip()
        body = (text.body or "").strip()
        if not title and not body:
            continue
        language = languages.get(code)
        if language is None:
            raise TopicError(_("Unknown language: %(code)s.", code=code))
        if not title:
            raise TopicError(_("Give a title in %(language)s, or leave that language out.", language=language_name(code)))
        if not body:
            raise TopicError(
                _("Write an opening message in %(language)s, or leave that language out.", language=language_name(code))
            )
        _check_length(title, title_max, _("The title is too long (at most %(count)d characters).", count=title_max))
        _check_length(body, body_max, _("The message is too long (at most %(count)d characters).", count=body_max))
        cleaned[code] = TextInput(title, body)
    if not cleaned:
        raise TopicError(_("Give a title and an opening message in at least one language."))
    return dict(sorted(cleaned.items(), key=lambda item: (languages[item[0]].position, item[0])))


def _category(category_id):
    category = db.session.get(Category, category_id) if isinstance(category_id, int) else None
    if category is None:
        raise TopicError(_("Unknown category."))
    return category


def _rooms(category, codes):
    rooms = {
        room.language_code: room
        for room in db.session.scalars(select(Room).where(Room.category_id == category.id, Room.language_code.in_(codes)))
    }
    for code in codes:
        if code not in rooms:
            raise TopicError(_("This category has no room in %(language)s.", language=language_name(code)))
    return rooms


def _start_linked_thread(discussion, room, text, *, by):
    """The thread of one language, opened by the moderator's opening post."""
    try:
        thread = discussions.start_thread(
            room, author=by, title=text.title, body=text.body, kind=ThreadKind.weekly,
            opens_at=discussion.opens_at, closes_at=discussion.closes_at,
        )
    except discussions.NotAllowed as error:
        raise NotAllowed(str(error)) from None
    except discussions.DiscussionError as error:
        raise TopicError(str(error)) from None
    thread.discussion_id = discussion.id
    return thread


def _iso(moment):
    return moment.isoformat() if moment is not None else None


# Weekly discussions --------------------------------------------------------------


def schedule_discussion(*, by, category_id, texts, opens_at, closes_at, proposal=None):
    """Create a weekly discussion and its linked threads, one per language given.

    `texts` maps language codes to TextInput; a language with neither title nor
    message is left out. Raises NotAllowed (403) or TopicError (bad input);
    nothing is written in either case once the caller rolls back.
    """
    if not policy.can_schedule_discussions(by):
        raise NotAllowed(_("Only moderators schedule weekly discussions."))
    category = _category(category_id)
    languages = _active_languages()
    cleaned = _clean_texts(texts, languages)
    if not policy.can_manage_discussion_languages(by, cleaned):
        raise NotAllowed(_("You can schedule discussions only in the languages you moderate."))
    now = clock.now()
    _check_schedule(opens_at, closes_at, now)
    if proposal is not None and proposal.status != ProposalStatus.accepted:
        raise TopicError(_("Only an accepted proposal can become a discussion."))
    rooms = _rooms(category, cleaned)

    discussion = Discussion(
        category_id=category.id, category=category, opens_at=opens_at, closes_at=closes_at,
        created_by_id=by.id, created_at=now, proposal_id=proposal.id if proposal else None,
    )
    db.session.add(discussion)
    for code, text in cleaned.items():
        discussion.texts.append(
            DiscussionText(language_code=code, language=languages[code], title=text.title, opening_source=text.body)
        )
    db.session.flush()
    for code, text in cleaned.items():
        _start_linked_thread(discussion, rooms[code], text, by=by)
    if proposal is not None:
        proposal.status = ProposalStatus.scheduled
        _notify_proposer(proposal, "proposal_scheduled", link=_path("topics.discussion", discussion_id=discussion.id))
    audit.record(
        by, "discussion.create", discussion, category=category.code, languages=list(cleaned),
        opens_at=_iso(opens_at), closes_at=_iso(closes_at), proposal=proposal.id if proposal else None,
    )
    db.session.flush()
    return discussion


def edit_discussion(discussion, *, by, category_id, texts):
    """Change the category, titles and opening messages; a language may be added, none removed.

    Edited opening posts keep their previous text as a revision. Returns the
    discussion; records one audit event when anything changed.
    """
    if not policy.can_manage_discussion(by, discussion):
        raise NotAllowed(_("You cannot change this discussion."))
    category = _category(category_id)
    languages = _active_languages()
    for text in discussion.texts:
        languages.setdefault(text.language_code, text.language)
    cleaned = _clean_texts(texts, languages)
    existing = {text.language_code: text for text in discussion.texts}
    for code, text in existing.items():
        if code not in cleaned:
            raise TopicError(
                _("The discussion already runs in %(language)s: its title and opening message cannot be left empty.",
                  language=language_name(code))
            )
    if not policy.can_manage_discussion_languages(by, cleaned):
        raise NotAllowed(_("You can schedule discussions only in the languages you moderate."))

    threads = discussion_threads(discussion)
    rooms = _rooms(category, cleaned)
    changed, added = [], []
    moved = category.id != discussion.category_id
    if moved:
        for code, thread in threads.items():
            thread.room_id = rooms[code].id
            thread.room = rooms[code]
        discussion.category_id = category.id
        discussion.category = category
    first_posts = _first_posts(threads.values())
    now = clock.now()
    for code, text in cleaned.items():
        row = existing.get(code)
        if row is None:
            discussion.texts.append(
                DiscussionText(language_code=code, language=languages[code], title=text.title, opening_source=text.body)
            )
            db.session.flush()
            _start_linked_thread(discussion, rooms[code], text, by=by)
            added.append(code)
            continue
        if row.title == text.title and row.opening_source == text.body:
            continue
        changed.append(code)
        thread = threads.get(code)
        row.title = text.title
        if thread is not None:
            thread.title = text.title
        if row.opening_source != text.body:
            row.opening_source = text.body
            post = first_posts.get(thread.id) if thread is not None else None
            if post is not None:
                db.session.add(PostRevision(post_id=post.id, source=post.source, html=post.html, editor_id=by.id, created_at=now))
                post.source = text.body
                post.html = render_markdown(text.body)
                post.edited_at = now
    if moved or changed or added:
        audit.record(by, "discussion.edit", discussion, category=category.code, changed=changed, added=added)
    db.session.flush()
    return discussion


def _first_posts(threads):
    ids = [thread.id for thread in threads]
    if not ids:
        return {}
    return {
        post.thread_id: post
        for post in db.session.scalars(select(Post).where(Post.thread_id.in_(ids), Post.number == 1))
    }


def _set_times(discussion, opens_at, closes_at):
    discussion.opens_at = opens_at
    discussion.closes_at = closes_at
    db.session.execute(
        update(Thread).where(Thread.discussion_id == discussion.id).values(opens_at=opens_at, closes_at=closes_at)
    )


def reschedule_discussion(discussion, *, by, opens_at, closes_at):
    """Move the opening (before it happened) or the closing, or make it open-ended.

    One audit event: `discussion.extend` when only the closing moved later,
    `discussion.reschedule` otherwise. Closing at once is `close_discussion`.
    """
    if not policy.can_manage_discussion(by, discussion):
        raise NotAllowed(_("You cannot change this discussion."))
    now = clock.now()
    opening_changed = not _same_minute(opens_at, discussion.opens_at)
    closing_changed = not _same_minute(closes_at, discussion.closes_at)
    if not opening_changed:
        opens_at = discussion.opens_at
    if not closing_changed:
        closes_at = discussion.closes_at
    if opening_changed and discussion.opens_at <= now:
        raise TopicError(_("This discussion has already opened: its opening time can no longer change."))
    _check_schedule(opens_at, closes_at, now, check_opening=opening_changed)
    if closing_changed and closes_at is not None and closes_at <= now:
        raise TopicError(_("The closing time is in the past. To close the discussion now, use “Close now”."))
    if not (opening_changed or closing_changed):
        return discussion
    extended = not opening_changed and (
        closes_at is None or (discussion.closes_at is not None and closes_at > discussion.closes_at)
    )
    previous = {"opens_at": _iso(discussion.opens_at), "closes_at": _iso(discussion.closes_at)}
    _set_times(discussion, opens_at, closes_at)
    audit.record(
        by, "discussion.extend" if extended else "discussion.reschedule", discussion,
        previous=previous, opens_at=_iso(opens_at), closes_at=_iso(closes_at),
    )
    db.session.flush()
    return discussion


def close_discussion(discussion, *, by, reason=None):
    """Close an open discussion now, in every language."""
    if not policy.can_manage_discussion(by, discussion):
        raise NotAllowed(_("You cannot change this discussion."))
    now = clock.now()
    status = discussion.status_at(now)
    if status == ThreadStatus.closed:
        raise TopicError(_("This discussion is already closed."))
    if status == ThreadStatus.scheduled:
        raise TopicError(_("This discussion has not opened yet: change its times instead."))
    previous = _iso(discussion.closes_at)
    _set_times(discussion, discussion.opens_at, now)
    audit.record(by, "discussion.close", discussion, reason=reason, previous_closes_at=previous)
    db.session.flush()
    return discussion


def set_summary(discussion, language_code, source, *, by):
    """Write (or clear) the closing summary in one language; shown atop the closed thread and on the topics page."""
    if not policy.can_manage_discussion(by, discussion):
        raise NotAllowed(_("You cannot change this discussion."))
    text = next((t for t in discussion.texts if t.language_code == language_code), None)
    if text is None:
        raise TopicError(_("This discussion does not run in that language."))
    source = (source or "").strip()
    maximum = current_app.config["POST_MAX_LENGTH"]
    _check_length(source, maximum, _("The summary is too long (at most %(count)d characters).", count=maximum))
    if source == (text.summary_source or ""):
        return text
    text.summary_source = source or None
    text.summary_html = render_markdown(source) if source else None
    text.summary_at = clock.now()
    text.summary_by_id = by.id
    audit.record(by, "discussion.summary", discussion, language=language_code, cleared=not source)
    db.session.flush()
    return text


def invite_expert(discussion, expert, *, by):
    """Ask a Secretariat staff expert into a discussion; they are notified at once."""
    if not policy.can_invite_expert(by, discussion):
        raise NotAllowed(_("You cannot change this discussion."))
    if expert is None or expert.role != Role.staff or not expert.active:
        raise TopicError(_("Only Secretariat staff experts can be invited."))
    if discussion.status == ThreadStatus.closed:
        raise TopicError(_("This discussion is closed."))
    existing = db.session.scalar(
        select(DiscussionExpert).where(DiscussionExpert.discussion_id == discussion.id, DiscussionExpert.user_id == expert.id)
    )
    if existing is not None:
        raise TopicError(_("%(name)s is already invited to this discussion.", name=expert.display_name))
    now = clock.now()
    invitation = DiscussionExpert(
        discussion_id=discussion.id, user_id=expert.id, user=expert, invited_by_id=by.id, invited_at=now,
    )
    db.session.add(invitation)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise TopicError(_("%(name)s is already invited to this discussion.", name=expert.display_name)) from None
    text = discussion.text_for(expert.locale or "en")
    notify(
        expert, "expert_invited", link=_path("topics.discussion", discussion_id=discussion.id),
        title=text.title, by=by.display_name, opens_at=_iso(discussion.opens_at),
    )
    invitation.notified_at = now
    audit.record(by, "discussion.invite_expert", discussion, expert=expert.id, expert_name=expert.display_name)
    db.session.flush()
    return invitation


def announce_opened_discussions(now):
    """Notify every member once about each discussion that has opened; returns the discussions announced.

    Safe under concurrent ticks: the UPDATE … WHERE announced_at IS NULL
    claims each discussion for exactly one transaction, and only the
    discussions it returned are announced.
    """
    claimed = db.session.execute(
        update(Discussion)
        .where(
            Discussion.announced_at.is_(None),
            Discussion.opens_at <= now,
            or_(Discussion.closes_at.is_(None), Discussion.closes_at > now),
        )
        .values(announced_at=now)
        .returning(Discussion.id)
        .execution_options(synchronize_session=False)
    ).scalars().all()
    if not claimed:
        return []
    announced = db.session.scalars(
        select(Discussion)
        .where(Discussion.id.in_(claimed))
        .order_by(Discussion.opens_at, Discussion.id)
        .execution_options(populate_existing=True)
    ).all()
    threads = _thread_index(claimed)
    members = db.session.scalars(
        select(User).where(
            User.active, User.role.in_(tuple(policy.MEMBER_ROLES)), User.password_hash.is_not(None)
        )
    ).all()
    for discussion in announced:
        for member in members:
            text = discussion.text_for(member.locale or "en")
            thread = threads.get(discussion.id, {}).get(text.language_code)
            link = (
                _path("discussions.thread", thread_id=thread.thread_id) if thread
                else _path("topics.discussion", discussion_id=discussion.id)
            )
            notify(member, "discussion_opened", link=link, title=text.title)
    db.session.flush()
    return announced


# Reading discussions -------------------------------------------------------------


def get_discussion(discussion_id):
    return db.session.get(Discussion, discussion_id)


def discussion_threads(discussion):
    """{language code: thread} of a discussion, in one query."""
    threads = db.session.scalars(select(Thread).where(Thread.discussion_id == discussion.id)).all()
    return {thread.room.language_code: thread for thread in threads}


def discussion_experts(discussion):
    return db.session.scalars(
        select(DiscussionExpert).where(DiscussionExpert.discussion_id == discussion.id).order_by(DiscussionExpert.invited_at)
    ).all()


def expert_candidates():
    """Active Secretariat staff, by name (for the invitation form)."""
    return db.session.scalars(
        select(User).where(User.role == Role.staff, User.active).order_by(User.display_name)
    ).all()


@dataclass
class LinkedThread:
    thread_id: int
    language_code: str
    language_name: str
    replies: int


def _thread_index(discussion_ids):
    """{discussion id: {language code: LinkedThread}} for many discussions, in one query."""
    if not discussion_ids:
        return {}
    rows = db.session.execute(
        select(Thread.id, Thread.discussion_id, Thread.post_count, Room.language_code, Language.native_name)
        .join(Room, Room.id == Thread.room_id)
        .join(Language, Language.code == Room.language_code)
        .where(Thread.discussion_id.in_(list(discussion_ids)))
        .order_by(Language.position)
    ).all()
    index = {}
    for thread_id, discussion_id, post_count, code, name in rows:
        index.setdefault(discussion_id, {})[code] = LinkedThread(thread_id, code, name, max(post_count - 1, 0))
    return index


def linked_threads(thread, user):
    """For a weekly thread: (its siblings in other languages, its summary html or None), in one query."""
    if thread.discussion_id is None:
        return [], None
    rows = db.session.execute(
        select(
            Thread.id, Thread.post_count, Room.language_code, Language.native_name, Language.active,
            DiscussionText.summary_html,
        )
        .join(Room, Room.id == Thread.room_id)
        .join(Language, Language.code == Room.language_code)
        .outerjoin(
            DiscussionText,
            and_(DiscussionText.discussion_id == Thread.discussion_id, DiscussionText.language_code == Room.language_code),
        )
        .where(Thread.discussion_id == thread.discussion_id)
        .order_by(Language.position)
    ).all()
    siblings, summary = [], None
    for thread_id, post_count, code, name, active, summary_html in rows:
        if thread_id == thread.id:
            summary = summary_html
        elif active or policy.can_moderate_language(user, code):
            siblings.append(LinkedThread(thread_id, code, name, max(post_count - 1, 0)))
    return siblings, summary


# Topic proposals -------------------------------------------------------------------


def _clean_proposal_languages(codes):
    languages = _active_languages()
    for code in codes:
        if code not in languages:
            raise TopicError(_("Unknown language: %(code)s.", code=code))
    return sorted(set(codes), key=lambda code: (languages[code].position, code))


def propose_topic(*, by, title, description, category_id, aims="", audience="", languages=(), for_group=False):
    """A member proposes a topic (a coordinator possibly on behalf of their regional group)."""
    if not policy.can_propose_topic(by):
        raise NotAllowed(_("You cannot propose topics."))
    if for_group and not policy.can_act_for_group(by):
        raise NotAllowed(_("Only a regional group coordinator can act on behalf of a group."))
    title = (title or "").strip()
    description = (description or "").strip()
    aims = (aims or "").strip()
    audience = (audience or "").strip()
    if not title:
        raise TopicError(_("A title is required."))
    if not description:
        raise TopicError(_("Describe the topic."))
    title_max = current_app.config["TITLE_MAX_LENGTH"]
    body_max = current_app.config["POST_MAX_LENGTH"]
    _check_length(title, title_max, _("The title is too long (at most %(count)d characters).", count=title_max))
    _check_length(description, body_max, _("The description is too long (at most %(count)d characters).", count=body_max))
    _check_length(aims, body_max, _("The aims are too long (at most %(count)d characters).", count=body_max))
    _check_length(
        audience, AUDIENCE_MAX_LENGTH,
        _("The audience is too long (at most %(count)d characters).", count=AUDIENCE_MAX_LENGTH),
    )
    category = _category(category_id)
    codes = _clean_proposal_languages(languages)
    proposal = TopicProposal(
        proposer_id=by.id, proposer=by, member_state_id=by.member_state_id,
        on_behalf_of_group_id=by.member_state.group_id if for_group else None,
        title=title, description_source=description, description_html=render_markdown(description),
        aims_source=aims, aims_html=render_markdown(aims) if aims else "", audience=audience,
        category_id=category.id, category=category, preferred_languages=codes, created_at=clock.now(),
    )
    db.session.add(proposal)
    db.session.flush()
    audit.record(by, "proposal.create", proposal, category=category.code, languages=codes, for_group=bool(for_group))
    moderators = db.session.scalars(select(User).where(User.role == Role.moderator, User.active)).all()
    for moderator in moderators:
        notify(moderator, "proposal_submitted", link=_path("topics.proposal", proposal_id=proposal.id),
               title=proposal.title, author=by.display_name)
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
        proposal_id=proposal.id, user_id=by.id, user=by, on_behalf_of_group=bool(for_group),
        group_id=by.member_state.group_id if by.member_state else None, created_at=clock.now(),
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
        raise TopicError(_("You have not endorsed this proposal."))
    db.session.delete(existing)
    audit.record(by, "proposal.withdraw_endorsement", proposal)
    db.session.flush()


def _endorsement(proposal, user):
    return db.session.scalar(
        select(Endorsement).where(Endorsement.proposal_id == proposal.id, Endorsement.user_id == user.id)
    )


def _decide(proposal, *, by, allowed_from, status, action, note=None, reason=None):
    if not policy.can_handle_proposal(by, proposal):
        raise NotAllowed(_("You cannot handle this proposal."))
    if proposal.status not in allowed_from:
        raise TopicError(_("This proposal can no longer be changed that way."))
    note = (note or "").strip() or None
    proposal.status = status
    if note is not None:
        proposal.moderator_note = note
    if reason is not None:
        proposal.decline_reason = reason
    proposal.decided_at = clock.now()
    proposal.decided_by_id = by.id
    audit.record(by, action, proposal, reason=reason, note=note)
    _notify_proposer(proposal, f"proposal_{status.value}", link=_path("topics.proposal", proposal_id=proposal.id))
    db.session.flush()
    return proposal


def consider_proposal(proposal, *, by, note=None):
    """Mark a submitted proposal as under consideration."""
    return _decide(
        proposal, by=by, allowed_from=(ProposalStatus.submitted,), status=ProposalStatus.under_consideration,
        action="proposal.consider", note=note,
    )


def accept_proposal(proposal, *, by, note=None):
    """Accept a proposal; the moderator then schedules it as a discussion (schedule_discussion(proposal=…))."""
    return _decide(
        proposal, by=by, allowed_from=PENDING_STATUSES, status=ProposalStatus.accepted,
        action="proposal.accept", note=note,
    )


def decline_proposal(proposal, *, by, reason):
    """Decline with a reason the proposer will see."""
    reason = (reason or "").strip()
    if not reason:
        raise TopicError(_("Give the reason for declining: the proposer will see it."))
    maximum = current_app.config["POST_MAX_LENGTH"]
    _check_length(reason, maximum, _("The reason is too long (at most %(count)d characters).", count=maximum))
    return _decide(
        proposal, by=by, allowed_from=(*PENDING_STATUSES, ProposalStatus.accepted), status=ProposalStatus.declined,
        action="proposal.decline", reason=reason,
    )


def _notify_proposer(proposal, kind, link):
    notify(proposal.proposer, kind, link=link, title=proposal.title)


def prefill_from_proposal(proposal):
    """(category id, {code: TextInput}) for a new discussion from an accepted proposal, crediting the proposer.

    The credit line is written in each content language (falling back to
    English where the interface has no such translation).
    """
    languages = _active_languages()
    codes = [code for code in proposal.preferred_languages if code in languages] or list(languages)
    texts = {}
    for code in codes:
        with force_locale(code):
            credit = _credit(proposal)
        parts = [proposal.description_source]
        if proposal.aims_source:
            parts.append(proposal.aims_source)
        parts.append(f"*{credit}*")
        texts[code] = TextInput(proposal.title, "\n\n".join(parts))
    return proposal.category_id, texts


def _credit(proposal):
    name = proposal.proposer.display_name
    if proposal.on_behalf_of_group is not None:
        return _("Topic proposed by %(name)s on behalf of the %(group)s.", name=name, group=proposal.on_behalf_of_group.name)
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
            Endorsement.proposal_id, RegionalGroup, func.count(Endorsement.id),
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
    return db.session.scalars(
        select(Endorsement).where(Endorsement.proposal_id == proposal.id).order_by(Endorsement.created_at, Endorsement.id)
    ).unique().all()


def _load_categories():
    """The (few) categories with their names, loaded once: while the caller holds the
    list, each row's `category` is found in the session's identity map without a query."""
    return db.session.scalars(select(Category)).all()


def proposals_page(status, page, per_page):
    """(total, proposals) of one status (None: all), newest first."""
    condition = TopicProposal.status == status if status is not None else true()
    total = db.session.scalar(select(func.count(TopicProposal.id)).where(condition))
    proposals = db.session.scalars(
        select(TopicProposal)
        .where(condition)
        .options(selectinload(TopicProposal.category))
        .order_by(TopicProposal.created_at.desc(), TopicProposal.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).unique().all()
    return total, proposals


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
    upcoming = db.session.scalars(
        select(Discussion)
        .where(or_(Discussion.closes_at.is_(None), Discussion.closes_at > now))
        .options(with_texts)
        .order_by(Discussion.opens_at, Discussion.id)
        .limit(UPCOMING_LIMIT)
    ).unique().all()
    current = [d for d in upcoming if d.opens_at <= now]
    planned = [d for d in upcoming if d.opens_at > now]

    closed = and_(Discussion.closes_at.is_not(None), Discussion.closes_at <= now)
    held_total = db.session.scalar(select(func.count(Discussion.id)).where(closed))
    held = db.session.scalars(
        select(Discussion)
        .where(closed)
        .options(with_texts)
        .order_by(Discussion.closes_at.desc(), Discussion.id.desc())
        .limit(held_per_page)
        .offset((held_page - 1) * held_per_page)
    ).unique().all()

    this_week = _week_start(now)
    first = this_week + timedelta(weeks=calendar_offset - CALENDAR_WEEKS_BEFORE)
    weeks = [
        CalendarWeek(first + timedelta(weeks=index), first + timedelta(weeks=index) == this_week)
        for index in range(CALENDAR_WEEKS_BEFORE + 1 + CALENDAR_WEEKS_AFTER)
    ]
    window_start = datetime.combine(weeks[0].monday, time(0), tzinfo=GENEVA)
    window_end = datetime.combine(weeks[-1].monday + timedelta(weeks=1), time(0), tzinfo=GENEVA)
    in_window = db.session.scalars(
        select(Discussion)
        .where(Discussion.opens_at >= window_start, Discussion.opens_at < window_end)
        .options(with_texts)
        .order_by(Discussion.opens_at, Discussion.id)
    ).unique().all()
    by_week = {week.monday: week for week in weeks}
    for discussion in in_window:
        by_week[_week_start(discussion.opens_at)].discussions.append(discussion)

    proposals_total = db.session.scalar(
        select(func.count(TopicProposal.id)).where(TopicProposal.status.in_(PENDING_STATUSES))
    )
    proposals = db.session.scalars(
        select(TopicProposal)
        .where(TopicProposal.status.in_(PENDING_STATUSES))
        .order_by(TopicProposal.created_at.desc(), TopicProposal.id.desc())
        .limit(TOPICS_PAGE_PROPOSALS)
    ).unique().all()
    proposal_ids = [p.id for p in proposals]
    return TopicsOverview(
        now=now, current=current, planned=planned, held=held, held_total=held_total, calendar=weeks,
        threads=_thread_index({d.id for d in current + held}),
        proposals=proposals, proposals_total=proposals_total,
        counts=endorsement_counts(proposal_ids), endorsed=endorsed_by(user, proposal_ids), categories=categories,
    )


def _path(endpoint, **values):
    """A site-relative link for a notification, also outside a request (`tick`, CLI)."""
    if has_request_context():
        return url_for(endpoint, **values)
    with current_app.test_request_context():
        return url_for(endpoint, **values)


def active_languages_for(user):
    """The active content languages `user` may run discussions in, in their order."""
    languages = db.session.scalars(select(Language).where(Language.active).order_by(Language.position)).all()
    return [language for language in languages if policy.can_manage_discussion_languages(user, {language.code})]


def categories():
    return db.session.scalars(select(Category).order_by(Category.position)).all()
