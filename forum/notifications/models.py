"""Outgoing e-mail and in-forum notifications."""

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum import clock
from forum.dbtypes import StateEnum, UTCDateTime, enum_column
from forum.extensions import db
from forum.notifications.kinds import Delivery, Group


class EmailStatus(StateEnum):
    pending = "pending"
    sent = "sent"
    failed = "failed"

    @property
    def label(self):
        return str(EMAIL_STATUS_LABELS[self])


EMAIL_STATUS_LABELS = {
    EmailStatus.pending: _l("Waiting to be sent"),
    EmailStatus.sent: _l("Sent"),
    EmailStatus.failed: _l("Failed"),
}


class OutgoingEmail(db.Model):
    """A message written in the same transaction as the event that caused it."""

    __tablename__ = "outgoing_emails"

    id: Mapped[int] = mapped_column(primary_key=True)
    to: Mapped[str] = mapped_column(String(254))
    # The recipient's account, when the message is for one (null for an invitation to a new guest).
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    # What caused it: a notification kind ("reply", "mention", …), "digest", or "account" for sign-in mail.
    kind: Mapped[str | None] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    # The HTML alternative of `body`, when the message has one (written from the same content).
    html_body: Mapped[str | None] = mapped_column(Text)
    # Extra headers fixed when the message is queued: Message-ID, List-Unsubscribe, List-Unsubscribe-Post.
    headers: Mapped[dict | None] = mapped_column(JSON)
    # The body with its one-time links removed; replaces `body` once the message is sent.
    redacted_body: Mapped[str | None] = mapped_column(Text)
    # Indexed: every `tick` looks for the pending messages among all ever sent.
    status: Mapped[EmailStatus] = mapped_column(enum_column(EmailStatus, 16), default=EmailStatus.pending, index=True)
    # Counts failed sends too; at MAX_ATTEMPTS the message is given up (notifications.service).
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    # After a temporary failure, not tried again before this time (backoff).
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A sender that claimed the message holds it until then; past it, another sender may take it over.
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now, index=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    # The recipient's display name goes into the To header (loaded with the batch being sent).
    user = relationship("User")


class Notification(db.Model):
    """Something a user should see; rendered in their language from `kind` and `params`."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user_unread", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    # Parameters, not finished text: the notification is worded in the reader's language when shown.
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    # A site-relative path (forum.urls.site_path): it stays valid whatever host name serves the forum.
    link: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class NotificationSetting(db.Model):
    """How one user wants one group of notifications e-mailed; no row means the group's default (kinds.py)."""

    __tablename__ = "notification_settings"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    # "group" is an SQL keyword: the column has a plainer name.
    group: Mapped[Group] = mapped_column("group_name", enum_column(Group, 24), primary_key=True)
    delivery: Mapped[Delivery] = mapped_column(enum_column(Delivery, 16))
    # Digests start from here: what happened before the change was delivered the previous way.
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class NotificationPreferences(db.Model):
    """A user's other notification choices; no row means the defaults."""

    __tablename__ = "notification_preferences"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    # Starting or replying to a thread follows it, so one hears of the answers.
    follow_on_reply: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class Digest(db.Model):
    """One digest e-mail's period for one user, claimed before it is written: never two for one period."""

    __tablename__ = "notification_digests"
    __table_args__ = (
        # Two `tick`s at once: the second insert for the same period fails and that run skips the user.
        UniqueConstraint("user_id", "period", "period_start"),
        # The previous digest of a period ("what is new since").
        Index("ix_notification_digests_latest", "user_id", "period", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    period: Mapped[Delivery] = mapped_column(enum_column(Delivery, 16))
    # The first day of the period in the user's own time zone: their day, or the Monday of their week.
    period_start: Mapped[date] = mapped_column(Date)
    # When it was claimed; the digest covers what happened up to this moment.
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    # How many items it listed; 0 when there was nothing new and no e-mail went out.
    item_count: Mapped[int] = mapped_column(default=0)


class Mention(db.Model):
    """A person named in a post who was notified of it: a post notifies each person once, whatever its edits."""

    __tablename__ = "post_mentions"

    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
