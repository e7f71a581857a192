"""Moderation: flags, decisions on posts, warnings and suspensions, supervision, the audit log.

Every act of a moderator goes through one function here, which checks the
policy, validates the clause and the reason before changing anything, writes
exactly one audit event, tells the people concerned, and only flushes: the
view (or CLI command) commits.
"""

import io
import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from flask import has_request_context
from flask_babel import get_timezone
from flask_babel import gettext as _
from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import joinedload

from forum import audit, clock, csvsafe, policy
from forum.accounts.models import Role, User
from forum.audit import AuditEvent
from forum.errors import Invalid, NotAllowed
from forum.extensions import db
from forum.moderation.models import (
    Flag,
    FlagStatus,
    ReversedAct,
    Sanction,
    SanctionKind,
)
from forum.notifications.service import notify
from forum.protocol import service as protocol
from forum.rooms import service as rooms_service
from forum.rooms.models import Room
from forum.threads import service as threads_service
from forum.threads.models import Post, PostState, Thread
from forum.urls import site_path

REASON_MAX = 2000
NOTE_MAX = 1000
# `User.suspended_until` for a suspension "until lifted"; the Sanction row says so in words.
UNTIL_LIFTED = datetime(9999, 12, 31, tzinfo=UTC)
SUSPENSION_DAYS_MAX = 365

# Acts of language moderators that the chief moderator can reverse.
REVERSIBLE_ACTIONS = (
    "post.hide",
    "post.restore",
    "post.approve",
    "flags.dismiss",
    "user.warn",
    "thread.pin",
    "thread.unpin",
    "thread.lock",
    "thread.reopen",
    "thread.move",
)


def _require(allowed):
    if not allowed:
        raise NotAllowed(_("You cannot do this."))


def _reason(reason, *, required=True):
    reason = (reason or "").strip()
    if required and not reason:
        raise Invalid(_("Give a reason: the person concerned and the audit trail will show it."))
    if len(reason) > REASON_MAX:
        raise Invalid(_("The reason is too long (at most %(count)d characters).", count=REASON_MAX))
    return reason or None


def _clause(clause):
    try:
        return protocol.check_clause(clause)
    except Invalid as error:
        raise Invalid(str(error)) from None


def _post_link(post):
    return site_path("threads.goto_post", post_id=post.id)


# Flags -----------------------------------------------------------------------


def flag_post(post, *, by, clause, note=""):
    """Report a post as breaching a clause; refused twice from the same reader while it is open."""
    _require(policy.can_flag_post(by, post))
    clause, version = _clause(clause)
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise Invalid(_("The note is too long (at most %(count)d characters).", count=NOTE_MAX))
    already = db.session.scalar(
        select(Flag.id).where(Flag.post_id == post.id, Flag.reporter_id == by.id, Flag.status == FlagStatus.open)
    )
    if already is not None:
        raise Invalid(_("You have already reported this message; the moderators will look at it."))
    flag = Flag(
        post_id=post.id,
        post=post,
        reporter_id=by.id,
        clause=clause,
        protocol_version=version.number,
        note=note,
        created_at=clock.now(),
    )
    db.session.add(flag)
    db.session.flush()
    return flag


def flags_of(post):
    """Every flag on a post, open and handled, oldest first, with reporter and handler."""
    return db.session.scalars(
        select(Flag)
        .where(Flag.post_id == post.id)
        .options(joinedload(Flag.reporter), joinedload(Flag.handled_by))
        .order_by(Flag.created_at, Flag.id)
    ).all()


def _close_open_flags(post, status, by):
    """Close the post's open flags in one UPDATE; returns (flag ids, reporter ids) of those it closed."""
    rows = db.session.execute(
        update(Flag)
        .where(Flag.post_id == post.id, Flag.status == FlagStatus.open)
        .values(status=status, handled_by_id=by.id, handled_at=clock.now())
        .returning(Flag.id, Flag.reporter_id)
    ).all()
    return sorted(row.id for row in rows), list(dict.fromkeys(row.reporter_id for row in rows))


def _tell_reporters(reporter_ids, kind, post):
    thread_title = post.thread.title
    for reporter_id in reporter_ids:
        notify(db.session.get(User, reporter_id), kind, link=_post_link(post), thread=thread_title)


def _change_state(post, expected, refusal, **values):
    """Change a post only if its state is still one of `expected`, in one conditional UPDATE.

    Of two moderators acting on the same post at once, the second gets
    `refusal` instead of a second act (and a second audit event).
    """
    changed = db.session.execute(
        update(Post).where(Post.id == post.id, Post.state.in_(expected)).values(**values),
        execution_options={"synchronize_session": "fetch"},
    ).rowcount
    if changed != 1:
        raise Invalid(refusal)


# Decisions on posts ------------------------------------------------------------


def hide_post(post, *, by, clause, reason):
    """Hide a published or held post under a clause; its open flags are upheld and its author told why."""
    _require(policy.can_moderate_post(by, post))
    if post.state == PostState.hidden:
        raise Invalid(_("This message is already hidden."))
    if post.state == PostState.removed:
        raise Invalid(_("This message was removed at its author's request."))
    clause, version = _clause(clause)
    reason = _reason(reason)
    previous = post.state
    _change_state(
        post,
        (PostState.visible, PostState.held),
        _("This message is already hidden."),
        state=PostState.hidden,
        state_clause=clause,
        state_reason=reason,
    )
    flag_ids, reporter_ids = _close_open_flags(post, FlagStatus.upheld, by)
    event = audit.record(
        by,
        "post.hide",
        post,
        reason=reason,
        clause=clause,
        protocol_version=version.number,
        previous_state=previous.value,
        flags=flag_ids,
        thread_id=post.thread_id,
        author_id=post.author_id,
    )
    notify(post.author, "post_hidden", link=_post_link(post), thread=post.thread.title, clause=clause, reason=reason)
    _tell_reporters(reporter_ids, "flag_upheld", post)
    db.session.flush()
    return event


def restore_post(post, *, by, reason):
    """Publish a hidden post again; its author is told."""
    _require(policy.can_moderate_post(by, post))
    if post.state != PostState.hidden:
        raise Invalid(_("This message is not hidden."))
    reason = _reason(reason)
    previous_clause, previous_reason = post.state_clause, post.state_reason
    _change_state(post, (PostState.hidden,), _("This message is not hidden."), **_VISIBLE)
    event = audit.record(
        by,
        "post.restore",
        post,
        reason=reason,
        previous_clause=previous_clause,
        previous_reason=previous_reason,
        thread_id=post.thread_id,
        author_id=post.author_id,
    )
    notify(post.author, "post_restored", link=_post_link(post), thread=post.thread.title, reason=reason)
    db.session.flush()
    return event


def approve_post(post, *, by, reason=None):
    """Publish a post held by the blocked-terms rule; its author and the thread's followers are told."""
    _require(policy.can_moderate_post(by, post))
    if post.state != PostState.held:
        raise Invalid(_("This message is not awaiting moderation."))
    reason = _reason(reason, required=False)
    _change_state(post, (PostState.held,), _("This message is not awaiting moderation."), **_VISIBLE)
    event = audit.record(by, "post.approve", post, reason=reason, thread_id=post.thread_id, author_id=post.author_id)
    notify(post.author, "post_approved", link=_post_link(post), thread=post.thread.title)
    # Followers were not told of the post while it was held.
    threads_service.announce_post(post)
    db.session.flush()
    return event


def dismiss_flags(post, *, by, reason=None):
    """Close the open reports on a post without acting on it; the reporters are told."""
    _require(policy.can_moderate_post(by, post))
    reason = _reason(reason, required=False)
    flag_ids, reporter_ids = _close_open_flags(post, FlagStatus.dismissed, by)
    if not flag_ids:
        raise Invalid(_("There are no open reports on this message."))
    event = audit.record(
        by,
        "flags.dismiss",
        post,
        reason=reason,
        flags=flag_ids,
        thread_id=post.thread_id,
        author_id=post.author_id,
    )
    _tell_reporters(reporter_ids, "flag_dismissed", post)
    db.session.flush()
    return event


_VISIBLE = {"state": PostState.visible, "state_clause": None, "state_reason": None}


def _set_visible(post):
    for name, value in _VISIBLE.items():
        setattr(post, name, value)


# Warnings and suspensions ----------------------------------------------------


def warn_user(target, *, by, clause, reason, post=None):
    """Warn a user under a clause; a language moderator warns only through a post they moderate."""
    _require(policy.can_warn_user(by, target, post))
    clause, version = _clause(clause)
    reason = _reason(reason)
    sanction = Sanction(
        user_id=target.id,
        kind=SanctionKind.warning,
        clause=clause,
        protocol_version=version.number,
        reason=reason,
        post_id=post.id if post else None,
        created_at=clock.now(),
        created_by_id=by.id,
    )
    db.session.add(sanction)
    db.session.flush()
    event = audit.record(
        by,
        "user.warn",
        target,
        reason=reason,
        clause=clause,
        protocol_version=version.number,
        sanction_id=sanction.id,
        post_id=post.id if post else None,
    )
    notify(target, "warning", link=_post_link(post) if post else None, clause=clause, reason=reason)
    db.session.flush()
    return event


def suspend_user(target, *, by, clause, reason, days=None):
    """Suspend for `days` days, or until lifted when `days` is None; the user can still read."""
    _require(policy.can_suspend_user(by, target))
    if target.is_suspended:
        raise Invalid(_("This account is already suspended. Lift the suspension first to change it."))
    if days is not None and not (isinstance(days, int) and 1 <= days <= SUSPENSION_DAYS_MAX):
        raise Invalid(
            _("A suspension lasts from 1 to %(count)d days, or until it is lifted.", count=SUSPENSION_DAYS_MAX)
        )
    clause, version = _clause(clause)
    reason = _reason(reason)
    now = clock.now()
    ends_at = now + timedelta(days=days) if days else None
    sanction = Sanction(
        user_id=target.id,
        kind=SanctionKind.suspension,
        clause=clause,
        protocol_version=version.number,
        reason=reason,
        created_at=now,
        created_by_id=by.id,
        ends_at=ends_at,
    )
    db.session.add(sanction)
    target.suspended_until = ends_at or UNTIL_LIFTED
    db.session.flush()
    event = audit.record(
        by,
        "user.suspend",
        target,
        reason=reason,
        clause=clause,
        protocol_version=version.number,
        sanction_id=sanction.id,
        days=days,
        until=ends_at.isoformat() if ends_at else None,
    )
    notify(
        target,
        "suspension",
        clause=clause,
        reason=reason,
        until=ends_at.isoformat() if ends_at else None,
    )
    db.session.flush()
    return event


def lift_suspension(target, *, by, reason):
    """End a suspension now; the user can write again."""
    _require(policy.can_suspend_user(by, target))
    if not target.is_suspended:
        raise Invalid(_("This account is not suspended."))
    reason = _reason(reason)
    now = clock.now()
    sanction = active_suspension(target)
    if sanction is not None:
        sanction.lifted_at = now
        sanction.lifted_by_id = by.id
        sanction.lift_reason = reason
    target.suspended_until = None
    event = audit.record(by, "user.unsuspend", target, reason=reason, sanction_id=sanction.id if sanction else None)
    notify(target, "suspension_lifted", reason=reason)
    db.session.flush()
    return event


def active_suspension(user):
    """The suspension in force for `user`, with its reason and end, or None."""
    if user is None or not getattr(user, "is_suspended", False):
        return None
    return db.session.scalar(
        select(Sanction)
        .where(
            Sanction.user_id == user.id,
            Sanction.kind == SanctionKind.suspension,
            Sanction.lifted_at.is_(None),
            or_(Sanction.ends_at.is_(None), Sanction.ends_at > clock.now()),
        )
        .order_by(Sanction.created_at.desc(), Sanction.id.desc())
        .limit(1)
    )


def sanctions_of(user):
    return db.session.scalars(
        select(Sanction)
        .where(Sanction.user_id == user.id)
        .options(joinedload(Sanction.created_by), joinedload(Sanction.lifted_by))
        .order_by(Sanction.created_at.desc(), Sanction.id.desc())
    ).all()


# Supervision: reversing a language moderator's act ------------------------------


def reverse_act(event, *, by, reason):
    """Undo what a language moderator did; the reversal is itself one audit event."""
    _require(policy.can_reverse_act(by, event))
    if event.action not in REVERSIBLE_ACTIONS:
        raise Invalid(_("This act cannot be reversed."))
    if db.session.get(ReversedAct, event.id) is not None:
        raise Invalid(_("This act was already reversed."))
    reason = _reason(reason)
    target = _UNDO[event.action](event, by, reason)
    reversal = audit.record(
        by,
        "act.reverse",
        target,
        reason=reason,
        reverses=event.id,
        reversed_action=event.action,
        reversed_actor_id=event.actor_id,
    )
    db.session.flush()
    db.session.add(
        ReversedAct(event_id=event.id, reversal_event_id=reversal.id, reversed_by_id=by.id, reversed_at=clock.now())
    )
    db.session.flush()
    return reversal


def _target_post(event):
    post = db.session.get(Post, event.target_id) if event.target_type == Post.__tablename__ else None
    if post is None:
        raise Invalid(_("The message this act concerned no longer exists."))
    return post


def _undo_hide(event, by, reason):
    post = _target_post(event)
    if post.state != PostState.hidden:
        raise Invalid(_("The message is no longer hidden: there is nothing to reverse."))
    previous = event.details.get("previous_state", PostState.visible.value)
    if previous == PostState.held.value:
        post.state, post.state_clause, post.state_reason = PostState.held, None, None
    else:
        _set_visible(post)
        notify(post.author, "post_restored", link=_post_link(post), thread=post.thread.title, reason=reason)
    # The reports the hiding upheld were, in the chief moderator's view, unfounded.
    for flag in db.session.scalars(select(Flag).where(Flag.id.in_(event.details.get("flags") or []))):
        flag.status, flag.handled_by_id, flag.handled_at = FlagStatus.dismissed, by.id, clock.now()
    return post


def _undo_restore(event, by, reason):
    post = _target_post(event)
    if post.state != PostState.visible:
        raise Invalid(_("The message is no longer published: there is nothing to reverse."))
    clause = event.details.get("previous_clause")
    post.state, post.state_clause = PostState.hidden, clause
    post.state_reason = event.details.get("previous_reason") or reason
    notify(
        post.author,
        "post_hidden",
        link=_post_link(post),
        thread=post.thread.title,
        clause=clause,
        reason=post.state_reason,
    )
    return post


def _undo_approve(event, by, reason):
    post = _target_post(event)
    if post.state != PostState.visible:
        raise Invalid(_("The message is no longer published: there is nothing to reverse."))
    post.state, post.state_clause, post.state_reason = PostState.held, None, None
    return post


def _undo_dismiss(event, by, reason):
    post = _target_post(event)
    flags = db.session.scalars(
        select(Flag).where(Flag.id.in_(event.details.get("flags") or []), Flag.status == FlagStatus.dismissed)
    ).all()
    if not flags:
        raise Invalid(_("These reports are no longer dismissed: there is nothing to reverse."))
    for flag in flags:
        flag.status, flag.handled_by_id, flag.handled_at = FlagStatus.open, None, None
    return post


def _undo_warn(event, by, reason):
    sanction = db.session.get(Sanction, event.details.get("sanction_id") or 0)
    if sanction is None or sanction.lifted_at is not None:
        raise Invalid(_("This warning was already withdrawn."))
    sanction.lifted_at, sanction.lifted_by_id, sanction.lift_reason = clock.now(), by.id, reason
    notify(sanction.user, "warning_withdrawn", clause=sanction.clause, reason=reason)
    return sanction.user


def _target_thread(event):
    thread = db.session.get(Thread, event.target_id) if event.target_type == Thread.__tablename__ else None
    if thread is None:
        raise Invalid(_("The thread this act concerned no longer exists."))
    return thread


def _undo_thread_flag(column, value_after_act):
    """The undo of a pin/unpin or lock/reopen: put the flag back, unless someone already did."""

    def undo(event, by, reason):
        thread = _target_thread(event)
        if getattr(thread, column) != value_after_act:
            raise Invalid(_("The thread has changed since: there is nothing to reverse."))
        setattr(thread, column, not value_after_act)
        return thread

    return undo


def _undo_move(event, by, reason):
    thread = _target_thread(event)
    source = db.session.scalar(select(Room).where(Room.slug == event.details.get("from_room")))
    if thread.room.slug != event.details.get("to_room") or source is None:
        raise Invalid(_("The thread has changed since: there is nothing to reverse."))
    moved_to = thread.room_id
    thread.room_id, thread.room = source.id, source
    db.session.flush()
    rooms_service.recount_rooms([moved_to, source.id])
    return thread


_UNDO = {
    "post.hide": _undo_hide,
    "post.restore": _undo_restore,
    "post.approve": _undo_approve,
    "flags.dismiss": _undo_dismiss,
    "user.warn": _undo_warn,
    "thread.pin": _undo_thread_flag("pinned", True),
    "thread.unpin": _undo_thread_flag("pinned", False),
    "thread.lock": _undo_thread_flag("locked", True),
    "thread.reopen": _undo_thread_flag("locked", False),
    "thread.move": _undo_move,
}


# Lists -----------------------------------------------------------------------


@dataclass
class QueueItem:
    post: Post
    waiting_since: datetime
    flags: list = field(default_factory=list)

    @property
    def held(self):
        return self.post.state == PostState.held


def moderation_queue(user, *, page=1, per_page=25, language=None):
    """Posts waiting for a moderator of `user`'s languages: open flags (grouped by post) and held posts.

    Oldest first; returns (items, total). A fixed number of queries whatever the size of the queue.
    """
    first_flag = (
        select(Flag.post_id, func.min(Flag.created_at).label("first_at"))
        .where(Flag.status == FlagStatus.open)
        .group_by(Flag.post_id)
        .subquery()
    )
    waiting_since = func.coalesce(first_flag.c.first_at, Post.created_at)
    query = (
        select(Post.id, waiting_since.label("waiting_since"))
        .join(Thread, Thread.id == Post.thread_id)
        .join(Room, Room.id == Thread.room_id)
        .outerjoin(first_flag, first_flag.c.post_id == Post.id)
        .where(or_(first_flag.c.post_id.is_not(None), Post.state == PostState.held))
    )
    query = query.where(policy.moderated_rooms(user))
    if language:
        query = query.where(Room.language_code == language)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    rows = db.session.execute(
        query.order_by(waiting_since, Post.id).limit(per_page).offset((page - 1) * per_page)
    ).all()
    if not rows:
        return [], total
    ids = [row.id for row in rows]
    posts = {
        post.id: post
        for post in db.session.scalars(select(Post).where(Post.id.in_(ids)).options(joinedload(Post.thread)))
    }
    flags = db.session.scalars(
        select(Flag)
        .where(Flag.post_id.in_(ids), Flag.status == FlagStatus.open)
        .options(joinedload(Flag.reporter))
        .order_by(Flag.created_at, Flag.id)
    ).all()
    items = {row.id: QueueItem(post=posts[row.id], waiting_since=row.waiting_since) for row in rows}
    for flag in flags:
        items[flag.post_id].flags.append(flag)
    return [items[post_id] for post_id in ids], total


def _target_models():
    # Imported here: these packages import moderation's neighbours, not the other way round.
    from forum.discussions.models import Discussion
    from forum.guests.models import GuestInvitation
    from forum.proposals.models import TopicProposal
    from forum.protocol.models import ProtocolVersion
    from forum.rooms.models import Category

    return {
        Post.__tablename__: (Post, (joinedload(Post.thread),)),
        User.__tablename__: (User, ()),
        Thread.__tablename__: (Thread, ()),
        Discussion.__tablename__: (Discussion, ()),
        TopicProposal.__tablename__: (TopicProposal, ()),
        GuestInvitation.__tablename__: (GuestInvitation, ()),
        Category.__tablename__: (Category, ()),
        ProtocolVersion.__tablename__: (ProtocolVersion, ()),
    }


def load_targets(events):
    """{(target_type, id): object} for what a list of audit events concerns: one query per kind of object."""
    wanted = {}
    for event in events:
        if event.target_id:
            wanted.setdefault(event.target_type, set()).add(event.target_id)
    targets = {}
    for table, (model, options) in _target_models().items():
        if wanted.get(table):
            for obj in db.session.scalars(select(model).where(model.id.in_(wanted[table])).options(*options)):
                targets[(table, obj.id)] = obj
    return targets


def language_moderator_acts(*, page=1, per_page=50):
    """What language moderators did, newest first, with the reversal of each if any: (events, reversals, total)."""
    query = select(AuditEvent).join(User, User.id == AuditEvent.actor_id).where(User.role == Role.language_moderator)
    pages = db.paginate(
        query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc()), page=page, per_page=per_page, error_out=False
    )
    events, total = pages.items, pages.total
    reversals = {}
    if events:
        reversals = {
            r.event_id: r
            for r in db.session.scalars(
                select(ReversedAct)
                .where(ReversedAct.event_id.in_([e.id for e in events]))
                .options(joinedload(ReversedAct.reversal_event))
            )
        }
    return events, reversals, total


def reversal_of(event):
    return db.session.get(ReversedAct, event.id)


# The audit log ---------------------------------------------------------------

SYSTEM_ACTOR = "system"


@dataclass
class AuditFilters:
    """What the audit log browser filters on; None means "any"."""

    actor: object = None  # a user id, or SYSTEM_ACTOR for automatic acts
    action: str | None = None
    user_id: int | None = None  # the user concerned: the target, or the author of the target post
    since: date | None = None
    until: date | None = None


def _local_midnight_utc(day):
    tz = get_timezone() if has_request_context() else UTC
    return datetime.combine(day, time.min).replace(tzinfo=tz).astimezone(UTC)


def audit_query(viewer, filters):
    """The events `viewer` may see that match `filters`, newest first."""
    query = select(AuditEvent)
    if not policy.can_view_all_audit_events(viewer):
        # Their own acts, whatever actor the query string asks for.
        query = query.where(AuditEvent.actor_id == viewer.id)
    elif filters.actor == SYSTEM_ACTOR:
        query = query.where(AuditEvent.actor_id.is_(None))
    elif filters.actor is not None:
        query = query.where(AuditEvent.actor_id == filters.actor)
    if filters.action:
        query = query.where(AuditEvent.action == filters.action)
    if filters.user_id is not None:
        query = query.where(
            or_(
                and_(AuditEvent.target_type == User.__tablename__, AuditEvent.target_id == filters.user_id),
                and_(
                    AuditEvent.target_type == Post.__tablename__,
                    AuditEvent.target_id.in_(select(Post.id).where(Post.author_id == filters.user_id)),
                ),
            )
        )
    if filters.since:
        query = query.where(AuditEvent.at >= _local_midnight_utc(filters.since))
    if filters.until:
        query = query.where(AuditEvent.at < _local_midnight_utc(filters.until + timedelta(days=1)))
    return query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())


def audit_page(viewer, filters, *, page=1, per_page=50):
    """One page of the audit log: (events, total). Actors come with the events (joined)."""
    pages = db.paginate(audit_query(viewer, filters), page=page, per_page=per_page, error_out=False)
    return pages.items, pages.total


def audit_actions(viewer):
    query = select(AuditEvent.action).distinct().order_by(AuditEvent.action)
    if not policy.can_view_all_audit_events(viewer):
        query = query.where(AuditEvent.actor_id == viewer.id)
    return db.session.scalars(query).all()


def audit_actors(viewer):
    """The accounts that appear as actors in the log (moderators and admins: a short list)."""
    if not policy.can_view_all_audit_events(viewer):
        return [viewer]
    acted = select(AuditEvent.actor_id).where(AuditEvent.actor_id.is_not(None)).distinct()
    return db.session.scalars(select(User).where(User.id.in_(acted)).order_by(User.display_name, User.id)).all()


CSV_COLUMNS = (
    "id",
    "at_utc",
    "actor_id",
    "actor_email",
    "action",
    "target_type",
    "target_id",
    "clause",
    "reason",
    "details",
)


def audit_csv_chunks(viewer, filters, batch=500):
    """The filtered log as CSV text, yielded in chunks (for a streamed download)."""
    buffer = io.StringIO()
    # Every cell is escaped: reasons are typed by people, and an e-mail address may start with "=".
    writer = csvsafe.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    query = audit_query(viewer, filters)
    offset = 0
    while True:
        events = db.session.scalars(query.limit(batch).offset(offset)).unique().all()
        for event in events:
            writer.writerow(
                [
                    event.id,
                    event.at.isoformat(),
                    event.actor_id,
                    event.actor.email if event.actor else "",
                    event.action,
                    event.target_type,
                    event.target_id,
                    event.clause,
                    event.reason,
                    json.dumps(event.details or {}, ensure_ascii=False, sort_keys=True),
                ]
            )
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        if len(events) < batch:
            return
        offset += batch


def events_about(target):
    """The audit events whose target is `target` (a post or a user), oldest first."""
    return db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.target_type == target.__tablename__, AuditEvent.target_id == target.id)
        .order_by(AuditEvent.at, AuditEvent.id)
    ).all()
