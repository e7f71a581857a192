"""Accounts, roles and one-time tokens."""

import secrets
from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import ForeignKey, String
from sqlalchemy import false as sa_false
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum import clock
from forum.dbtypes import StateEnum, UTCDateTime, enum_column
from forum.extensions import db
from forum.members.models import MemberState
from forum.rooms.models import Language, language_moderators


class Role(StateEnum):
    delegate = "delegate"
    staff = "staff"
    language_moderator = "language_moderator"
    moderator = "moderator"
    admin = "admin"
    guest = "guest"

    @property
    def label(self):
        return str(ROLE_LABELS[self])

    @property
    def moderates(self):
        """Moderators of every kind: posts by them carry the Moderator badge."""
        return self in (Role.moderator, Role.admin, Role.language_moderator)


ROLE_LABELS = {
    Role.delegate: _l("Delegate"),
    Role.staff: _l("Secretariat expert"),
    Role.language_moderator: _l("Language moderator"),
    Role.moderator: _l("Moderator"),
    Role.admin: _l("Administrator"),
    Role.guest: _l("Guest"),
}


def new_session_secret():
    """16 random bytes as hex: what a session cookie must name besides the user id."""
    return secrets.token_hex(16)


class User(UserMixin, db.Model):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    # Always stored lower-cased (accounts.service.normalise_email), so a plain
    # unique index makes addresses unique case-insensitively, on every database.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    # Read through `display_name`, which names an erased account by its member state instead.
    stored_display_name: Mapped[str] = mapped_column("display_name", String(120))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(enum_column(Role), default=Role.delegate, index=True)
    member_state_id: Mapped[int | None] = mapped_column(ForeignKey("member_states.id"), index=True)
    is_coordinator: Mapped[bool] = mapped_column(default=False)
    organisation: Mapped[str | None] = mapped_column(String(200))
    locale: Mapped[str | None] = mapped_column(String(12))
    timezone: Mapped[str | None] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(default=True)
    suspended_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Part of the session cookie's user id; replaced by a new random value on
    # logout, password change and deactivation, so old cookies stop working and
    # none can be forged by counting (see `new_session_secret`).
    session_secret: Mapped[str] = mapped_column(String(32), default=lambda: new_session_secret(), server_default="")
    # A confirmed second factor exists (forum.twofactor keeps this in step): the
    # per-request gate reads it without a query.
    second_factor_enabled: Mapped[bool] = mapped_column(default=False, server_default=sa_false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    activated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The personal data were erased at the member's request (forum.erasure); the row stays so
    # that posts keep an author, shown as "Former delegate of <member state>".
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    member_state: Mapped[MemberState | None] = relationship(lazy="joined")
    # Loaded on first use: only the signed-in user's languages are ever asked for.
    moderated_languages: Mapped[list[Language]] = relationship(secondary=language_moderators)

    # Not a column: a rehashed password the login page writes once it holds the
    # write lock (see accounts.service.authenticate).
    pending_password_hash = None

    @hybrid_property
    def display_name(self):
        """The name shown everywhere; for an erased account, "Former delegate of …" in the reader's language."""
        if self.erased_at is not None:
            from forum.erasure.names import former_member_name

            return former_member_name(self)
        return self.stored_display_name

    @display_name.inplace.setter
    def _display_name_setter(self, value):
        self.stored_display_name = value

    @display_name.inplace.expression
    @classmethod
    def _display_name_expression(cls):
        return cls.stored_display_name

    @property
    def is_erased(self):
        return self.erased_at is not None

    def get_id(self):
        return f"{self.id}:{self.session_secret}"

    def end_sessions(self):
        """Every session cookie issued so far stops working."""
        self.session_secret = new_session_secret()

    @property
    def is_active(self):
        return self.active

    @property
    def is_activated(self):
        return self.password_hash is not None

    @property
    def is_suspended(self):
        return self.suspended_until is not None and self.suspended_until > clock.now()

    @property
    def moderated_language_codes(self):
        return {language.code for language in self.moderated_languages}

    def __repr__(self):
        return f"<User {self.email} {self.role.value}>"


class TokenPurpose(StateEnum):
    activation = "activation"
    reset = "reset"


class AccountToken(db.Model):
    """A one-time link: only the SHA-256 of the token is stored."""

    __tablename__ = "account_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[TokenPurpose] = mapped_column(enum_column(TokenPurpose, 16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()
