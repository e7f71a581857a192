"""Cancelling a weekly discussion before it opens (forum.discussions.service.cancel_discussion)."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from forum import clock
from forum.audit import AuditEvent
from forum.discussions import service as discussions
from forum.errors import Invalid, NotAllowed
from forum.extensions import db
from forum.notifications.models import Notification
from tests.helpers import weekly
from tests.helpers.weekly import MANAGERS, MONDAY_NEXT, ROLES


@pytest.fixture
def clock_(frozen_clock):
    return frozen_clock


def cancel_events():
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == "discussion.cancel")).all()


def test_a_moderator_cancels_with_a_reason_through_the_page(client, login, clock_, moderator):
    discussion = weekly.schedule(moderator)
    login(client, moderator)
    page = client.get(f"/topics/discussions/{discussion.id}").get_data(as_text=True)
    assert f'href="/topics/discussions/{discussion.id}/cancel"' in page
    assert client.get(f"/topics/discussions/{discussion.id}/cancel").status_code == 200

    response = client.post(f"/topics/discussions/{discussion.id}/cancel", data={"reason": "The speakers cannot come."})
    assert response.status_code == 302
    db.session.refresh(discussion)
    assert discussion.is_cancelled
    assert discussion.status.is_cancelled
    assert discussion.cancelled_by_id == moderator.id
    assert discussion.cancel_reason == "The speakers cannot come."
    assert discussion.sequence == 1
    (event,) = cancel_events()
    assert event.actor_id == moderator.id
    assert event.target_id == discussion.id
    assert event.reason == "The speakers cannot come."

    page = client.get(f"/topics/discussions/{discussion.id}").get_data(as_text=True)
    assert "Cancelled" in page
    assert "The speakers cannot come." in page
    # Nothing left to run: no cancel, reschedule or edit buttons.
    assert "/cancel" not in page
    assert f"/topics/discussions/{discussion.id}/schedule" not in page


@pytest.mark.parametrize("role", ROLES)
def test_who_may_cancel(clock_, moderator, person, role):
    discussion = weekly.schedule(moderator, codes=("fr",))
    actor = person(role)
    if role in MANAGERS:
        discussions.cancel_discussion(discussion, by=actor, reason="Moved to the committee's session.")
        assert discussion.is_cancelled
    else:
        with pytest.raises(NotAllowed):
            discussions.cancel_discussion(discussion, by=actor, reason="Moved to the committee's session.")
        assert not discussion.is_cancelled


def test_a_delegate_gets_403_and_nothing_changes(client, login, clock_, moderator, delegate):
    discussion = weekly.schedule(moderator)
    login(client, delegate)
    assert client.get(f"/topics/discussions/{discussion.id}/cancel").status_code == 403
    assert client.post(f"/topics/discussions/{discussion.id}/cancel", data={"reason": "Mine"}).status_code == 403
    assert "/cancel" not in client.get(f"/topics/discussions/{discussion.id}").get_data(as_text=True)
    db.session.refresh(discussion)
    assert not discussion.is_cancelled
    assert cancel_events() == []


def test_a_language_moderator_of_another_language_gets_403(client, login, clock_, moderator, make_user):
    discussion = weekly.schedule(moderator, codes=("fr",))
    login(client, make_user("language_moderator", languages=("es",)))
    assert client.post(f"/topics/discussions/{discussion.id}/cancel", data={"reason": "No"}).status_code == 403


def test_unknown_discussion_is_404(client, login, moderator):
    login(client, moderator)
    assert client.post("/topics/discussions/987654/cancel", data={"reason": "No"}).status_code == 404


@pytest.mark.parametrize("reason", ["", "   \n  ", "x" * (discussions.CANCEL_REASON_MAX_LENGTH + 1)])
def test_a_reason_is_required_and_bounded(client, login, clock_, moderator, reason):
    discussion = weekly.schedule(moderator)
    login(client, moderator)
    response = client.post(f"/topics/discussions/{discussion.id}/cancel", data={"reason": reason})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Give the reason for cancelling the discussion." in page or "The reason is too long" in page
    db.session.refresh(discussion)
    assert not discussion.is_cancelled
    assert discussion.sequence == 0
    assert cancel_events() == []


def test_an_opened_discussion_can_no_longer_be_cancelled(client, login, clock_, moderator):
    discussion = weekly.schedule(moderator)
    clock_.set(MONDAY_NEXT + timedelta(minutes=1))
    login(client, moderator)
    assert "/cancel" not in client.get(f"/topics/discussions/{discussion.id}").get_data(as_text=True)
    response = client.post(f"/topics/discussions/{discussion.id}/cancel", data={"reason": "Too late"})
    assert response.status_code == 400
    assert "This discussion has already opened: it can no longer be cancelled." in response.get_data(as_text=True)
    db.session.refresh(discussion)
    assert not discussion.is_cancelled
    assert cancel_events() == []


def test_cancelling_twice_is_refused(clock_, moderator):
    discussion = weekly.schedule(moderator)
    discussions.cancel_discussion(discussion, by=moderator, reason="First")
    with pytest.raises(Invalid, match="cancelled"):
        discussions.cancel_discussion(discussion, by=moderator, reason="Second")
    assert len(cancel_events()) == 1


def test_a_cancelled_discussion_no_longer_changes(clock_, moderator):
    discussion = weekly.schedule(moderator)
    discussions.cancel_discussion(discussion, by=moderator, reason="No speakers")
    db.session.commit()
    later = MONDAY_NEXT + timedelta(days=1)
    with pytest.raises(Invalid, match="cancelled"):
        discussions.reschedule_discussion(discussion, by=moderator, opens_at=later, closes_at=later + timedelta(days=7))
    with pytest.raises(Invalid, match="cancelled"):
        texts = weekly.texts("en", "fr", "es", title="New")
        discussions.edit_discussion(discussion, by=moderator, category_id=discussion.category_id, texts=texts)
    clock_.set(MONDAY_NEXT + timedelta(hours=1))
    with pytest.raises(Invalid, match="cancelled"):
        discussions.close_discussion(discussion, by=moderator)
    assert discussion.sequence == 1


def test_its_threads_are_never_readable_not_even_by_moderators(client, login, clock_, moderator, delegate):
    discussion = weekly.schedule(moderator)
    threads = weekly.threads(discussion)
    login(client, moderator)
    assert client.get(f"/t/{threads['en'].id}").status_code == 200
    assert f"/t/{threads['fr'].id}" in client.get(f"/rooms/{threads['fr'].room.slug}").get_data(as_text=True)
    discussions.cancel_discussion(discussion, by=moderator, reason="No speakers")
    db.session.commit()

    assert client.get(f"/t/{threads['en'].id}").status_code == 404
    # Nor after the time it would have opened, for anyone; and its room does not list it.
    clock_.set(MONDAY_NEXT + timedelta(hours=1))
    for user in (moderator, delegate):
        login(client, user)
        assert client.get(f"/t/{threads['fr'].id}").status_code == 404
        room = client.get(f"/rooms/{threads['fr'].room.slug}")
        assert room.status_code == 200
        assert f"/t/{threads['fr'].id}" not in room.get_data(as_text=True)


def test_a_cancelled_discussion_is_never_announced(clock_, moderator, delegate):
    discussion = weekly.schedule(moderator)
    discussions.cancel_discussion(discussion, by=moderator, reason="No speakers")
    db.session.commit()
    clock_.set(MONDAY_NEXT + timedelta(minutes=1))
    assert discussions.announce_opened_discussions(clock.now()) == []
    kinds = db.session.scalars(select(Notification.kind).where(Notification.user_id == delegate.id)).all()
    assert "discussion_opened" not in kinds


def test_the_topics_page_shows_it_as_cancelled_and_never_as_open_or_held(client, login, clock_, moderator, delegate):
    discussion = weekly.schedule(moderator)
    discussions.cancel_discussion(discussion, by=moderator, reason="No speakers")
    db.session.commit()
    login(client, delegate)
    page = client.get("/topics").get_data(as_text=True)
    assert 'class="status status-cancelled">Cancelled<' in page

    # Past its times: it was never open and never held.
    for moment in (MONDAY_NEXT + timedelta(hours=1), MONDAY_NEXT + timedelta(days=8)):
        clock_.set(moment)
        page = client.get("/topics").get_data(as_text=True)
        open_now = page.split('id="current-heading"')[1].split("</section>")[0]
        held = page.split('id="held-heading"')[1].split("</section>")[0]
        assert "Sharing evaluation methods" not in open_now
        assert "Sharing evaluation methods" not in held


def test_guests_can_no_longer_be_requested_for_it(clock_, moderator, delegate):
    from forum.guests import service as guests

    discussion = weekly.schedule(moderator)
    discussions.cancel_discussion(discussion, by=moderator, reason="No speakers")
    with pytest.raises(Invalid, match="cancelled"):
        guests.request_guest(
            discussion,
            by=delegate,
            guest_name="Kofi Mensah",
            email="kofi@example.org",
            organisation="University of Ghana",
            organisation_kind="academic",
            justification="Runs a patent clinic.",
        )
