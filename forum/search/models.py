"""The searchable copy of each text: one row per post, discussion summary and topic proposal.

Rows hold plain text and, copied from their post, thread and room, every
fact that decides who may read them or that a filter narrows on: post state,
room, category, weekly discussion, thread opening time, author, date. A search
then filters and ranks on this one table, without joining posts, threads and
rooms for each of thousands of matches. forum.search.index keeps the copies in
step with every write that changes them (a hide or restore, a moved thread, a
rescheduled discussion). What changes without touching a post or a thread
(a language deactivated, a discussion cancelled, a guest's invitation, an
author's member state) stays in small lookups evaluated once per query.
"""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column

from forum.dbtypes import StateEnum, UTCDateTime, enum_column
from forum.extensions import db
from forum.search import schema
from forum.threads.models import PostState


class EntryKind(StateEnum):
    post = "post"
    summary = "summary"
    proposal = "proposal"


class SearchEntry(db.Model):
    __tablename__ = "search_entries"
    __table_args__ = (
        Index("ix_search_entries_created", "created_at"),
        # PostgreSQL's full-text index (an unused plain index on SQLite, where FTS5 indexes instead).
        Index("ix_search_entries_document", "document", postgresql_using="gin"),
        # Everything the permission scope and the filters read of a match, so SQLite checks each of the
        # thousands of rows a common word matches from this narrow index, never from the wide text rows.
        Index(
            "ix_search_entries_scope",
            "id", "kind", "post_state", "room_id", "opens_at", "discussion_id", "author_id", "thread_id",
            "category_id", "created_at",
        ),
    )  # fmt: skip

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[EntryKind] = mapped_column(enum_column(EntryKind, 16))
    post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), unique=True)
    discussion_text_id: Mapped[int | None] = mapped_column(
        ForeignKey("discussion_texts.id", ondelete="CASCADE"), unique=True
    )
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("topic_proposals.id", ondelete="CASCADE"), unique=True)
    # The thread whose readers may find the row (posts and summaries; None for proposals).
    thread_id: Mapped[int | None] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Copies of what decides who may read the row and what filters narrow on (forum.search.index keeps
    # them current): the post's state (None for summaries and proposals, which are always published),
    # its thread's room, category (a proposal's own), weekly discussion and opening time.
    post_state: Mapped[PostState | None] = mapped_column(enum_column(PostState, 16), nullable=True)
    room_id: Mapped[int | None] = mapped_column(ForeignKey("rooms.id"))
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"))
    discussion_id: Mapped[int | None] = mapped_column(ForeignKey("discussions.id"))
    opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The content language whose stemming applies (the room's, for posts).
    language_code: Mapped[str] = mapped_column(String(12))
    # Titles weigh more than bodies: a thread's title sits on its first post's row.
    title: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")
    # SQLite: the stems FTS5 indexes (table search_fts), made in Python by forum.search.text.
    title_terms: Mapped[str | None] = mapped_column(Text, deferred=True)
    body_terms: Mapped[str | None] = mapped_column(Text, deferred=True)
    # PostgreSQL: the weighted tsvector, set by a trigger in the language's text-search configuration.
    document: Mapped[str | None] = mapped_column(TSVECTOR().with_variant(Text(), "sqlite"), deferred=True)


schema.attach(SearchEntry.__table__)
