"""Second factors of an account, its recovery codes, and the security events log."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, LargeBinary, String, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum import clock
from forum.dbtypes import UTCDateTime
from forum.extensions import db


class TotpFactor(db.Model):
    """An authenticator app (RFC 6238). Unconfirmed until the user types a first code."""

    __tablename__ = "totp_factors"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    secret: Mapped[str] = mapped_column(String(64))
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The time step of the last code accepted: a code is never accepted twice.
    last_used_step: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    user = relationship("User")


class WebAuthnCredential(db.Model):
    """A security key or passkey (WebAuthn). Only its public key is kept."""

    __tablename__ = "webauthn_credentials"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # The authenticator's credential id, base64url without padding (at most 1023 bytes raw).
    credential_id: Mapped[str] = mapped_column(String(1400), unique=True)
    public_key: Mapped[bytes] = mapped_column(LargeBinary)
    sign_count: Mapped[int] = mapped_column(default=0)
    # How the browser may reach the key ("usb", "nfc", "internal", ...).
    transports: Mapped[list] = mapped_column(JSON, default=list)
    name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user = relationship("User")


class RecoveryCode(db.Model):
    """A single-use recovery code: only the SHA-256 of a high-entropy code is kept."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SecurityEvent(db.Model):
    """One sign-in, lockout, second-factor or session event. Append-only; never holds a secret.

    Kept SECURITY_EVENT_RETENTION_DAYS, then removed by `tick` (forum.retention).
    """

    __tablename__ = "security_events"
    __table_args__ = (Index("ix_security_events_kind_at", "kind", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now, index=True)
    kind: Mapped[str] = mapped_column(String(40))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    # The address typed at sign-in (lower-cased), kept also when no account has it.
    email: Mapped[str] = mapped_column(String(254), default="", server_default="")
    ip: Mapped[str] = mapped_column(String(64), default="", server_default="")
    details: Mapped[dict] = mapped_column(JSON, default=dict)

    user = relationship("User", lazy="joined")


class SecurityLogIsAppendOnly(Exception):
    pass


@event.listens_for(SecurityEvent, "before_update")
@event.listens_for(SecurityEvent, "before_delete")
def _refuse_change(mapper, connection, target):
    raise SecurityLogIsAppendOnly("security events are never changed or deleted")
