"""Deletion requests: what was asked for, by whom, and what the chief moderator decided."""

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum import clock
from forum.accounts.models import User
from forum.dbtypes import StateEnum, UTCDateTime, enum_column
from forum.extensions import db
from forum.threads.models import Post, Thread


class DeletionScope(StateEnum):
    post = "post"
    thread = "thread"
    account = "account"

    @property
    def label(self):
        return str(SCOPE_LABELS[self])


SCOPE_LABELS = {
    DeletionScope.post: _l("A message"),
    DeletionScope.thread: _l("A whole thread"),
    DeletionScope.account: _l("An account"),
}


class DeletionStatus(StateEnum):
    pending = "pending"
    carried_out = "carried_out"
    partly_carried_out = "partly_carried_out"
    refused = "refused"

    @property
    def label(self):
        return str(STATUS_LABELS[self])


STATUS_LABELS = {
    DeletionStatus.pending: _l("Waiting for a decision"),
    DeletionStatus.carried_out: _l("Carried out"),
    DeletionStatus.partly_carried_out: _l("Partly carried out"),
    DeletionStatus.refused: _l("Refused"),
}


class DeletionRequest(db.Model):
    """One request to erase a post, a thread or an account (usage protocol, clause 1.6).

    The request never copies the text it is about: once carried out, nothing
    of the erased text remains here either.
    """

    __tablename__ = "deletion_requests"
    __table_args__ = (
        # The deciders' queue (pending first, oldest first) and the reminder step.
        Index("ix_deletion_requests_status_created", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[DeletionScope] = mapped_column(enum_column(DeletionScope, 16))
    # The member whose post, thread or account it is (who asked, or on whose behalf it was recorded).
    requester_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id", ondelete="SET NULL"), index=True)
    thread_id: Mapped[int | None] = mapped_column(ForeignKey("threads.id", ondelete="SET NULL"), index=True)
    # Account requests: erase their posts as well (otherwise the posts stay, under "Former delegate of …").
    include_posts: Mapped[bool] = mapped_column(default=False)
    # A chief moderator or admin who recorded a request received by e-mail or letter, and how it came.
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    received_by: Mapped[str | None] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[DeletionStatus] = mapped_column(enum_column(DeletionStatus, 24), default=DeletionStatus.pending)
    decision_note: Mapped[str | None] = mapped_column(Text)
    # A refusal cites a clause of the usage protocol in force, and its version.
    clause: Mapped[str | None] = mapped_column(String(20))
    protocol_version: Mapped[int | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    # Ids of other posts found quoting or linking to the erased ones, for the moderator to look at.
    quoting_post_ids: Mapped[list | None] = mapped_column(JSON)
    # The deciders were reminded of a request left waiting (once per request).
    reminder_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    requester: Mapped[User] = relationship(foreign_keys=[requester_id])
    recorded_by: Mapped[User | None] = relationship(foreign_keys=[recorded_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    post: Mapped[Post | None] = relationship()
    thread: Mapped[Thread | None] = relationship()
