"""Weekly discussions, their texts per language and invited experts.

A weekly discussion is one topic run at the same time in several language
rooms of a category: each language has its own thread (Thread.discussion_id),
and the discussion keeps what is common to them (category, times, who made it,
the proposal it came from) plus per-language texts (title, opening post,
closing summary).
"""

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum import clock
from forum.accounts.models import User
from forum.dbtypes import UTCDateTime
from forum.extensions import db
from forum.rooms.models import Category, Language
from forum.threads.models import ThreadStatus

if TYPE_CHECKING:
    from forum.proposals.models import TopicProposal


class Discussion(db.Model):
    __tablename__ = "discussions"
    __table_args__ = (
        # The topics page and `tick` look discussions up by their times.
        Index("ix_discussions_times", "opens_at", "closes_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"), index=True)
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # None: open-ended.
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("topic_proposals.id"), index=True)
    # Set (once) by `tick` when the opening has been announced to members.
    announced_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Calendar feeds (forum.calendar): the version of what a calendar shows (times, titles, cancellation),
    # raised with each change so calendar apps replace their copy (RFC 5545 SEQUENCE), and when it last changed.
    sequence: Mapped[int] = mapped_column(default=0, server_default="0")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    # Called off before it opened (`cancel_discussion`): it never opens, and its threads are never readable.
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    cancel_reason: Mapped[str | None] = mapped_column(Text)

    category: Mapped[Category] = relationship()
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    proposal: Mapped["TopicProposal | None"] = relationship(back_populates="discussion")
    texts: Mapped[list["DiscussionText"]] = relationship(
        back_populates="discussion", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def is_cancelled(self):
        return self.cancelled_at is not None

    def status_at(self, moment):
        return discussion_status(self.opens_at, self.closes_at, self.cancelled_at, moment)

    @property
    def status(self):
        return self.status_at(clock.now())

    @property
    def language_codes(self):
        return {text.language_code for text in self.texts}

    @property
    def ordered_texts(self):
        return sorted(self.texts, key=lambda text: (text.language.position, text.language_code))

    def text_for(self, locale):
        """The text in `locale`, else English, else the first language: what a reader sees as the title."""
        return text_for_locale(self.ordered_texts, locale)

    def summary_for(self, locale):
        """The closing summary in `locale`, else in any language that has one (or None)."""
        with_summary = [text for text in self.ordered_texts if text.summary_html]
        for text in with_summary:
            if text.language_code == locale:
                return text
        return with_summary[0] if with_summary else None

    def __repr__(self):
        return f"<Discussion {self.id}>"


def text_for_locale(texts, locale):
    """Of a discussion's texts in the languages' order (with `language_code`), the one in `locale`, else English,
    else the first: `Discussion.text_for`, and pages that read texts as rows."""
    by_code = {text.language_code: text for text in texts}
    return by_code.get(locale) or by_code.get("en") or (texts[0] if texts else None)


def discussion_status(opens_at, closes_at, cancelled_at, moment):
    """A discussion's status at `moment` from its times (`Discussion.status_at`, and pages that read rows)."""
    if cancelled_at is not None:
        return ThreadStatus.cancelled
    if moment < opens_at:
        return ThreadStatus.scheduled
    if closes_at is not None and moment >= closes_at:
        return ThreadStatus.closed
    return ThreadStatus.open


class DiscussionText(db.Model):
    """What a discussion says in one language; its thread is the one in that language's room."""

    __tablename__ = "discussion_texts"
    __table_args__ = (UniqueConstraint("discussion_id", "language_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    discussion_id: Mapped[int] = mapped_column(ForeignKey("discussions.id", ondelete="CASCADE"))
    language_code: Mapped[str] = mapped_column(ForeignKey("languages.code"))
    title: Mapped[str] = mapped_column(String(200))
    opening_source: Mapped[str] = mapped_column(Text)
    summary_source: Mapped[str | None] = mapped_column(Text)
    summary_html: Mapped[str | None] = mapped_column(Text)
    summary_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    summary_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    discussion: Mapped[Discussion] = relationship(back_populates="texts")
    language: Mapped[Language] = relationship(lazy="joined")


class DiscussionExpert(db.Model):
    """A Secretariat staff expert asked into a discussion by a moderator."""

    __tablename__ = "discussion_experts"
    __table_args__ = (UniqueConstraint("discussion_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    discussion_id: Mapped[int] = mapped_column(ForeignKey("discussions.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    invited_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    invited_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(foreign_keys=[user_id], lazy="joined")
    invited_by: Mapped[User] = relationship(foreign_keys=[invited_by_id])
