"""A request to invite an external stakeholder into one weekly discussion, and the invitation it becomes.

One row follows the whole life of a request: a member asks (requested), a
chief moderator assesses it against the usage protocol (recommended or
rejected), an administrator decides (approved, then sent with a one-time
link), the guest accepts (accepted); access then ends by time (expired) or by
a moderator's act (revoked). Every change is also an audit event on this row.
"""

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, Index, String, Text, or_, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum import clock
from forum.accounts.models import User
from forum.dbtypes import StateEnum, UTCDateTime, enum_column
from forum.discussions.models import Discussion
from forum.extensions import db


class OrganisationKind(StateEnum):
    intergovernmental = "intergovernmental"
    non_governmental = "non_governmental"
    academic = "academic"
    private_sector = "private_sector"
    other = "other"

    @property
    def label(self):
        return str(ORGANISATION_KIND_LABELS[self])


ORGANISATION_KIND_LABELS = {
    OrganisationKind.intergovernmental: _l("Intergovernmental organisation"),
    OrganisationKind.non_governmental: _l("Non-governmental organisation"),
    OrganisationKind.academic: _l("Academic institution"),
    OrganisationKind.private_sector: _l("Private sector"),
    OrganisationKind.other: _l("Other"),
}


class InvitationStatus(StateEnum):
    requested = "requested"
    recommended = "recommended"
    rejected = "rejected"
    approved = "approved"
    sent = "sent"
    accepted = "accepted"
    expired = "expired"
    revoked = "revoked"

    @property
    def label(self):
        return str(STATUS_LABELS[self])


STATUS_LABELS = {
    InvitationStatus.requested: _l("Awaiting assessment"),
    InvitationStatus.recommended: _l("Recommended, awaiting approval"),
    InvitationStatus.rejected: _l("Rejected"),
    InvitationStatus.approved: _l("Approved"),
    InvitationStatus.sent: _l("Invitation sent"),
    InvitationStatus.accepted: _l("Accepted"),
    InvitationStatus.expired: _l("Expired"),
    InvitationStatus.revoked: _l("Revoked"),
}

# Still on its way: a second request for the same person and discussion is refused.
PENDING_STATUSES = (
    InvitationStatus.requested,
    InvitationStatus.recommended,
    InvitationStatus.approved,
    InvitationStatus.sent,
)


class GuestInvitation(db.Model):
    __tablename__ = "guest_invitations"
    __table_args__ = (
        # The requests page lists by state, newest first; the duplicate check and
        # the approval page look requests up by e-mail.
        Index("ix_guest_invitations_status_requested", "status", "requested_at"),
        Index("ix_guest_invitations_email_discussion", "email", "discussion_id"),
        # The per-request access check of a signed-in guest.
        Index("ix_guest_invitations_guest_status", "guest_user_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    discussion_id: Mapped[int] = mapped_column(ForeignKey("discussions.id"), index=True)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    guest_name: Mapped[str] = mapped_column(String(120))
    # Lower-cased like User.email, so the same person is found whatever the case.
    email: Mapped[str] = mapped_column(String(254))
    organisation: Mapped[str] = mapped_column(String(200))
    organisation_kind: Mapped[OrganisationKind] = mapped_column(enum_column(OrganisationKind, 24))
    justification: Mapped[str] = mapped_column(Text)
    # Content language codes of the discussion the guest may use; empty: all of them.
    languages: Mapped[list] = mapped_column(JSON, default=list)
    # Optional end of access before the discussion closes.
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    status: Mapped[InvitationStatus] = mapped_column(
        enum_column(InvitationStatus, 16), default=InvitationStatus.requested
    )

    assessment_clause: Mapped[str | None] = mapped_column(String(20))
    assessment_reason: Mapped[str | None] = mapped_column(Text)
    assessed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    assessed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    decision_reason: Mapped[str | None] = mapped_column(Text)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    # Only the SHA-256 of the one-time link is kept; cleared once used or revoked.
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    token_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    guest_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoke_reason: Mapped[str | None] = mapped_column(Text)
    expired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    discussion: Mapped[Discussion] = relationship()
    requested_by: Mapped[User] = relationship(foreign_keys=[requested_by_id], lazy="joined")
    assessed_by: Mapped[User | None] = relationship(foreign_keys=[assessed_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    revoked_by: Mapped[User | None] = relationship(foreign_keys=[revoked_by_id])
    guest_user: Mapped[User | None] = relationship(foreign_keys=[guest_user_id])

    def access_ended_at(self, moment):
        """True if an accepted invitation no longer gives access at `moment` (end date or discussion closed)."""
        if self.ends_at is not None and self.ends_at <= moment:
            return True
        closes_at = self.discussion.closes_at
        return closes_at is not None and closes_at <= moment

    def effective_status(self, moment=None):
        """The status as it stands at `moment`: time-driven expiry shows before `tick` records it."""
        moment = moment or clock.now()
        if self.status == InvitationStatus.sent and (
            (self.token_expires_at is not None and self.token_expires_at <= moment) or self.access_ended_at(moment)
        ):
            return InvitationStatus.expired
        if self.status == InvitationStatus.accepted and self.access_ended_at(moment):
            return InvitationStatus.expired
        return self.status

    def resendable(self, moment=None):
        """A new link may be sent: sent or expired before acceptance, and the access it gives has not ended."""
        moment = moment or clock.now()
        return (
            self.accepted_at is None
            and self.status in (InvitationStatus.sent, InvitationStatus.expired)
            and not self.access_ended_at(moment)
        )

    @property
    def was_recommended(self):
        """The moderator's assessment was a recommendation (an administrator may still have rejected it)."""
        return self.assessed_at is not None and (
            self.status != InvitationStatus.rejected or self.decided_at is not None
        )

    def __repr__(self):
        return f"<GuestInvitation {self.id} {self.email} {self.status.value}>"


# What each audit event of a request is called on its page.
EVENT_LABELS = {
    "guest.request": _l("Requested"),
    "guest.recommend": _l("Recommended by the moderator"),
    "guest.reject": _l("Rejected"),
    "guest.approve": _l("Approved by an administrator"),
    "guest.send": _l("Invitation sent"),
    "guest.accept": _l("Accepted by the guest"),
    "guest.expire": _l("Expired"),
    "guest.revoke": _l("Revoked"),
}


def event_label(action):
    label = EVENT_LABELS.get(action)
    return str(label) if label is not None else action


def running_guest_access(user_id, now):
    """{discussion id: frozenset of language codes, empty meaning all} of a guest's running invitations; one query.

    An invitation runs while it is accepted, before its end date and while its
    discussion has not closed. It lives beside the model so that
    `forum.policy` can ask it without importing a service.
    """
    rows = db.session.execute(
        select(GuestInvitation.discussion_id, GuestInvitation.languages)
        .join(Discussion, Discussion.id == GuestInvitation.discussion_id)
        .where(
            GuestInvitation.guest_user_id == user_id,
            GuestInvitation.status == InvitationStatus.accepted,
            or_(GuestInvitation.ends_at.is_(None), GuestInvitation.ends_at > now),
            or_(Discussion.closes_at.is_(None), Discussion.closes_at > now),
        )
    ).all()
    access = {}
    for discussion_id, languages in rows:
        codes = frozenset(languages or ())
        known = access.get(discussion_id)
        # Two invitations to one discussion add up; an empty set (all languages) wins.
        access[discussion_id] = frozenset() if (not codes or known == frozenset()) else codes | (known or frozenset())
    return access
