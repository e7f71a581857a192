"""A user's private calendar feed: the address a calendar app subscribes to."""

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum import clock
from forum.accounts.models import User
from forum.dbtypes import UTCDateTime
from forum.extensions import db


class CalendarFeed(db.Model):
    """One feed per user at most; its address holds a secret token, of which only the hash is kept.

    A calendar app cannot sign in, so whoever has the address reads the feed:
    the user can replace it (the old address stops working) or revoke it.
    """

    __tablename__ = "calendar_feeds"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Unique: creating a new link replaces the old one, and two requests at once cannot leave two.
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    # SHA-256 of the token (forum.tokens): a copy of the database gives no working address.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    user: Mapped[User] = relationship(lazy="joined")
