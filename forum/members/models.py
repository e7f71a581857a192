"""Member states and the organisation's regional groups."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum import clock
from forum.dbtypes import UTCDateTime
from forum.extensions import db


class RegionalGroup(db.Model):
    __tablename__ = "regional_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    position: Mapped[int] = mapped_column(default=0)

    states: Mapped[list["MemberState"]] = relationship(back_populates="group")

    @property
    def name(self):
        from forum.members.service import group_name

        return group_name(self.code)


class MemberState(db.Model):
    __tablename__ = "member_states"

    id: Mapped[int] = mapped_column(primary_key=True)
    # ISO 3166-1 alpha-3; names are the UN's official short names (forum/data/un-member-state-names.json).
    code: Mapped[str] = mapped_column(String(3), unique=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("regional_groups.id"), index=True)
    # An inactive state is offered to no new account; accounts that have it keep it.
    active: Mapped[bool] = mapped_column(default=True)
    # An administrator's names, by interface language ({"en": "…"}), shown instead of the UN's.
    # Loaded with the state (no query per name shown), unlike a table of its own.
    names: Mapped[dict] = mapped_column(JSON, default=dict, server_default="{}")

    group: Mapped[RegionalGroup] = relationship(back_populates="states", lazy="joined")

    @property
    def name(self):
        from forum.members.service import state_name

        return state_name(self.code, overrides=self.names)

    def name_in(self, locale):
        from forum.members.service import state_name

        return state_name(self.code, locale, overrides=self.names)

    def __repr__(self):
        return f"<MemberState {self.code}>"


class DirectoryListing(db.Model):
    """A delegate who chose to appear in the directory of delegations (absent: not listed)."""

    __tablename__ = "directory_listings"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    listed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
