"""Flags on posts, sanctions on users, and the record of reversed moderation acts."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum import clock
from forum.accounts.models import User
from forum.audit import AuditEvent
from forum.dbtypes import StateEnum, UTCDateTime, enum_column
from forum.extensions import db
from forum.threads.models import Post


class FlagStatus(StateEnum):
    open = "open"
    upheld = "upheld"
    dismissed = "dismissed"


class Flag(db.Model):
    """A reader's report that a post breaches a clause of the protocol."""

    __tablename__ = "flags"
    __table_args__ = (
        Index("ix_flags_status_created", "status", "created_at"),
        Index("ix_flags_post_status", "post_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    reporter_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    clause: Mapped[str] = mapped_column(String(20))
    # The protocol version the clause was cited from.
    protocol_version: Mapped[int]
    note: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[FlagStatus] = mapped_column(enum_column(FlagStatus, 16), default=FlagStatus.open)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    handled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    post: Mapped[Post] = relationship()
    reporter: Mapped[User] = relationship(foreign_keys=[reporter_id])
    handled_by: Mapped[User | None] = relationship(foreign_keys=[handled_by_id])


class SanctionKind(StateEnum):
    warning = "warning"
    suspension = "suspension"


class Sanction(db.Model):
    """A warning or a suspension, with the clause applied and the reason the user is shown."""

    __tablename__ = "sanctions"
    __table_args__ = (Index("ix_sanctions_user_created", "user_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[SanctionKind] = mapped_column(enum_column(SanctionKind, 16))
    clause: Mapped[str] = mapped_column(String(20))
    protocol_version: Mapped[int]
    reason: Mapped[str] = mapped_column(Text)
    # The post that prompted it, if any (a language moderator's warning always has one).
    post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Suspensions only: None means "until lifted".
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Lifting a suspension, or withdrawing a warning on reversal.
    lifted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lifted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    lift_reason: Mapped[str | None] = mapped_column(Text)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    lifted_by: Mapped[User | None] = relationship(foreign_keys=[lifted_by_id])
    post: Mapped[Post | None] = relationship()

    def in_force_at(self, moment):
        if self.kind != SanctionKind.suspension or self.lifted_at is not None:
            return False
        return self.ends_at is None or self.ends_at > moment

    @property
    def in_force(self):
        return self.in_force_at(clock.now())


class ReversedAct(db.Model):
    """Marks an audit event as reversed by the chief moderator (audit events themselves never change)."""

    __tablename__ = "reversed_acts"

    event_id: Mapped[int] = mapped_column(ForeignKey("audit_events.id"), primary_key=True)
    reversal_event_id: Mapped[int] = mapped_column(ForeignKey("audit_events.id"))
    reversed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reversed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    event: Mapped[AuditEvent] = relationship(foreign_keys=[event_id])
    reversal_event: Mapped[AuditEvent] = relationship(foreign_keys=[reversal_event_id])
