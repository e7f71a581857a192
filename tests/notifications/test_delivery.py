"""E-mail delivery against a real SMTP server: the message format, one connection per batch,
retries with backoff, permanent failures, an outage, and senders that run at once."""

import threading
from datetime import timedelta
from email.utils import format_datetime

import pytest
from sqlalchemy import select

from forum import clock
from forum.extensions import db
from forum.notifications import service
from forum.notifications.models import EmailStatus, OutgoingEmail


def queue(to="ana@example.org", subject="Hello", body="Text body", **fields):
    message = service.queue_email(to, subject, body, **fields)
    db.session.commit()
    return message


def queue_many(count):
    return [queue(f"person{number}@example.org", subject=f"Message {number}") for number in range(count)]


def reload(message):
    db.session.expire_all()
    return db.session.get(OutgoingEmail, message.id)


def delivered_once(smtp_server, messages):
    """Every message arrived exactly once (by its Message-ID)."""
    ids = [item.message["Message-ID"] for item in smtp_server.received]
    expected = [message.headers["Message-ID"] for message in messages]
    return sorted(ids) == sorted(expected)


# The message as sent --------------------------------------------------------------------------


def test_a_message_arrives_as_text_and_html_alternatives_with_date_and_message_id(smtp_server, frozen_clock):
    message = queue(body="Plain text", html="<p>Rich <strong>text</strong></p>")

    report = service.deliver_pending()

    assert (report.sent, report.failed, report.deferred) == (1, 0, 0)
    [received] = smtp_server.received
    assert received.message.get_content_type() == "multipart/alternative"
    assert received.text.strip() == "Plain text"
    assert received.html.strip() == "<p>Rich <strong>text</strong></p>"
    assert received.message["From"] == "forum@forum.test"
    assert received.rcpt_tos == ["ana@example.org"]
    assert received.message["Date"] == format_datetime(frozen_clock.now)
    assert received.message["Message-ID"] == message.headers["Message-ID"]
    assert received.message["Message-ID"].endswith("@forum.test>")
    message = reload(message)
    assert message.status == EmailStatus.sent
    assert (message.attempts, message.sent_at, message.claimed_until) == (1, frozen_clock.now, None)


def test_a_text_only_message_is_a_single_text_part(smtp_server):
    queue(body="Only text")
    service.deliver_pending()
    [received] = smtp_server.received
    assert received.message.get_content_type() == "text/plain"
    assert received.text.strip() == "Only text"


def test_the_message_id_is_made_when_queued_in_the_senders_domain(app):
    app.config["MAIL_DEFAULT_SENDER"] = "CDIP Forum <noreply@cdip.example.int>"
    first, second = queue(), queue()
    assert first.headers["Message-ID"].endswith("@cdip.example.int>")
    assert first.headers["Message-ID"] != second.headers["Message-ID"]


def test_non_ascii_subject_sender_and_recipient_names_are_encoded(app, smtp_server, make_user):
    app.config["MAIL_DEFAULT_SENDER"] = "Forum de l’OMPI <forum@forum.test>"
    user = make_user(name="María Hernández 李")
    subject = "Réunion hebdomadaire – 每周讨论 – еженедельное обсуждение"
    queue(user.email, subject=subject, body="Текст — 正文 — texte", user=user)

    service.deliver_pending()

    [received] = smtp_server.received
    headers = received.raw.split(b"\r\n\r\n", 1)[0]
    assert headers.isascii(), "headers must be RFC 2047 encoded"
    assert received.subject == subject
    assert received.message["To"].addresses[0].display_name == "María Hernández 李"
    assert received.message["To"].addresses[0].addr_spec == user.email
    assert received.message["From"].addresses[0].display_name == "Forum de l’OMPI"
    assert received.text.strip() == "Текст — 正文 — texte"


def test_stored_headers_are_sent_and_cannot_replace_the_messages_own(smtp_server):
    queue(
        headers={
            "List-Unsubscribe": "<https://forum.test/unsubscribe/abc>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "From": "someone.else@evil.example",
            "Bcc": "hidden@evil.example",
        }
    )
    service.deliver_pending()
    [received] = smtp_server.received
    assert received.message["List-Unsubscribe"] == "<https://forum.test/unsubscribe/abc>"
    assert received.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert received.message.get_all("From") == ["forum@forum.test"]
    assert received.message["Bcc"] is None
    assert received.rcpt_tos == ["ana@example.org"]


def test_a_header_with_a_line_break_fails_that_message_and_injects_nothing(smtp_server):
    bad = queue("bad@example.org", headers={"X-Note": "hello\r\nBcc: victim@evil.example"})
    good = queue("good@example.org")

    report = service.deliver_pending()

    assert (report.sent, report.failed) == (1, 1)
    assert [item.rcpt_tos for item in smtp_server.received] == [["good@example.org"]]
    bad = reload(bad)
    assert bad.status == EmailStatus.failed
    assert "linefeed" in bad.last_error
    assert reload(good).status == EmailStatus.sent


def test_a_message_queued_without_a_message_id_gets_one_that_it_keeps(app, smtp_server, frozen_clock):
    message = queue()
    # A row written before Message-IDs were stored.
    message.headers = None
    db.session.commit()
    smtp_server.reply = "451 4.3.0 Try again later"
    seen = []
    smtp_server.on_message = lambda received: seen.append(received.message["Message-ID"])
    service.deliver_pending()
    stored = reload(message).headers["Message-ID"]
    smtp_server.reply = None
    frozen_clock.advance(minutes=1)
    service.deliver_pending()
    assert seen == [stored, stored]


# Batches ---------------------------------------------------------------------------------------


def test_a_batch_of_five_goes_over_one_connection(smtp_server):
    messages = queue_many(5)
    assert service.deliver_pending().sent == 5
    assert smtp_server.connections == 1
    assert delivered_once(smtp_server, messages)


def test_nothing_to_send_opens_no_connection(smtp_server):
    assert not service.deliver_pending()
    assert smtp_server.connections == 0


def test_a_backlog_drains_in_batches(smtp_server):
    messages = queue_many(5)
    assert service.deliver_pending(limit=2).sent == 2
    assert service.deliver_pending(limit=2).sent == 2
    assert service.deliver_pending(limit=2).sent == 1
    assert delivered_once(smtp_server, messages)
    assert smtp_server.connections == 3


def test_a_dropped_connection_is_opened_again_once_per_batch(smtp_server, frozen_clock):
    messages = queue_many(5)
    smtp_server.drop_after = 2

    report = service.deliver_pending()

    # 1, 2 · dropped · reconnect · 3, 4 · dropped again: the fifth waits for the next run.
    assert (report.sent, report.deferred) == (4, 1)
    assert smtp_server.connections == 2
    fifth = reload(messages[4])
    assert fifth.status == EmailStatus.pending
    assert fifth.next_attempt_at == frozen_clock.now + timedelta(minutes=1)
    frozen_clock.advance(minutes=1)
    assert service.deliver_pending().sent == 1
    assert delivered_once(smtp_server, messages)


def test_other_backends_deliver_nothing(app, smtp_server):
    app.config["MAIL_BACKEND"] = "outbox"
    message = queue()
    assert not service.deliver_pending()
    assert reload(message).status == EmailStatus.pending
    assert smtp_server.connections == 0


# Temporary and permanent failures ------------------------------------------------------------


def test_a_451_is_tried_again_later_with_a_growing_delay_and_the_same_message_id(smtp_server, frozen_clock):
    message = queue()
    smtp_server.reply = "451 4.3.0 Mailbox busy, try again later"
    attempts = []
    smtp_server.on_message = lambda received: attempts.append(received.message["Message-ID"])
    start = frozen_clock.now

    report = service.deliver_pending()

    assert (report.sent, report.failed, report.deferred) == (0, 0, 1)
    message = reload(message)
    assert message.status == EmailStatus.pending
    assert message.attempts == 1
    assert message.last_error == "451 4.3.0 Mailbox busy, try again later"
    assert message.next_attempt_at == start + timedelta(minutes=1)
    assert message.claimed_until is None
    # Not due yet: nothing is tried.
    assert not service.deliver_pending()
    assert len(attempts) == 1

    frozen_clock.advance(minutes=1)
    service.deliver_pending()
    assert reload(message).next_attempt_at == frozen_clock.now + timedelta(minutes=2)
    frozen_clock.advance(minutes=2)
    service.deliver_pending()
    assert reload(message).next_attempt_at == frozen_clock.now + timedelta(minutes=4)

    smtp_server.reply = None
    frozen_clock.advance(minutes=4)
    assert service.deliver_pending().sent == 1
    message = reload(message)
    assert (message.status, message.attempts) == (EmailStatus.sent, 4)
    assert len(set(attempts)) == 1 and len(attempts) == 4
    assert [item.message["Message-ID"] for item in smtp_server.received] == [attempts[0]]


def test_the_delay_doubles_up_to_six_hours():
    delays = [service.retry_delay(attempts) for attempts in range(1, 14)]
    assert delays[:4] == [timedelta(minutes=m) for m in (1, 2, 4, 8)]
    assert delays[-1] == timedelta(hours=6)
    assert max(delays) == timedelta(hours=6)
    assert delays == sorted(delays)


def test_a_message_is_given_up_after_the_last_attempt(smtp_server, frozen_clock):
    message = queue(
        one_time_links=["https://forum.test/reset/secret-token"], body="https://forum.test/reset/secret-token"
    )
    smtp_server.reply = "421 4.7.0 Too busy"
    for _attempt in range(service.MAX_ATTEMPTS - 1):
        assert service.deliver_pending().deferred == 1
        frozen_clock.advance(hours=6)
    assert reload(message).status == EmailStatus.pending

    assert service.deliver_pending().failed == 1

    message = reload(message)
    assert (message.status, message.attempts) == (EmailStatus.failed, service.MAX_ATTEMPTS)
    assert message.next_attempt_at is None
    assert "secret-token" not in message.body
    frozen_clock.advance(days=2)
    assert not service.deliver_pending()


def test_a_550_fails_at_once_and_forgets_the_one_time_link(smtp_server):
    message = queue(
        body="Activate: https://forum.test/activate/live-token",
        one_time_links=["https://forum.test/activate/live-token"],
    )
    smtp_server.reply = "550 5.7.1 Message rejected as spam"

    report = service.deliver_pending()

    assert (report.sent, report.failed, report.deferred) == (0, 1, 0)
    message = reload(message)
    assert message.status == EmailStatus.failed
    assert message.attempts == 1
    assert message.last_error == "550 5.7.1 Message rejected as spam"
    assert "live-token" not in message.body
    assert smtp_server.received == []


def test_a_refused_recipient_fails_only_that_message(smtp_server):
    messages = queue_many(3)
    smtp_server.refuse_recipient("person1@example.org", "550 5.1.1 No such user")

    report = service.deliver_pending()

    assert (report.sent, report.failed) == (2, 1)
    assert smtp_server.connections == 1
    refused = reload(messages[1])
    assert refused.status == EmailStatus.failed
    assert "550 5.1.1 No such user (person1@example.org)" in refused.last_error


def test_a_recipient_refused_for_now_is_tried_again(smtp_server, frozen_clock):
    message = queue()
    smtp_server.refuse_recipient("ana@example.org", "450 4.2.1 Mailbox temporarily unavailable")
    assert service.deliver_pending().deferred == 1
    assert reload(message).status == EmailStatus.pending
    smtp_server.recipient_replies.clear()
    frozen_clock.advance(minutes=1)
    assert service.deliver_pending().sent == 1


# An outage -------------------------------------------------------------------------------------


def test_an_outage_loses_nothing_and_sends_each_message_once_afterwards(smtp_server, frozen_clock):
    smtp_server.stop()
    messages = queue_many(3)

    report = service.deliver_pending()

    assert (report.sent, report.failed, report.deferred) == (0, 0, 3)
    for message in messages:
        message = reload(message)
        assert message.status == EmailStatus.pending
        assert message.attempts == 1
        assert "refused" in message.last_error.lower()
        assert message.next_attempt_at == frozen_clock.now + timedelta(minutes=1)
    # Still down a minute later: the delay doubles.
    frozen_clock.advance(minutes=1)
    assert service.deliver_pending().deferred == 3
    assert reload(messages[0]).next_attempt_at == frozen_clock.now + timedelta(minutes=2)
    later = queue("late@example.org")

    smtp_server.start()
    # The message queued during the outage never failed: it goes at once; the others when due.
    assert service.deliver_pending().sent == 1
    frozen_clock.advance(minutes=2)
    assert service.deliver_pending().sent == 3
    frozen_clock.advance(hours=12)
    assert not service.deliver_pending()
    assert delivered_once(smtp_server, [*messages, later])
    assert all(reload(message).status == EmailStatus.sent for message in [*messages, later])


def test_a_server_that_refuses_the_sign_in_delays_the_batch_without_failing_it(app, smtp_server, frozen_clock):
    # The test server offers no AUTH: logging in fails, which is the server's problem, not the messages'.
    app.config.update(MAIL_USERNAME="forum", MAIL_PASSWORD="secret")
    messages = queue_many(2)
    assert service.deliver_pending().deferred == 2
    assert all(reload(message).status == EmailStatus.pending for message in messages)
    app.config.update(MAIL_USERNAME=None)
    frozen_clock.advance(minutes=1)
    assert service.deliver_pending().sent == 2


# Senders running at once ------------------------------------------------------------------------


def _in_thread(app, work):
    """Run `work()` in a thread with its own app context (its own session and connection); returns (thread, result)."""
    outcome = {}

    def run():
        with app.app_context():
            try:
                outcome["value"] = work()
            except BaseException as error:  # re-raised by the test
                outcome["error"] = error
            finally:
                db.session.remove()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def _finish(thread, outcome):
    thread.join(timeout=60)
    assert not thread.is_alive()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


@pytest.fixture
def paused_first_message(smtp_server):
    """The first message to arrive waits (in the server) until the test lets it go."""
    arrived, release = threading.Event(), threading.Event()

    def hold(received):
        if not arrived.is_set():
            arrived.set()
            assert release.wait(timeout=30)

    smtp_server.on_message = hold
    return arrived, release


def test_a_second_sender_does_not_take_what_the_first_has_claimed(app, smtp_server, paused_first_message):
    arrived, release = paused_first_message
    messages = queue_many(5)
    thread, outcome = _in_thread(app, service.deliver_pending)
    assert arrived.wait(timeout=30)

    # The first sender is in the middle of its batch; the second finds nothing to send.
    second = service.deliver_pending()

    release.set()
    first = _finish(thread, outcome)
    assert (first.sent, second.sent) == (5, 0)
    assert delivered_once(smtp_server, messages)


def test_two_senders_share_a_backlog_and_send_nothing_twice(app, smtp_server, paused_first_message):
    arrived, release = paused_first_message
    messages = queue_many(5)
    thread, outcome = _in_thread(app, lambda: service.deliver_pending(limit=2))
    assert arrived.wait(timeout=30)

    second = service.deliver_pending()

    release.set()
    first = _finish(thread, outcome)
    assert (first.sent, second.sent) == (2, 3)
    assert delivered_once(smtp_server, messages)
    assert smtp_server.connections == 2


def test_two_senders_racing_deliver_every_message_exactly_once(app, smtp_server):
    messages = queue_many(24)
    start = threading.Barrier(2)

    def sender():
        start.wait(timeout=30)
        sent = 0
        while report := service.deliver_pending(limit=3):
            sent += report.sent
        return sent

    threads = [_in_thread(app, sender) for _ in range(2)]
    totals = [_finish(*pair) for pair in threads]
    assert sum(totals) == 24
    assert delivered_once(smtp_server, messages)


def test_a_crashed_senders_claim_is_taken_over_after_its_lease(smtp_server, frozen_clock):
    messages = queue_many(3)
    now = clock.now()
    # A sender claims the batch and dies before sending anything.
    assert len(service._claim(now, now + service.LEASE, 200)) == 3
    assert not service.deliver_pending()
    frozen_clock.advance(minutes=9)
    assert not service.deliver_pending()

    frozen_clock.advance(minutes=1, seconds=1)
    assert service.deliver_pending().sent == 3
    assert delivered_once(smtp_server, messages)


def test_a_slow_sender_hands_back_what_it_has_not_started_before_its_lease_ends(smtp_server, frozen_clock):
    messages = queue_many(3)

    def slow(received):
        # The server takes half the lease over the first message.
        if len(smtp_server.received) == 0:
            frozen_clock.advance(minutes=5)

    smtp_server.on_message = slow
    assert service.deliver_pending().sent == 1
    rest = [reload(message) for message in messages[1:]]
    assert all(message.status == EmailStatus.pending and message.claimed_until is None for message in rest)
    assert all(message.attempts == 0 for message in rest)
    # Another sender takes them at once.
    assert service.deliver_pending().sent == 2
    assert delivered_once(smtp_server, messages)


def test_the_claim_is_committed_before_the_server_is_contacted(app, smtp_server, paused_first_message):
    arrived, release = paused_first_message
    message = queue()
    thread, outcome = _in_thread(app, service.deliver_pending)
    assert arrived.wait(timeout=30)
    # Another connection sees the claim while the message is on the wire, and can write meanwhile.
    claimed_until = db.session.scalar(select(OutgoingEmail.claimed_until).where(OutgoingEmail.id == message.id))
    assert claimed_until is not None
    queue("meanwhile@example.org")
    release.set()
    assert _finish(thread, outcome).sent == 1
