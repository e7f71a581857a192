"""The searchable copy of each text: one row per post, discussion summary and topic proposal.

Rows hold plain text and the facts search filters on that never change
(author, date); everything that can change and decides who may read (post
state, thread times, room, language activity) is joined at query time, so a
hidden post or a moved thread needs no index update to be filtered right.
forum.search.index keeps the rows in step with every write.
"""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column

from forum.dbtypes import StateEnum, UTCDateTime, enum_column
from forum.extensions import db
from forum.search import schema


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
    )

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
