"""Topic proposals and endorsements (CDIP/30/8 Rev.: members propose, the Secretariat settles the list).

A proposal moves submitted → under consideration → accepted → scheduled (it
became a weekly discussion), or is declined with a reason the proposer sees.
Endorsements are counted by regional group, so the Secretariat can see which
regions a topic serves.
"""

from datetime import datetime
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum import clock
from forum.accounts.models import User
from forum.dbtypes import StateEnum, UTCDateTime, enum_column
from forum.extensions import db
from forum.members.models import MemberState, RegionalGroup
from forum.rooms.models import Category

if TYPE_CHECKING:
    from forum.discussions.models import Discussion


class ProposalStatus(StateEnum):
    submitted = "submitted"
    under_consideration = "under_consideration"
    accepted = "accepted"
    declined = "declined"
    scheduled = "scheduled"

    @property
    def label(self):
        return str(PROPOSAL_STATUS_LABELS[self])


PROPOSAL_STATUS_LABELS = {
    ProposalStatus.submitted: _l("Submitted"),
    ProposalStatus.under_consideration: _l("Under consideration"),
    ProposalStatus.accepted: _l("Accepted"),
    ProposalStatus.declined: _l("Declined"),
    ProposalStatus.scheduled: _l("Scheduled"),
}


# Proposals members may still endorse, and the topics page lists as "being considered".
PENDING_STATUSES = (ProposalStatus.submitted, ProposalStatus.under_consideration)
# The states each decision may start from (services claim the move, policy shows the buttons).
CONSIDERABLE_STATUSES = (ProposalStatus.submitted,)
ACCEPTABLE_STATUSES = PENDING_STATUSES
DECLINABLE_STATUSES = (*PENDING_STATUSES, ProposalStatus.accepted)


class TopicProposal(db.Model):
    __tablename__ = "topic_proposals"
    __table_args__ = (Index("ix_topic_proposals_status_created", "status", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    proposer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    # The proposer's member state when proposing (None for Secretariat staff).
    member_state_id: Mapped[int | None] = mapped_column(ForeignKey("member_states.id"))
    # Set when a regional group coordinator proposes on behalf of the group.
    on_behalf_of_group_id: Mapped[int | None] = mapped_column(ForeignKey("regional_groups.id"))
    title: Mapped[str] = mapped_column(String(200))
    description_source: Mapped[str] = mapped_column(Text)
    description_html: Mapped[str] = mapped_column(Text)
    aims_source: Mapped[str] = mapped_column(Text, default="")
    aims_html: Mapped[str] = mapped_column(Text, default="")
    audience: Mapped[str] = mapped_column(String(300), default="")
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"))
    # Content language codes, in the order of the languages' positions.
    preferred_languages: Mapped[list] = mapped_column(JSON, default=list)
    status: Mapped[ProposalStatus] = mapped_column(enum_column(ProposalStatus, 24), default=ProposalStatus.submitted)
    # A moderator's remark shown with the proposal (e.g. why it is being considered).
    moderator_note: Mapped[str | None] = mapped_column(Text)
    # Shown to the proposer (and moderators) only.
    decline_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    proposer: Mapped[User] = relationship(foreign_keys=[proposer_id], lazy="joined")
    member_state: Mapped[MemberState | None] = relationship(lazy="joined")
    on_behalf_of_group: Mapped[RegionalGroup | None] = relationship(lazy="joined")
    category: Mapped[Category] = relationship()
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    discussion: Mapped["Discussion | None"] = relationship(back_populates="proposal", uselist=False)

    @property
    def is_pending(self):
        return self.status in PENDING_STATUSES

    def __repr__(self):
        return f"<TopicProposal {self.id} {self.status.value}>"


class Endorsement(db.Model):
    """One member's support for a proposal; counted by regional group."""

    __tablename__ = "topic_endorsements"
    __table_args__ = (UniqueConstraint("proposal_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("topic_proposals.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # The endorser's regional group when endorsing (None for the Secretariat),
    # kept so counts by group need no join through accounts and states.
    group_id: Mapped[int | None] = mapped_column(ForeignKey("regional_groups.id"))
    # A coordinator endorsing for their whole group.
    on_behalf_of_group: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    user: Mapped[User] = relationship(lazy="joined")
