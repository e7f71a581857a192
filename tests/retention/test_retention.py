"""Retention (forum.retention, issue 15): the page states the periods, and `tick` enforces each one that expires.

Each period is checked at its edge: a row just inside it stays, a row just past it goes.
"""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from forum import clock, periodic
from forum.accounts import service as accounts
from forum.accounts.models import AccountToken, TokenPurpose
from forum.extensions import db
from forum.notifications.models import EmailStatus, OutgoingEmail
from forum.notifications.service import queue_email
from forum.twofactor.models import SecurityEvent
from forum.twofactor.service import record_event


def _count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def _tick():
    return periodic.run_periodic_work().results


# One-time links ----------------------------------------------------------------------------------


def test_an_expired_link_is_kept_for_the_period_then_removed(app, make_user, frozen_clock):
    accounts.request_password_reset(make_user().email)
    db.session.commit()
    expires_at = db.session.scalar(select(AccountToken.expires_at))

    frozen_clock.set(expires_at + timedelta(days=30))
    assert _tick()["old tokens removed"] == 0
    assert _count(AccountToken) == 1
    frozen_clock.advance(seconds=1)
    assert _tick()["old tokens removed"] == 1
    assert _count(AccountToken) == 0


def test_a_used_link_is_counted_from_its_use(app, make_user, frozen_clock):
    user = make_user()
    db.session.add(
        AccountToken(
            user_id=user.id,
            purpose=TokenPurpose.reset,
            token_hash="a" * 64,
            created_at=clock.now(),
            expires_at=clock.now() + timedelta(days=365),
            used_at=clock.now(),
        )
    )
    db.session.commit()

    frozen_clock.advance(days=30)
    assert _tick()["old tokens removed"] == 0
    frozen_clock.advance(seconds=1)
    assert _tick()["old tokens removed"] == 1


class TestShorterTokenPeriod:
    @pytest.fixture
    def config_overrides(self):
        return {"TOKEN_RETENTION_DAYS": 2}

    def test_the_configured_period_is_the_one_enforced_and_shown(self, make_user, frozen_clock, client):
        accounts.request_password_reset(make_user().email)
        db.session.commit()
        expires_at = db.session.scalar(select(AccountToken.expires_at))
        frozen_clock.set(expires_at + timedelta(days=2, seconds=1))

        assert _tick()["old tokens removed"] == 1
        page = client.get("/retention").get_data(as_text=True)
        assert _row(page, "retention-tokens").count("2 days") == 1


# Security events ---------------------------------------------------------------------------------


def test_security_events_are_kept_for_the_period_then_removed(app, make_user, frozen_clock):
    user = make_user()
    record_event("login.success", user)
    db.session.commit()

    frozen_clock.advance(days=365)
    record_event("login.success", user)
    db.session.commit()
    assert _tick()["old security events removed"] == 0
    frozen_clock.advance(seconds=1)
    assert _tick()["old security events removed"] == 1
    # The newer event is still there.
    assert _count(SecurityEvent) == 1


# The outbox --------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [EmailStatus.sent, EmailStatus.failed])
def test_sent_and_failed_emails_are_kept_for_the_period_then_removed(app, frozen_clock, status):
    message = queue_email("someone@example.org", "Subject", "Body")
    message.status = status
    db.session.commit()

    frozen_clock.advance(days=90)
    assert _tick()["old e-mails removed"] == 0
    frozen_clock.advance(seconds=1)
    assert _tick()["old e-mails removed"] == 1
    assert _count(OutgoingEmail) == 0


def test_an_email_waiting_to_be_sent_is_never_removed(app, frozen_clock, monkeypatch):
    # Delivery is left out, so the message stays pending however long it waits.
    monkeypatch.setattr(periodic, "STEPS", [step for step in periodic.STEPS if step.name != "e-mails"])
    queue_email("someone@example.org", "Subject", "Body")
    db.session.commit()

    frozen_clock.advance(days=1000)
    assert _tick()["old e-mails removed"] == 0
    assert db.session.scalar(select(OutgoingEmail.status)) == EmailStatus.pending


# The page ----------------------------------------------------------------------------------------


def _row(page, row_id):
    start = page.index(f'id="{row_id}"')
    return page[start : page.index("</tr>", start)]


def test_the_page_states_each_period_from_the_configuration(app, client):
    page = client.get("/retention").get_data(as_text=True)

    assert "Until a deletion is asked for" in _row(page, "retention-posts")
    assert "Until the invitation ends" in _row(page, "retention-guests")
    assert "30 days" in _row(page, "retention-tokens")
    assert "365 days" in _row(page, "retention-security-events")
    assert "90 days" in _row(page, "retention-outbox")
    assert "1096 days" in _row(page, "retention-activity")
    assert "Kept" in _row(page, "retention-audit")
    assert "deleted content is gone from all backups after 30 days" in _row(page, "retention-backups")


class TestOtherFigures:
    @pytest.fixture
    def config_overrides(self):
        return {
            "SECURITY_EVENT_RETENTION_DAYS": 180,
            "OUTBOX_RETENTION_DAYS": 1,
            "ACTIVITY_RETENTION_DAYS": 400,
            "BACKUP_RETENTION_DAYS": 14,
        }

    def test_the_page_follows_the_configuration(self, client):
        page = client.get("/retention").get_data(as_text=True)

        assert "180 days" in _row(page, "retention-security-events")
        assert "1 day" in _row(page, "retention-outbox") and "1 days" not in page
        assert "400 days" in _row(page, "retention-activity")
        assert "after 14 days" in _row(page, "retention-backups")


@pytest.mark.parametrize("role", ["anonymous", "guest", "delegate", "admin"])
def test_everyone_reads_the_page_like_the_protocol(role, person, anonymous, guest, client, login):
    if role == "guest":
        login(client, guest)
    elif role != "anonymous":
        login(client, person(role))
    response = client.get("/retention")

    assert response.status_code == 200
    assert "What the forum keeps" in response.get_data(as_text=True)


def test_the_page_is_linked_from_the_footer_and_the_protocol(app, client):
    page = client.get("/protocol").get_data(as_text=True)

    assert page.count('href="/retention"') == 2


# Guests' accounts ---------------------------------------------------------------------------------


def test_a_guest_account_is_deactivated_the_set_time_after_the_invitation_ended(app, guest, frozen_clock):
    from forum.audit import AuditEvent

    frozen_clock.advance(days=7, seconds=1)  # the discussion closes: the invitation expires
    assert _tick()["guest invitations expired"]
    frozen_clock.advance(days=app.config["GUEST_ACCOUNT_DAYS"], seconds=-2)
    assert _tick()["guest accounts deactivated"] == []
    assert db.session.get(type(guest), guest.id).active  # still time to download their data
    frozen_clock.advance(seconds=3)
    assert [user.id for user in _tick()["guest accounts deactivated"]] == [guest.id]
    db.session.expire_all()
    assert not guest.active
    assert (
        db.session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "guest.account_deactivate")
        )
        == 1
    )
    assert _tick()["guest accounts deactivated"] == []  # once


def test_a_guest_with_a_running_invitation_keeps_the_account(app, guest, guest_invitation, frozen_clock):
    from forum.guests.models import GuestInvitation, InvitationStatus

    frozen_clock.advance(days=7, seconds=1)
    _tick()
    # A second invitation, still running, for the same guest account.
    db.session.add(
        GuestInvitation(
            discussion_id=guest_invitation.discussion_id,
            requested_by_id=guest_invitation.requested_by_id,
            guest_name="Amina Odhiambo",
            email=guest.email,
            organisation="University",
            organisation_kind=guest_invitation.organisation_kind,
            justification="Another discussion.",
            status=InvitationStatus.accepted,
            guest_user_id=guest.id,
            ends_at=clock.now() + timedelta(days=90),
        )
    )
    db.session.commit()
    frozen_clock.advance(days=app.config["GUEST_ACCOUNT_DAYS"] + 1)
    assert _tick()["guest accounts deactivated"] == []
    assert db.session.get(type(guest), guest.id).active


def test_members_are_never_deactivated_by_the_guest_step(app, delegate, frozen_clock):
    frozen_clock.advance(days=400)
    assert _tick()["guest accounts deactivated"] == []
    assert delegate.active
