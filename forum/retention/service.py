"""Retention periods, read from the configuration by both the /retention page and `flask forum tick`.

Each period that expires has a removal step here, called from forum.periodic;
the page reads the same figures (`periods()`), so what it promises is what the
forum does. Removals are bulk DELETEs, safe to run again and in two processes
at once.
"""

from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, exists, func, or_, select

from forum.extensions import db

# The statistics' daily activity rows are another feature's table (and removal step); the default
# stands here too so the page shows the right figure before that feature is configured.
ACTIVITY_RETENTION_DEFAULT = 1096
BACKUP_RETENTION_DEFAULT = 30


@dataclass(frozen=True)
class Periods:
    """Days each kind of record is kept (see config.py)."""

    tokens: int
    security_events: int
    outbox: int
    activity: int
    backups: int
    guest_accounts: int


def periods():
    """The retention periods in force, in days."""
    config = current_app.config
    return Periods(
        tokens=config["TOKEN_RETENTION_DAYS"],
        security_events=config["SECURITY_EVENT_RETENTION_DAYS"],
        outbox=config["OUTBOX_RETENTION_DAYS"],
        activity=config.get("ACTIVITY_RETENTION_DAYS", ACTIVITY_RETENTION_DEFAULT),
        backups=config.get("BACKUP_RETENTION_DAYS", BACKUP_RETENTION_DEFAULT),
        guest_accounts=config["GUEST_ACCOUNT_DAYS"],
    )


def remove_old_tokens(now):
    """One-time links expired or used more than TOKEN_RETENTION_DAYS ago are removed; returns how many."""
    from forum.accounts.models import AccountToken

    cutoff = now - timedelta(days=periods().tokens)
    return db.session.execute(
        delete(AccountToken).where(or_(AccountToken.expires_at < cutoff, AccountToken.used_at < cutoff))
    ).rowcount


def remove_old_security_events(now):
    """Security events older than SECURITY_EVENT_RETENTION_DAYS are removed; returns how many.

    The log is append-only for the application (the ORM refuses to change or
    delete one event); only this bulk removal of expired events touches it.
    """
    from forum.twofactor.models import SecurityEvent

    cutoff = now - timedelta(days=periods().security_events)
    return db.session.execute(delete(SecurityEvent).where(SecurityEvent.at < cutoff)).rowcount


def remove_old_emails(now):
    """Sent and failed e-mails queued more than OUTBOX_RETENTION_DAYS ago are removed; returns how many.

    Messages still waiting to go out are kept whatever their age.
    """
    from forum.notifications.models import EmailStatus, OutgoingEmail

    cutoff = now - timedelta(days=periods().outbox)
    return db.session.execute(
        delete(OutgoingEmail).where(
            OutgoingEmail.status.in_((EmailStatus.sent, EmailStatus.failed)),
            OutgoingEmail.created_at < cutoff,
        )
    ).rowcount


def deactivate_ended_guests(now):
    """Guest accounts whose last invitation ended more than GUEST_ACCOUNT_DAYS ago are deactivated; returns them.

    An invitation has ended when it is expired or revoked (`expire_due` records the
    expiry); a guest with any invitation still sent or accepted keeps the account.
    The days between give the guest time to download their data.
    """
    from forum import audit
    from forum.accounts.models import Role, User
    from forum.guests.models import GuestInvitation, InvitationStatus

    cutoff = now - timedelta(days=periods().guest_accounts)
    ended = (InvitationStatus.expired, InvitationStatus.revoked)
    ended_at = func.coalesce(GuestInvitation.expired_at, GuestInvitation.revoked_at)
    live = select(GuestInvitation.id).where(
        GuestInvitation.guest_user_id == User.id, GuestInvitation.status.not_in(ended)
    )
    last_end = select(func.max(ended_at)).where(GuestInvitation.guest_user_id == User.id).scalar_subquery()
    guests = db.session.scalars(
        select(User).where(User.role == Role.guest, User.active, ~exists(live), last_end < cutoff)
    ).all()
    for guest in guests:
        guest.active = False
        guest.end_sessions()
        audit.record(None, "guest.account_deactivate", guest)
    db.session.flush()
    return guests
