"""Outgoing e-mail: queued in the database with the event, delivered by a backend."""

import logging
import smtplib
from email.message import EmailMessage

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import select

from forum import clock, policy
from forum.extensions import db
from forum.notifications import kinds, preferences
from forum.notifications.models import EmailStatus, Notification, OutgoingEmail

log = logging.getLogger("forum.mail")
MAX_ATTEMPTS = 5


def redact_links(body, links):
    """`body` with each one-time link replaced by a (translated) note that it was removed."""
    from flask_babel import gettext as _

    for link in links:
        body = body.replace(link, _("[link removed after sending]"))
    return body


def queue_email(to, subject, body, *, html=None, headers=None, kind=None, user=None, one_time_links=()):
    """Store a message for delivery; the console backend also prints it at once.

    `html` is an HTML alternative of the text `body`; `headers` are extra
    headers ({name: value}); `kind` says what caused it and `user` is the
    recipient's account, when there is one.

    `one_time_links` (activation, reset, invitation links) are kept only until
    the message is sent: afterwards the stored body says they were removed, so
    the outbox never shows a live link (call inside the recipient's locale).
    """
    # str(): lazy translations are worded now, in the locale the caller forced, not later at flush.
    message = OutgoingEmail(
        to=to,
        user_id=user.id if user is not None else None,
        kind=kind,
        subject=str(subject),
        body=str(body),
        html_body=str(html) if html is not None else None,
        headers=dict(headers) if headers else None,
        created_at=clock.now(),
    )
    if one_time_links:
        message.redacted_body = redact_links(message.body, [str(link) for link in one_time_links])
    db.session.add(message)
    # Development: nothing leaves the machine, so the message counts as sent at once and its
    # one-time links are forgotten as after a real send.
    if current_app.config["MAIL_BACKEND"] == "console":
        log.warning("E-mail to %s: %s\n%s", to, message.subject, message.body)
        print(f"\n--- e-mail to {to} ---\nSubject: {message.subject}\n\n{message.body}\n---", flush=True)
        message.status = EmailStatus.sent
        message.sent_at = clock.now()
        _forget_links(message)
    db.session.flush()
    return message


def _forget_links(message):
    """Once sent (or given up on), only the redacted body stays in the database."""
    if message.redacted_body is not None:
        message.body = message.redacted_body
        message.redacted_body = None


def queue_email_for(user, subject_fn, body_fn, *, kind="account", one_time_links=()):
    """Queue a message written in the recipient's interface language."""
    # The recipient's language, not the actor's: an administrator working in French sends an
    # activation e-mail in the language of the person who receives it.
    with force_locale(user.locale or "en"):
        return queue_email(user.email, subject_fn(), body_fn(), kind=kind, user=user, one_time_links=one_time_links)


def shows_bodies():
    """Whether /admin/outbox may show message bodies: only where mail never leaves the machine unread."""
    return current_app.config["MAIL_BACKEND"] in ("console", "outbox")


def deliver_pending(limit=200):
    """Send queued messages over SMTP; returns (sent, failed). Safe to run concurrently with itself."""
    if current_app.config["MAIL_BACKEND"] != "smtp":
        # Only SMTP delivers: `console` settles messages when they are queued, and with `outbox`
        # they stay in the database to be read on /admin/outbox.
        return 0, 0
    pending = db.session.scalars(
        # Oldest first, in bounded batches: a backlog drains over several ticks rather than one long run.
        select(OutgoingEmail).where(OutgoingEmail.status == EmailStatus.pending).order_by(OutgoingEmail.id).limit(limit)
    ).all()
    sent = failed = 0
    config = current_app.config
    for message in pending:
        try:
            # A connection per message: a dropped connection or a refused message costs only that message's
            # attempt; the timeout keeps one unreachable server from stalling the whole tick.
            with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=20) as smtp:
                if config["MAIL_USE_TLS"]:
                    smtp.starttls()
                if config["MAIL_USERNAME"]:
                    smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
                smtp.send_message(_as_email(message, config["MAIL_DEFAULT_SENDER"]))
        except (OSError, smtplib.SMTPException) as error:
            message.attempts += 1
            message.last_error = str(error)[:1000]
            # Given up after MAX_ATTEMPTS so a bad address does not retry forever; the outbox shows it failed.
            if message.attempts >= MAX_ATTEMPTS:
                message.status = EmailStatus.failed
                _forget_links(message)
            failed += 1
        else:
            message.attempts += 1
            message.status = EmailStatus.sent
            message.sent_at = clock.now()
            _forget_links(message)
            sent += 1
        # Committed message by message: if the run dies midway, what was sent is not sent again.
        db.session.commit()
    return sent, failed


def _as_email(message, sender):
    email = EmailMessage()
    email["From"] = sender
    email["To"] = message.to
    email["Subject"] = message.subject
    email.set_content(message.body)
    return email


def notify(user, kind, link=None, **params):
    """Leave an in-forum notification for `user`, and e-mail it now if they want that group immediately.

    Digests pick up the other groups later (forum.notifications.digests);
    unknown kinds (kinds.py) and accounts that cannot sign in get no e-mail.
    """
    notification = Notification(user_id=user.id, kind=kind, params=params, link=link, created_at=clock.now())
    db.session.add(notification)
    group = kinds.group_of(kind)
    if (
        group is not None
        and policy.can_receive_email(user)
        and preferences.delivery_for(user, group) == kinds.Delivery.immediately
    ):
        from forum.notifications.emails import send_notification_email

        send_notification_email(user, notification)
    return notification


def recent_outbox(limit=100):
    """The latest messages of the outbox, newest first (the admin's outbox page)."""
    return db.session.scalars(select(OutgoingEmail).order_by(OutgoingEmail.id.desc()).limit(limit)).all()


def recent_notifications(user, limit=100):
    """The user's latest notifications, newest first."""
    return db.session.scalars(
        # Bounded, so the page and the read-marking write after it stay small however many piled up.
        select(Notification).where(Notification.user_id == user.id).order_by(Notification.id.desc()).limit(limit)
    ).all()


def mark_read(items):
    """Mark these notifications read now (the caller holds a write transaction)."""
    now = clock.now()
    for notification in items:
        notification.read_at = now
