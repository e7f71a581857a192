"""Outgoing e-mail: queued in the database with the event, delivered by a backend."""

import email.errors
import email.policy
import logging
import smtplib
import ssl
from dataclasses import dataclass
from datetime import timedelta
from email.header import Header
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid, parseaddr
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, insert, or_, select, update
from sqlalchemy.orm import selectinload

from forum import audit, clock, policy
from forum.database import claim_transition
from forum.errors import Invalid, NotAllowed
from forum.extensions import db
from forum.notifications import kinds, preferences
from forum.notifications.models import EmailStatus, Notification, NotificationSetting, OutgoingEmail

log = logging.getLogger("forum.mail")


def redact_links(body, links):
    """`body` with each one-time link replaced by a (translated) note that it was removed."""
    for link in links:
        body = body.replace(link, _("[link removed after sending]"))
    return body


def queue_email(to, subject, body, *, html=None, headers=None, kind=None, user=None, one_time_links=()):
    """Store a message for delivery; the console backend also prints it at once.

    `html` is an HTML alternative of the text `body`; `headers` are extra
    headers ({name: value}, e.g. List-Unsubscribe); `kind` says what caused it
    and `user` is the recipient's account, when there is one. A Message-ID is
    made now and stored with the headers, so every attempt sends the same one.

    `one_time_links` (activation, reset, invitation links) are kept only until
    the message is sent: afterwards the stored body says they were removed, so
    the outbox never shows a live link (call inside the recipient's locale).
    """
    headers = {str(name): str(value) for name, value in (headers or {}).items()}
    if not any(name.lower() == "message-id" for name in headers):
        headers["Message-ID"] = new_message_id()
    # str(): lazy translations are worded now, in the locale the caller forced, not later at flush.
    message = OutgoingEmail(
        to=to,
        user_id=user.id if user is not None else None,
        kind=kind,
        subject=str(subject),
        body=str(body),
        html_body=str(html) if html is not None else None,
        headers=headers,
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


# Delivery ----------------------------------------------------------------------
#
# A sender claims a batch of due messages (one UPDATE … RETURNING, committed
# before any SMTP talk), sends them over one connection and settles each
# message in a transaction of its own. So two senders never send the same
# message, a crash mid-batch never sends again what was sent, and the messages
# of a crashed sender are taken over when its lease runs out.

# Messages claimed by one run; a backlog drains over several runs.
BATCH_SIZE = 200
# A claim lasts this long. A sender stops starting new messages after half of it, so that one slow
# message still ends well before another sender may take the message over.
LEASE = timedelta(minutes=10)
# Retries after a temporary failure: 1, 2, 4 … minutes, at most 6 hours apart; given up at the
# MAX_ATTEMPTS-th failure, about a day and a half after the first.
FIRST_RETRY = timedelta(minutes=1)
LONGEST_RETRY = timedelta(hours=6)
MAX_ATTEMPTS = 15
# Seconds for each exchange with the server, so one unreachable server cannot stall a run.
SMTP_TIMEOUT = 20
# Written from the message's own columns; a stored header of these names would duplicate or contradict them.
RESERVED_HEADERS = frozenset(
    {"from", "to", "cc", "bcc", "subject", "date", "mime-version", "content-type", "content-transfer-encoding"}
)
# Quoted-printable or base64 for non-ASCII text: 8-bit bodies need a relay that announces 8BITMIME.
MAIL_POLICY = email.policy.SMTP.clone(cte_type="7bit")


@dataclass
class Delivery:
    """What one `deliver_pending` run did; false when it did nothing."""

    sent: int = 0
    # Given up: a permanent refusal (5xx), or the last of MAX_ATTEMPTS temporary failures.
    failed: int = 0
    # Temporary failures (4xx, server unreachable): tried again after a backoff.
    deferred: int = 0

    def __bool__(self):
        return bool(self.sent or self.failed or self.deferred)

    def __str__(self):
        return f"sent: {self.sent}, failed: {self.failed}, retrying later: {self.deferred}"


class ServerUnavailable(Exception):
    """The server could not be reached or signed in to: a temporary failure for the rest of the batch."""


class Unbuildable(Exception):
    """The stored message cannot be written as an e-mail (a malformed header): a permanent failure."""


def deliver_pending(limit=BATCH_SIZE):
    """Send the due messages over SMTP, one connection per batch; returns a Delivery.

    Commits (the claim, then each message). Safe to run any number of times at
    once, in any number of processes: each message is sent by one sender only.
    """
    report = Delivery()
    if current_app.config["MAIL_BACKEND"] != "smtp":
        # Only SMTP delivers: `console` settles messages when they are queued, and with `outbox`
        # they stay in the database to be read on /admin/outbox.
        return report
    claimed_at = clock.now()
    lease_until = claimed_at + LEASE
    claimed = _claim(claimed_at, lease_until, limit)
    if not claimed:
        return report
    batch = _prepare(claimed, current_app.config["MAIL_DEFAULT_SENDER"])
    # No transaction stays open while the server is talked to: on SQLite it would hold the write lock.
    db.session.commit()
    connection = Connection(current_app.config)
    try:
        for position, (message_id, built) in enumerate(batch):
            if clock.now() >= claimed_at + LEASE / 2:
                _release([message_id for message_id, _built in batch[position:]], lease_until)
                break
            _settle(message_id, connection.deliver(built), report)
    finally:
        connection.close()
    return report


def _due(now):
    return (
        OutgoingEmail.status == EmailStatus.pending,
        or_(OutgoingEmail.next_attempt_at.is_(None), OutgoingEmail.next_attempt_at <= now),
        or_(OutgoingEmail.claimed_until.is_(None), OutgoingEmail.claimed_until < now),
    )


def _claim(now, lease_until, limit):
    """Claim up to `limit` due messages, oldest first, and commit; returns their ids."""
    # SKIP LOCKED (PostgreSQL; SQLite has no row locks and serialises writers): a sender claiming at
    # the same moment takes the next rows instead of waiting. MATERIALIZED: PostgreSQL would otherwise
    # run the locking subquery again for each row, past the rows just updated, and claim past `limit`.
    # The conditions are repeated on the UPDATE so a row claimed meanwhile is re-checked and left alone.
    batch = (
        select(OutgoingEmail.id)
        .where(*_due(now))
        .order_by(OutgoingEmail.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
        .cte("due_batch")
        .prefix_with("MATERIALIZED")
    )
    claimed = (
        db.session.execute(
            update(OutgoingEmail)
            .where(OutgoingEmail.id.in_(select(batch.c.id)), *_due(now))
            .values(claimed_until=lease_until)
            .returning(OutgoingEmail.id)
            .execution_options(synchronize_session=False)
        )
        .scalars()
        .all()
    )
    db.session.commit()
    return sorted(claimed)


def _prepare(message_ids, sender):
    """[(id, EmailMessage or Unbuildable)] of the claimed messages, in order."""
    messages = db.session.scalars(
        select(OutgoingEmail)
        .where(OutgoingEmail.id.in_(message_ids))
        .order_by(OutgoingEmail.id)
        .options(selectinload(OutgoingEmail.user))
        # The claim bypassed the session: reload, or a message already in it would show stale values.
        .execution_options(populate_existing=True)
    ).all()
    batch = []
    for message in messages:
        try:
            batch.append((message.id, _as_email(message, sender)))
        except (ValueError, TypeError, email.errors.MessageError) as error:
            batch.append((message.id, Unbuildable(f"{type(error).__name__}: {error}")))
    return batch


def _release(message_ids, lease_until):
    """Give claimed messages back unsent, for the next run (only if the claim is still this sender's)."""
    db.session.execute(
        update(OutgoingEmail)
        .where(
            OutgoingEmail.id.in_(message_ids),
            OutgoingEmail.status == EmailStatus.pending,
            OutgoingEmail.claimed_until == lease_until,
        )
        .values(claimed_until=None)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def _settle(message_id, error, report):
    """Record the outcome of one message and commit it at once: sent, retried later, or failed."""
    message = db.session.get(OutgoingEmail, message_id)
    now = clock.now()
    message.attempts += 1
    message.claimed_until = None
    if error is None:
        message.status = EmailStatus.sent
        message.sent_at = now
        message.next_attempt_at = None
        _forget_links(message)
        report.sent += 1
    elif is_permanent(error) or message.attempts >= MAX_ATTEMPTS:
        # Given up: the outbox shows it failed, with the server's answer.
        message.status = EmailStatus.failed
        message.last_error = describe_error(error)
        message.next_attempt_at = None
        _forget_links(message)
        log.warning("E-mail %s to %s failed: %s", message.id, message.to, message.last_error)
        report.failed += 1
    else:
        message.last_error = describe_error(error)
        message.next_attempt_at = now + retry_delay(message.attempts)
        report.deferred += 1
    # Committed message by message: if the run dies midway, what was sent is not sent again.
    db.session.commit()


def retry_delay(attempts):
    """The wait after the `attempts`-th failure: 1, 2, 4, 8 … minutes, at most LONGEST_RETRY."""
    return min(FIRST_RETRY * 2 ** min(max(attempts - 1, 0), 20), LONGEST_RETRY)


def is_permanent(error):
    """Whether the server refused for good (a 5xx reply), so that trying again cannot help."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(500 <= code < 600 for code, _reply in error.recipients.values())
    if isinstance(error, smtplib.SMTPResponseException):
        return 500 <= error.smtp_code < 600
    # A message no server here can take (it needs SMTPUTF8) or that cannot be written at all.
    return isinstance(error, (smtplib.SMTPNotSupportedError, Unbuildable))


def describe_error(error):
    """The server's reply or the network error, as the outbox shows it."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        text = "; ".join(f"{code} {_text(reply)} ({rcpt})" for rcpt, (code, reply) in error.recipients.items())
    elif isinstance(error, smtplib.SMTPResponseException):
        text = f"{error.smtp_code} {_text(error.smtp_error)}"
    elif isinstance(error, (ServerUnavailable, Unbuildable)):
        text = str(error)
    else:
        text = f"{type(error).__name__}: {error}"
    return text[:1000]


def _text(reply):
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)


class Connection:
    """One SMTP session for a batch: opened on first use, opened again once if the server drops it."""

    def __init__(self, config):
        self.config = config
        self.smtp = None
        self.opens_left = 2
        # Once the server cannot be reached, the rest of the batch waits for a later run.
        self.unavailable = None

    def deliver(self, built):
        """Send one message; None when the server accepted it, else the error (nothing raised)."""
        if isinstance(built, Exception):
            return built
        try:
            self._send(built)
        except (OSError, smtplib.SMTPException, ServerUnavailable) as error:
            return error
        return None

    def _send(self, message):
        for last_try in (False, True):
            smtp = self._session()
            try:
                smtp.send_message(message)
                return
            except smtplib.SMTPServerDisconnected:
                # Dropped between messages (an idle timeout, a 421 after the previous one): a new session.
                self._drop()
                if last_try:
                    raise
            except smtplib.SMTPException:
                # A refusal (4xx, 5xx): the session goes on with the next message.
                raise
            except OSError:
                # A network error or timeout midway leaves the session in an unknown state.
                self._drop()
                raise

    def _session(self):
        if self.unavailable is not None:
            raise self.unavailable
        if self.smtp is None:
            if not self.opens_left:
                self.unavailable = ServerUnavailable("The server closed the connection again.")
                raise self.unavailable
            self.opens_left -= 1
            try:
                self.smtp = self._open()
            except (OSError, smtplib.SMTPException) as error:
                # Whatever the reply (even a 5xx to the login), it concerns the server, not the messages.
                self.unavailable = ServerUnavailable(describe_error(error))
                raise self.unavailable from error
        return self.smtp

    def _open(self):
        config = self.config
        smtp = smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=SMTP_TIMEOUT)
        try:
            if config["MAIL_USE_TLS"]:
                smtp.starttls(context=ssl.create_default_context())
            if config["MAIL_USERNAME"]:
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        except BaseException:
            smtp.close()
            raise
        return smtp

    def _drop(self):
        if self.smtp is not None:
            self.smtp.close()
            self.smtp = None

    def close(self):
        """End the session politely (QUIT), or just close it if the server is gone."""
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (OSError, smtplib.SMTPException):
                self.smtp.close()
            self.smtp = None


# The message as sent ---------------------------------------------------------------


def new_message_id():
    """A fresh Message-ID in the sender's domain (kept in the row's headers, so a retry keeps it)."""
    return make_msgid(domain=_sender_domain())


def _sender_domain():
    address = parseaddr(current_app.config["MAIL_DEFAULT_SENDER"])[1]
    if "@" in address:
        return address.rsplit("@", 1)[1]
    return urlsplit(current_app.config["FORUM_BASE_URL"]).hostname or "localhost"


def _message_id(message):
    """The message's stored Message-ID; one is made (and kept) for a row queued without it."""
    headers = dict(message.headers or {})
    for name, value in headers.items():
        if name.lower() == "message-id":
            return value
    headers["Message-ID"] = new_message_id()
    # A new dict: a JSON column notices reassignment, not changes in place.
    message.headers = headers
    return headers["Message-ID"]


def _recipient(message):
    """The recipient's display name (for the To header) when the message is for an account."""
    return " ".join(message.user.display_name.split()) if message.user is not None else ""


class EncodedHeader(str):
    """A header whose non-ASCII text is written by `email.header`, kept whole by the default policy.

    The default policy's folder drops the space between two encoded words of a
    long header (CPython gh-144156, fixed only after 3.14), so "discussion –
    обсуждение" would arrive as "discussion –обсуждение"; `email.header` puts
    the space inside the encoded words. The value reads as the plain text.
    """

    def __new__(cls, name, text, address=None):
        header = super().__new__(cls, text if address is None else formataddr((text, address)))
        header.name, header.text, header.address = name, text, address
        return header

    def fold(self, *, policy):
        encoded = Header(self.text, "utf-8", header_name=self.name).encode(linesep=policy.linesep)
        if self.address is not None:
            encoded += f" <{self.address}>"
        return f"{self.name}: {encoded}{policy.linesep}"


def _header(name, text):
    text = " ".join(str(text).split())
    return text if text.isascii() else EncodedHeader(name, text)


def _address_header(name, display_name, address):
    display_name = " ".join(display_name.split())
    if not display_name:
        return address
    if display_name.isascii():
        return formataddr((display_name, address))
    return EncodedHeader(name, display_name, address)


def _as_email(message, sender):
    """The stored message as an e-mail: text (and HTML) alternatives, Date, Message-ID and its own headers."""
    mail = EmailMessage(policy=MAIL_POLICY)
    mail["From"] = _address_header("From", *parseaddr(sender))
    mail["To"] = _address_header("To", _recipient(message), message.to)
    mail["Subject"] = _header("Subject", message.subject)
    # When it was written, which a retry does not change (RFC 5322 §3.6.1).
    mail["Date"] = format_datetime(message.created_at)
    mail["Message-ID"] = _message_id(message)
    for name, value in (message.headers or {}).items():
        if name.lower() not in RESERVED_HEADERS and name.lower() != "message-id":
            mail[name] = value
    mail.set_content(message.body)
    if message.html_body:
        mail.add_alternative(message.html_body, subtype="html")
    return mail


# The admin's outbox ----------------------------------------------------------------


def retry_email(message, *, by):
    """Try a failed or waiting message again at the next run, with a fresh set of attempts (admins only)."""
    if not policy.can_retry_email(by):
        raise NotAllowed(_("Only administrators retry e-mails."))
    previous, attempts = message.status, message.attempts
    # Conditional, so a message sent meanwhile by a running sender is not queued a second time.
    if not claim_transition(
        message,
        "status",
        (EmailStatus.failed, EmailStatus.pending),
        status=EmailStatus.pending,
        attempts=0,
        next_attempt_at=None,
    ):
        raise Invalid(_("This message was sent already."))
    audit.record(by, "email.retry", message, previous_status=previous.value, attempts=attempts, to=message.to)
    db.session.flush()
    return message


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


def notify_all(users, kind, link=None, **params):
    """`notify` for many users at once: one INSERT for all of them, whatever their number.

    Only those who want the kind's group e-mailed immediately (found in one
    query) go through `notify`, which queues their e-mail; the others get
    their row in a single multi-row INSERT. Returns how many were notified.
    """
    users = list(users)
    if not users:
        return 0
    group = kinds.group_of(kind)
    immediate = _wanting_immediately([user for user in users if policy.can_receive_email(user)], group)
    rows = [
        {"user_id": user.id, "kind": kind, "params": params, "link": link, "created_at": clock.now()}
        for user in users
        if user.id not in immediate
    ]
    if rows:
        db.session.execute(insert(Notification), rows)
    for user in users:
        if user.id in immediate:
            notify(user, kind, link=link, **params)
    return len(users)


def _wanting_immediately(users, group):
    """Ids of `users` whose delivery for `group` is "immediately" (their setting, else the group's default)."""
    if group is None or not users:
        return set()
    chosen = dict(
        db.session.execute(
            select(NotificationSetting.user_id, NotificationSetting.delivery).where(
                NotificationSetting.group == group, NotificationSetting.user_id.in_([user.id for user in users])
            )
        ).all()
    )
    return {user.id for user in users if chosen.get(user.id, group.default) == kinds.Delivery.immediately}


def recent_outbox(limit=100, status=None):
    """The latest messages of the outbox, newest first, optionally only those in `status` (the admin's outbox page)."""
    query = select(OutgoingEmail).order_by(OutgoingEmail.id.desc()).limit(limit)
    if status is not None:
        query = query.where(OutgoingEmail.status == status)
    return db.session.scalars(query).all()


def outbox_counts():
    """{status: number of messages}, in one grouped query."""
    rows = db.session.execute(select(OutgoingEmail.status, func.count()).group_by(OutgoingEmail.status)).all()
    return dict(rows)


def get_email(message_id):
    return db.session.get(OutgoingEmail, message_id)


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
