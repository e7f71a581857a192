"""The audit trail: one append-only record of every moderator and admin act.

`record()` is the only writer. Nothing in the application updates or deletes
an AuditEvent; the ORM refuses to, so a bug cannot do it quietly either.
"""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum import clock
from forum.dbtypes import UTCDateTime
from forum.extensions import db


class AuditEvent(db.Model):
    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_target", "target_type", "target_id"),
        Index("ix_audit_events_actor_at", "actor_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now, index=True)
    # None for the system's own acts (a post held by the blocked-terms rule, the CLI).
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(60), index=True)
    # A table name and an id, not a foreign key: one trail covers acts on every kind of object.
    target_type: Mapped[str] = mapped_column(String(40))
    target_id: Mapped[int | None]
    reason: Mapped[str | None] = mapped_column(Text)
    clause: Mapped[str | None] = mapped_column(String(20))
    details: Mapped[dict] = mapped_column(JSON, default=dict)

    actor = relationship("User", lazy="joined")


class AuditTrailIsAppendOnly(Exception):
    pass


# Guarded in the ORM, where every write of the application goes; a bulk UPDATE or DELETE
# would bypass it, which is why no code issues one on this table.
@event.listens_for(AuditEvent, "before_update")
@event.listens_for(AuditEvent, "before_delete")
def _refuse_change(mapper, connection, target):
    raise AuditTrailIsAppendOnly("audit events are never changed or deleted")


def record(actor, action, target=None, reason=None, clause=None, **details):
    """Append one audit event and return it.

    `target` is a model instance (its table name and id are kept) or None;
    `details` must be JSON-serialisable.
    """
    event_ = AuditEvent(
        actor_id=getattr(actor, "id", None),
        action=action,
        # The column is not nullable: "" stands for an act on no single object (adding a language).
        target_type=target.__tablename__ if target is not None else "",
        target_id=getattr(target, "id", None),
        reason=reason,
        clause=clause,
        details=details,
        # Stamped now rather than by the column default at flush, so `at` is readable at once.
        at=clock.now(),
    )
    db.session.add(event_)
    return event_
