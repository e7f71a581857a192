"""Member states and the organisation's regional groups."""

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

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
    # ISO 3166-1 alpha-3; names come from pycountry in the reader's language.
    code: Mapped[str] = mapped_column(String(3), unique=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("regional_groups.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)

    group: Mapped[RegionalGroup] = relationship(back_populates="states", lazy="joined")

    @property
    def name(self):
        from forum.members.service import state_name

        return state_name(self.code)

    def __repr__(self):
        return f"<MemberState {self.code}>"
