"""The counts in the page header: what waits for the reader, each shown as a link.

Everyone signed in: unread notifications. Moderators: posts reported and
posts held for approval, in the rooms they moderate (a language moderator's
languages only, `policy.moderated_rooms`, the moderation queue's scope).
Guest requests waiting for the reader's decision: to assess (chief
moderators), to approve (administrators). All in one query, at most once per
request (kept on `g`), and none for anonymous visitors; none either for a
member, whose only figure came with their account (forum.accounts.service).
"""

from dataclasses import dataclass

from flask import g, has_request_context
from sqlalchemy import bindparam, distinct, func, literal, select

from forum import policy
from forum.extensions import db
from forum.guests.models import GuestInvitation, InvitationStatus
from forum.moderation.models import Flag, FlagStatus
from forum.notifications.models import Notification
from forum.rooms.models import Room
from forum.threads.models import Post, PostState, Thread


@dataclass(frozen=True)
class HeaderCounts:
    notifications: int = 0
    reports: int = 0
    held: int = 0
    to_assess: int = 0
    to_approve: int = 0
    # Which figures apply to the reader at all (a zero for a delegate's "reports" means nothing).
    moderates: bool = False

    @property
    def any(self):
        return any((self.notifications, self.reports, self.held, self.to_assess, self.to_approve))


def _count(query):
    return query.scalar_subquery()


def _moderation_counts(user):
    rooms = select(Room.id).where(policy.moderated_rooms(user))
    # Posts with an open report, as the queue groups them: three reports on one post are one post to handle.
    reports = (
        select(func.count(distinct(Flag.post_id)))
        .join(Post, Post.id == Flag.post_id)
        .join(Thread, Thread.id == Post.thread_id)
        .where(Flag.status == FlagStatus.open, Thread.room_id.in_(rooms))
    )
    held = (
        select(func.count(Post.id))
        .join(Thread, Thread.id == Post.thread_id)
        .where(Post.state == PostState.held, Thread.room_id.in_(rooms))
    )
    return _count(reports), _count(held)


def _guest_request_count(status):
    return _count(select(func.count(GuestInvitation.id)).where(GuestInvitation.status == status))


# Most readers have only their unread notifications to count: that statement is built once, with the reader as a
# parameter (building a statement anew cost more than running it). The session's user loader runs it beside the
# user (forum.accounts.service) and leaves the answer here (`remember_unread_notifications`).
UNREAD_NOTIFICATIONS = select(func.count(Notification.id)).where(
    Notification.user_id == bindparam("reader"), Notification.read_at.is_(None)
)


def remember_unread_notifications(user_id, count):
    """The reader's unread notifications as loaded with them: the header needs no query of its own for a member."""
    if has_request_context():
        g._unread_notifications = (user_id, count)


def _unread_notifications(user):
    known = g.get("_unread_notifications") if has_request_context() else None
    if known is not None and known[0] == user.id:
        return known[1]
    return db.session.scalar(UNREAD_NOTIFICATIONS, {"reader": user.id}) or 0


def compute_header_counts(user):
    """The reader's counts in one query (None for a visitor who is not signed in or must enrol first)."""
    if not policy.can_act(user):
        return None
    moderates = policy.can_see_moderation_queue(user)
    if not (moderates or policy.can_assess_guest_request(user) or policy.can_approve_guest(user)):
        return HeaderCounts(notifications=_unread_notifications(user))
    # A figure that does not apply is a constant 0 (one per column: a select keeps one of identical columns).
    reports, held = _moderation_counts(user) if moderates else (literal(0), literal(0))
    to_assess = (
        _guest_request_count(InvitationStatus.requested) if policy.can_assess_guest_request(user) else literal(0)
    )
    to_approve = _guest_request_count(InvitationStatus.recommended) if policy.can_approve_guest(user) else literal(0)
    figures = select(_count(UNREAD_NOTIFICATIONS), reports, held, to_assess, to_approve)
    row = db.session.execute(figures, {"reader": user.id}).one()
    return HeaderCounts(*(int(value or 0) for value in row), moderates=moderates)


def header_counts(user):
    """`compute_header_counts` once per request: the header asks on every page, layouts may ask again."""
    # Outside a request (an e-mail rendered by `tick`) there is no reader to count for.
    if not has_request_context():
        return None
    cached = g.get("_header_counts")
    if cached is not None and cached[0] == user.get_id():
        return cached[1]
    counts = compute_header_counts(user)
    g._header_counts = (user.get_id(), counts)
    return counts
