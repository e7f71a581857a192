"""What the statistics store: the UTC days on which an account was active, and weekly counts of posts.

The weekly counts (`stats_room_weeks`, `stats_state_weeks`) are a rollup that forum.stats.rollup builds
for whole weeks before the current one; a week counts from it only while its `stats_rolled_weeks` row
exists, and every change to what it counted deletes that row, so the page counts the week from the posts
again until the next tick rebuilds it.
"""

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from forum.dbtypes import UTCDateTime
from forum.extensions import db
from forum.threads.models import Post, PostState

# The post states that count as taking part: visible posts, and posts erased at their author's request
# (forum.erasure keeps the count, not the text). Hidden and held posts count under moderation only.
PARTICIPATION = (PostState.visible, PostState.removed)


class ActivityDay(db.Model):
    """An account was active (read or wrote) on this UTC day; at most one row per account and day."""

    __tablename__ = "activity_days"
    # The day first: the statistics ask "who was active between these days", retention removes by day.
    __table_args__ = (Index("ix_activity_days_day_user", "day", "user_id"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)


class RolledWeek(db.Model):
    """A week (Monday to Sunday in `zone`) whose posts the rollup tables count exactly as they are now."""

    __tablename__ = "stats_rolled_weeks"

    week: Mapped[date] = mapped_column(Date, primary_key=True)
    # The forum's time zone when counted: weeks counted in another zone are not the same weeks.
    zone: Mapped[str] = mapped_column(String(64))
    rolled_at: Mapped[datetime] = mapped_column(UTCDateTime)


class RoomWeek(db.Model):
    """Posts written in a room in a week: participation (visible or erased), threads started, hidden, held."""

    __tablename__ = "stats_room_weeks"

    week: Mapped[date] = mapped_column(Date, primary_key=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("rooms.id", ondelete="CASCADE"), primary_key=True)
    posts: Mapped[int]
    threads: Mapped[int]
    hidden: Mapped[int]
    held: Mapped[int]


class StateWeek(db.Model):
    """Posts (visible or erased) written in a week by the delegates of a member state."""

    __tablename__ = "stats_state_weeks"

    week: Mapped[date] = mapped_column(Date, primary_key=True)
    member_state_id: Mapped[int] = mapped_column(ForeignKey("member_states.id", ondelete="CASCADE"), primary_key=True)
    posts: Mapped[int]


# The statistics count posts by when they were written: this index covers those queries (date range,
# state, thread and author), so the page reads the index, not the posts' text. Declared here, with the
# feature that needs it, rather than on the shared Post model.
Index("ix_posts_created_state", Post.created_at, Post.state, Post.thread_id, Post.author_id)
# "Did this account write in the period?" is asked per account (active and posting accounts): one seek here.
Index("ix_posts_author_created", Post.author_id, Post.created_at, Post.state)
