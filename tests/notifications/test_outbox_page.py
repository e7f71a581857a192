"""The admin's e-mail outbox: states, attempts and errors, a filter, and "retry now"."""

import pytest
from sqlalchemy import select

from forum.audit import AuditEvent
from forum.errors import Invalid, NotAllowed
from forum.extensions import db
from forum.notifications import service
from forum.notifications.models import EmailStatus, OutgoingEmail


def queue(to, subject="Hello"):
    message = service.queue_email(to, subject, "Body")
    db.session.commit()
    return message


def reload(message):
    db.session.expire_all()
    return db.session.get(OutgoingEmail, message.id)


def retry_events():
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == "email.retry")).all()


@pytest.fixture
def refused(smtp_server):
    """One message the server refused for good (550) and one waiting after a 451."""
    smtp_server.refuse_recipient("gone@example.org", "550 5.1.1 No such user")
    smtp_server.refuse_recipient("busy@example.org", "451 4.2.0 Mailbox busy")
    failed = queue("gone@example.org", "Refused for good")
    waiting = queue("busy@example.org", "Refused for now")
    service.deliver_pending()
    return reload(failed), reload(waiting)


def test_a_permanent_failure_is_shown_with_its_error_and_attempts(client, admin, login, refused, frozen_clock):
    failed, waiting = refused
    login(client, admin)
    page = client.get("/admin/outbox").get_data(as_text=True)
    assert "Refused for good" in page
    assert "550 5.1.1 No such user (gone@example.org)" in page
    assert "451 4.2.0 Mailbox busy (busy@example.org)" in page
    # States in words, not their stored values.
    assert '<span class="email-status">Failed</span>' in page
    assert '<span class="email-status">Waiting to be sent</span>' in page
    assert "1 attempt" in page
    assert "Next attempt:" in page


def test_the_filter_shows_one_state(client, admin, login, refused):
    login(client, admin)
    page = client.get("/admin/outbox?status=failed").get_data(as_text=True)
    assert "Refused for good" in page and "Refused for now" not in page
    page = client.get("/admin/outbox?status=pending").get_data(as_text=True)
    assert "Refused for now" in page and "Refused for good" not in page


@pytest.mark.parametrize("status", ["bogus", "", "FAILED", "' OR 1=1 --", "pending\x00"])
def test_an_unknown_filter_shows_everything(client, admin, login, refused, status):
    login(client, admin)
    response = client.get("/admin/outbox", query_string={"status": status})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Refused for good" in page and "Refused for now" in page


def test_retry_now_sends_a_failed_message_again_and_is_audited(client, admin, login, refused, smtp_server):
    failed, _waiting = refused
    smtp_server.recipient_replies.clear()
    login(client, admin)

    response = client.post(f"/admin/outbox/{failed.id}/retry", data={"status": "failed"})

    assert response.status_code == 302
    assert response.headers["Location"].endswith("/admin/outbox?status=failed")
    message = reload(failed)
    assert (message.status, message.attempts, message.next_attempt_at) == (EmailStatus.pending, 0, None)
    [event] = retry_events()
    assert (event.actor_id, event.target_id, event.details["previous_status"]) == (admin.id, failed.id, "failed")
    assert service.deliver_pending().sent == 1
    assert smtp_server.to("gone@example.org")
    assert reload(failed).status == EmailStatus.sent


def test_retry_now_makes_a_waiting_message_due_at_once(client, admin, login, refused):
    _failed, waiting = refused
    assert waiting.next_attempt_at is not None
    login(client, admin)
    client.post(f"/admin/outbox/{waiting.id}/retry")
    assert reload(waiting).next_attempt_at is None


def test_a_sent_message_is_not_sent_again(client, admin, login, smtp_server):
    message = queue("ana@example.org")
    service.deliver_pending()
    login(client, admin)
    response = client.post(f"/admin/outbox/{message.id}/retry", follow_redirects=True)
    assert "This message was sent already." in response.get_data(as_text=True)
    assert reload(message).status == EmailStatus.sent
    assert retry_events() == []
    assert not service.deliver_pending()


def test_the_outbox_offers_retry_only_for_messages_not_sent(client, admin, login, refused, smtp_server):
    failed, waiting = refused
    sent = queue("ana@example.org")
    service.deliver_pending()
    login(client, admin)
    page = client.get("/admin/outbox").get_data(as_text=True)
    assert f"/admin/outbox/{failed.id}/retry" in page
    assert f"/admin/outbox/{waiting.id}/retry" in page
    assert f"/admin/outbox/{sent.id}/retry" not in page


@pytest.mark.parametrize("role", ["moderator", "language_moderator", "delegate", "staff"])
def test_only_administrators_see_the_outbox_or_retry(client, make_user, login, refused, role):
    failed, _waiting = refused
    login(client, make_user(role, languages=("fr",) if role == "language_moderator" else ()))
    assert client.get("/admin/outbox").status_code == 403
    assert client.post(f"/admin/outbox/{failed.id}/retry").status_code == 403
    assert reload(failed).status == EmailStatus.failed
    assert retry_events() == []


def test_anonymous_visitors_cannot_retry(client, refused):
    failed, _waiting = refused
    response = client.post(f"/admin/outbox/{failed.id}/retry")
    # Signed-out visitors are sent to the sign-in page first, as everywhere in the forum.
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert reload(failed).status == EmailStatus.failed


@pytest.mark.parametrize("message_id", ["999999", "2147483648", "0"])
def test_retrying_an_unknown_message_is_404(client, admin, login, message_id):
    login(client, admin)
    assert client.post(f"/admin/outbox/{message_id}/retry").status_code == 404


def test_the_service_refuses_anyone_but_an_administrator(refused, moderator, admin):
    failed, _waiting = refused
    with pytest.raises(NotAllowed):
        service.retry_email(failed, by=moderator)
    db.session.rollback()
    service.retry_email(failed, by=admin)
    with pytest.raises(Invalid):
        # Already waiting again is fine; once sent, never again.
        failed.status = EmailStatus.sent
        db.session.flush()
        service.retry_email(failed, by=admin)


class TestCsrf:
    @pytest.fixture
    def config_overrides(self):
        return {"WTF_CSRF_ENABLED": True}

    def test_retry_without_the_token_is_refused(self, client, admin, login, refused):
        failed, _waiting = refused
        login(client, admin)
        response = client.post(f"/admin/outbox/{failed.id}/retry")
        assert response.status_code == 400
        assert reload(failed).status == EmailStatus.failed
        assert retry_events() == []
