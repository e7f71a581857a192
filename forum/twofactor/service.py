"""Second factors: TOTP enrolment and checks, recovery codes, resets, and the security events log.

Acts raise `forum.errors.NotAllowed`/`Invalid` and leave committing to the
caller (views use `forum.web.run_act`). Nothing here stores or logs a secret
in clear except the TOTP seed, which the authenticator app needs too.
"""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import pyotp
import segno
from flask import current_app, has_request_context, request
from flask_babel import gettext as _
from sqlalchemy import delete, select

from forum import audit, clock, policy
from forum.errors import Invalid, NotAllowed
from forum.extensions import db
from forum.twofactor.models import RecoveryCode, SecurityEvent, TotpFactor, WebAuthnCredential

TOTP_PERIOD = 30
TOTP_DIGITS = 6
# Codes of the time step before and after are accepted: phones' clocks drift.
TOTP_DRIFT_STEPS = 1
RECOVERY_CODE_COUNT = 10
PENDING_LOGIN_MINUTES = 5

# What the security events log records (the label of each is in forum.moderation.labels).
EVENT_KINDS = (
    "login.success",
    "login.failure",
    "login.lockout",
    "twofactor.success",
    "twofactor.failure",
    "twofactor.enrol",
    "twofactor.remove",
    "twofactor.key_remove",
    "twofactor.key_clone",
    "twofactor.reset",
    "twofactor.recovery_used",
    "twofactor.recovery_regenerate",
    "password.change",
    "session.logout",
)


# Security events ---------------------------------------------------------------


def record_event(kind, user=None, *, email=None, **details):
    """Add one security event to the session (the caller commits). Never pass a secret in `details`."""
    ip = (request.remote_addr or "") if has_request_context() else ""
    event_ = SecurityEvent(
        kind=kind,
        user_id=getattr(user, "id", None),
        email=(email if email is not None else getattr(user, "email", "") or "")[:254].lower(),
        ip=ip[:64],
        details=details,
        at=clock.now(),
    )
    db.session.add(event_)
    return event_


# TOTP ------------------------------------------------------------------------------


def totp_factor(user, *, confirmed=True):
    query = select(TotpFactor).where(TotpFactor.user_id == user.id)
    factor = db.session.scalar(query)
    if factor is not None and confirmed and factor.confirmed_at is None:
        return None
    return factor


def has_second_factor(user):
    if totp_factor(user) is not None:
        return True
    return db.session.scalar(select(WebAuthnCredential.id).where(WebAuthnCredential.user_id == user.id)) is not None


def start_totp(user):
    """A new secret for `user` to scan; it counts only once confirmed with a code."""
    if not policy.can_enrol_second_factor(user):
        raise NotAllowed()
    factor = totp_factor(user, confirmed=False)
    if factor is not None and factor.confirmed_at is not None:
        raise Invalid(_("You already use an authenticator app. Remove it first to set up another."))
    if factor is None:
        factor = TotpFactor(user_id=user.id, secret=pyotp.random_base32(), created_at=clock.now())
        db.session.add(factor)
        db.session.flush()
    return factor


def enrol_demo_factor(user, secret):
    """Demo data only: `user` uses an authenticator app with the published demo key."""
    db.session.add(TotpFactor(user_id=user.id, secret=secret, confirmed_at=clock.now(), created_at=clock.now()))
    user.second_factor_enabled = True
    db.session.flush()


def current_demo_code(user):
    """The code a demo account's authenticator shows now, or None if it has no confirmed factor."""
    factor = totp_factor(user)
    if factor is None:
        return None
    return pyotp.TOTP(factor.secret, digits=TOTP_DIGITS, interval=TOTP_PERIOD).at(clock.now())


def provisioning_uri(user, factor):
    issuer = current_app.config.get("TWO_FACTOR_ISSUER", "CDIP forum")
    return pyotp.TOTP(factor.secret, digits=TOTP_DIGITS, interval=TOTP_PERIOD).provisioning_uri(
        name=user.email, issuer_name=issuer
    )


def qr_svg(user, factor):
    """The provisioning address as an SVG QR code, drawn here (no outside service)."""
    import io

    buffer = io.BytesIO()
    segno.make(provisioning_uri(user, factor), error="m").save(
        buffer, kind="svg", scale=5, border=2, xmldecl=False, svgclass="qr-code"
    )
    return buffer.getvalue()


def _clean_code(code):
    return "".join((code or "").split()).replace("-", "").lower()[:64]


def _matching_step(factor, code):
    """The time step whose code is `code`, if it was not used before; else None."""
    code = _clean_code(code)
    if len(code) != TOTP_DIGITS or not code.isdigit():
        return None
    totp = pyotp.TOTP(factor.secret, digits=TOTP_DIGITS, interval=TOTP_PERIOD)
    current = int(clock.now().timestamp()) // TOTP_PERIOD
    for step in range(current - TOTP_DRIFT_STEPS, current + TOTP_DRIFT_STEPS + 1):
        if factor.last_used_step is not None and step <= factor.last_used_step:
            continue
        if hmac.compare_digest(totp.at(step * TOTP_PERIOD), code):
            return step
    return None


def confirm_totp(user, code):
    """Finish enrolment with a first code; returns the ten recovery codes (shown once)."""
    factor = totp_factor(user, confirmed=False)
    if factor is None or factor.confirmed_at is not None:
        raise Invalid(_("Start the set-up again: no authenticator app is waiting for confirmation."))
    step = _matching_step(factor, code)
    if step is None:
        raise Invalid(_("This code is not correct. Check the time on your phone and try the newest code."))
    factor.confirmed_at = clock.now()
    factor.last_used_step = step
    user.second_factor_enabled = True
    codes = new_recovery_codes(user)
    _end_other_sessions(user)
    audit.record(user, "twofactor.enrol", user, method="totp")
    record_event("twofactor.enrol", user, method="totp")
    db.session.flush()
    return codes


# Recovery codes -------------------------------------------------------------------


def _hash_code(code):
    return hashlib.sha256(_clean_code(code).encode()).hexdigest()


def new_recovery_codes(user):
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    now = clock.now()
    for _ignored in range(RECOVERY_CODE_COUNT):
        raw = secrets.token_hex(6)  # 48 random bits
        code = f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"
        codes.append(code)
        db.session.add(RecoveryCode(user_id=user.id, code_hash=_hash_code(code), created_at=now))
    return codes


def remaining_recovery_codes(user):
    return len(
        db.session.scalars(
            select(RecoveryCode.id).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
        ).all()
    )


def regenerate_recovery_codes(user):
    if not user.second_factor_enabled:
        raise Invalid(_("Set up a second factor first."))
    codes = new_recovery_codes(user)
    audit.record(user, "twofactor.recovery_regenerate", user)
    record_event("twofactor.recovery_regenerate", user)
    db.session.flush()
    return codes


# Signing in ------------------------------------------------------------------------


def verify_second_factor(user, code):
    """Check a code typed at sign-in: "totp", "recovery", or None (the failure is audited).

    The caller commits in every case, so failures are kept.
    """
    factor = totp_factor(user)
    if factor is not None:
        step = _matching_step(factor, code)
        if step is not None:
            factor.last_used_step = step
            record_event("twofactor.success", user, method="totp")
            return "totp"
    cleaned = _clean_code(code)
    if len(cleaned) == 12:
        recovery = db.session.scalar(
            select(RecoveryCode).where(
                RecoveryCode.user_id == user.id,
                RecoveryCode.code_hash == _hash_code(cleaned),
                RecoveryCode.used_at.is_(None),
            )
        )
        if recovery is not None:
            recovery.used_at = clock.now()
            db.session.flush()
            left = remaining_recovery_codes(user)
            audit.record(user, "twofactor.recovery_used", user, remaining=left)
            record_event("twofactor.recovery_used", user, remaining=left)
            return "recovery"
    audit.record(user, "twofactor.failure", user)
    record_event("twofactor.failure", user)
    return None


def pending_login_expired(started_at):
    return clock.now().timestamp() - started_at > PENDING_LOGIN_MINUTES * 60


# Removing ------------------------------------------------------------------------


def drop_factors(user):
    db.session.execute(delete(TotpFactor).where(TotpFactor.user_id == user.id))
    db.session.execute(delete(WebAuthnCredential).where(WebAuthnCredential.user_id == user.id))
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    user.second_factor_enabled = False


def _end_other_sessions(user):
    """Copies of the session cookie stop working; the view re-signs the current session."""
    user.end_sessions()


def remove_own_factor(user):
    if not user.second_factor_enabled:
        raise Invalid(_("You have no second factor to remove."))
    drop_factors(user)
    _end_other_sessions(user)
    audit.record(user, "twofactor.remove", user)
    record_event("twofactor.remove", user)
    db.session.flush()


def reset_factor(target, *, by, reason):
    """An administrator removes a user's second factor (a lost phone); the user's sessions end."""
    if not policy.can_reset_second_factor(by, target):
        raise NotAllowed()
    reason = (reason or "").strip()
    if not reason:
        raise Invalid(_("Give a reason for the reset."))
    if not target.second_factor_enabled and totp_factor(target, confirmed=False) is None:
        raise Invalid(_("This account has no second factor."))
    drop_factors(target)
    target.end_sessions()
    audit.record(by, "twofactor.reset", target, reason=reason[:2000])
    record_event("twofactor.reset", target, by=by.email)
    db.session.flush()


def pending_lifetime():
    return timedelta(minutes=PENDING_LOGIN_MINUTES)


# Reading the security events -------------------------------------------------------


@dataclass(frozen=True)
class EventFilters:
    """What the security events page is filtered by: a kind, an e-mail address, a day (UTC)."""

    kind: str = ""
    email: str = ""
    day: date | None = None

    @classmethod
    def from_args(cls, args):
        """From a query string: unknown kinds and unreadable dates filter nothing out."""
        kind = args.get("kind", "")
        try:
            day = datetime.strptime(args.get("date") or "", "%Y-%m-%d").date()
        except ValueError:
            day = None
        return cls(
            kind=kind if kind in EVENT_KINDS else "",
            email=(args.get("email") or "").strip().lower()[:254],
            day=day,
        )

    def as_args(self):
        return {"kind": self.kind, "email": self.email, "date": self.day.isoformat() if self.day else ""}

    def query(self):
        query = select(SecurityEvent)
        if self.kind:
            query = query.where(SecurityEvent.kind == self.kind)
        if self.email:
            query = query.where(SecurityEvent.email == self.email)
        if self.day is not None:
            start = datetime.combine(self.day, time(0), tzinfo=UTC)
            query = query.where(SecurityEvent.at >= start, SecurityEvent.at < start + timedelta(days=1))
        return query


def security_events_page(filters, *, page, per_page):
    """(total, events) of one page, newest first."""
    pages = db.paginate(
        filters.query().order_by(SecurityEvent.at.desc(), SecurityEvent.id.desc()),
        page=page,
        per_page=per_page,
        error_out=False,
    )
    return pages.total, pages.items


# An export is for a report, not a backup: past this many rows, narrow the filters.
EXPORT_LIMIT = 100_000


def security_events_for_export(filters):
    """The filtered events, oldest first, for the CSV export."""
    return db.session.scalars(filters.query().order_by(SecurityEvent.at, SecurityEvent.id).limit(EXPORT_LIMIT))
