"""Threads, posts, their revisions, read markers and watches."""

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, column, exists, table
from sqlalchemy.orm import Mapped, column_property, mapped_column, relationship

from forum import clock
from forum.accounts.models import User
from forum.dbtypes import StateEnum, UTCDateTime, enum_column
from forum.extensions import db
from forum.rooms.models import Room


class ThreadKind(StateEnum):
    member = "member"
    weekly = "weekly"
    proposal = "proposal"


class ThreadStatus(StateEnum):
    scheduled = "scheduled"
    open = "open"
    closed = "closed"
    # Only a weekly discussion is ever cancelled (forum.discussions); its threads never open.
    cancelled = "cancelled"

    @property
    def label(self):
        return str(THREAD_STATUS_LABELS[self])


THREAD_STATUS_LABELS = {
    ThreadStatus.scheduled: _l("Scheduled"),
    ThreadStatus.open: _l("Open"),
    ThreadStatus.closed: _l("Closed"),
    ThreadStatus.cancelled: _l("Cancelled"),
}

# The discussions table as this module sees it: forum.discussions.models imports this module, not the reverse.
_discussions = table("discussions", column("id"), column("cancelled_at"))


class Thread(db.Model):
    __tablename__ = "threads"
    # Serves a room page's order (pinned first, then latest activity) without sorting the whole room.
    __table_args__ = (
        Index("ix_threads_room_order", "room_id", "pinned", "last_post_at"),
        # The home page's Latest list: every readable thread by latest activity, read from the newest end.
        Index("ix_threads_last_post_at", "last_post_at"),
        # A room's latest post for the home page (rooms.service.home_overview): one step down this index. With the id,
        # it alone serves that lookup's order (latest activity, then id): PostgreSQL otherwise walked the Latest
        # list's index, which also serves latest activity, until a thread of the room turned up.
        Index("ix_threads_room_last_post", "room_id", "last_post_at", "id"),
        # The threads still to open, which the home page's room figures leave out for most readers.
        Index("ix_threads_opens_at", "opens_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("rooms.id"))
    title: Mapped[str] = mapped_column(String(200))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[ThreadKind] = mapped_column(enum_column(ThreadKind, 16), default=ThreadKind.member)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    # Time-limited threads: the status is derived from these and "now".
    opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Closed by a moderator whatever the times say; reopening clears only this.
    locked: Mapped[bool] = mapped_column(default=False)
    pinned: Mapped[bool] = mapped_column(default=False)
    # Denormalised so room and home pages need no per-thread queries.
    post_count: Mapped[int] = mapped_column(default=0)
    last_post_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    last_post_author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Weekly discussions (forum.discussions): the threads of one discussion, one per language, share it.
    discussion_id: Mapped[int | None] = mapped_column(ForeignKey("discussions.id"), index=True)
    # The thread of a cancelled weekly discussion never opens, to anyone (policy.can_read_thread).
    # Loaded with the thread itself (a correlated EXISTS), so asking costs no query.
    in_cancelled_discussion: Mapped[bool] = column_property(
        exists()
        .where(_discussions.c.id == discussion_id, _discussions.c.cancelled_at.is_not(None))
        .correlate_except(_discussions)
    )

    room: Mapped[Room] = relationship(lazy="joined")
    author: Mapped[User] = relationship(foreign_keys=[author_id])
    last_post_author: Mapped[User | None] = relationship(foreign_keys=[last_post_author_id])

    def status_at(self, moment):
        return thread_status(self.opens_at, self.closes_at, self.locked, moment)

    @property
    def status(self):
        return self.status_at(clock.now())

    @property
    def reply_count(self):
        return max(self.post_count - 1, 0)


def thread_status(opens_at, closes_at, locked, moment):
    """A thread's status at `moment` from its times and lock (`Thread.status_at`, and lists that read rows)."""
    # Scheduled comes first: a thread prepared in advance stays unreadable to members until it opens,
    # even if it was also locked meanwhile.
    if opens_at is not None and moment < opens_at:
        return ThreadStatus.scheduled
    if locked or (closes_at is not None and moment >= closes_at):
        return ThreadStatus.closed
    return ThreadStatus.open


class PostState(StateEnum):
    visible = "visible"
    hidden = "hidden"
    held = "held"
    removed = "removed"


class Post(db.Model):
    __tablename__ = "posts"
    __table_args__ = (
        UniqueConstraint("thread_id", "number"),
        # One post per form submission: a resent form finds its post again.
        UniqueConstraint("author_id", "submission_key"),
        # The moderators' header count of held posts, on every page they open: held posts are few among many.
        Index("ix_posts_state", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id"))
    # Position in the thread, 1-based; pages and read markers count in it.
    number: Mapped[int]
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    reply_to_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id"))
    source: Mapped[str] = mapped_column(Text)
    # Rendered once when written (forum.content), not on each view; `source` is kept for edits and quotes.
    html: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    state: Mapped[PostState] = mapped_column(enum_column(PostState, 16), default=PostState.visible)
    # Why a moderator hid or removed the post, and the clause of the usage protocol it cites.
    state_reason: Mapped[str | None] = mapped_column(Text)
    state_clause: Mapped[str | None] = mapped_column(String(20))
    submission_key: Mapped[str | None] = mapped_column(String(64))
    # Set when the text was erased at its author's request (forum.erasure): the row stays as a
    # tombstone, so numbering and replies still make sense, but its text and revisions are gone.
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    thread: Mapped[Thread] = relationship()
    author: Mapped[User] = relationship(lazy="joined")
    reply_to: Mapped["Post | None"] = relationship(remote_side=[id])

    @property
    def is_visible(self):
        return self.state == PostState.visible

    @property
    def is_erased(self):
        """The text is gone for good (forum.erasure): exports and pages skip it."""
        return self.erased_at is not None


class PostRevision(db.Model):
    """The text a post had before an edit."""

    __tablename__ = "post_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    source: Mapped[str] = mapped_column(Text)
    html: Mapped[str] = mapped_column(Text)
    editor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    editor: Mapped[User] = relationship(lazy="joined")


class ReadMarker(db.Model):
    """How far a user has read a thread, as the number of the last post seen."""

    __tablename__ = "read_markers"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"), primary_key=True)
    # A post number, not a time: posts are numbered in order, so unread is post_count minus this.
    last_read_number: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class Watch(db.Model):
    __tablename__ = "watches"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE"), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
