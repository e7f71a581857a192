"""The one thing the statistics store about reading: the UTC days on which an account was active."""

from datetime import date

from sqlalchemy import Date, ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column

from forum.extensions import db
from forum.threads.models import Post


class ActivityDay(db.Model):
    """An account was active (read or wrote) on this UTC day; at most one row per account and day."""

    __tablename__ = "activity_days"
    # The day first: the statistics ask "who was active between these days", retention removes by day.
    __table_args__ = (Index("ix_activity_days_day_user", "day", "user_id"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)


# The statistics count posts by when they were written: this index covers those queries (date range,
# state, thread and author), so the page reads the index, not the posts' text. Declared here, with the
# feature that needs it, rather than on the shared Post model.
Index("ix_posts_created_state", Post.created_at, Post.state, Post.thread_id, Post.author_id)
