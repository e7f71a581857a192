"""Outgoing e-mail and in-forum notifications."""

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum import clock
from forum.dbtypes import StateEnum, UTCDateTime, enum_column
from forum.extensions import db


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
