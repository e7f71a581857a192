"""The calendar link on the profile, and one discussion's .ics download (forum.calendar.views)."""

import re
from datetime import timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import func, select

from forum.calendar.models import CalendarFeed
from forum.extensions import db
from forum.rooms.models import Language
from forum.rooms.service import add_language
from tests.helpers import weekly

BASE_URL = "https://forum.example.org"
ADDRESS = re.compile(r'value="(https://forum\.example\.org/calendar/([A-Za-z0-9_-]+)\.ics)"')


@pytest.fixture
def config_overrides():
    return {"FORUM_BASE_URL": BASE_URL}


def feeds():
    return db.session.scalar(select(func.count()).select_from(CalendarFeed))


# The profile's calendar link ----------------------------------------------------------------


def test_profile_creates_shows_once_and_revokes_the_link(app, client, login, frozen_clock, moderator, delegate):
    weekly.schedule(moderator)
    login(client, delegate)
    page = client.get("/profile").get_data(as_text=True)
    assert "Create calendar link" in page
    assert 'action="/profile/calendar"' in page

    response = client.post("/profile/calendar")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/profile#calendar")
    page = client.get("/profile").get_data(as_text=True)
    address, token = ADDRESS.search(page).groups()
    # Ready to paste into a calendar app, or to open in one.
    assert f'href="webcal://forum.example.org/calendar/{token}.ics"' in page
    assert app.test_client().get(f"/calendar/{token}.ics").status_code == 200

    # Shown once: the token is not stored, only its hash.
    page = client.get("/profile").get_data(as_text=True)
    assert not ADDRESS.search(page)
    assert token not in page
    assert "You have a calendar link" in page
    assert "Revoke" in page

    assert client.post("/profile/calendar/revoke").status_code == 302
    assert feeds() == 0
    assert app.test_client().get(f"/calendar/{token}.ics").status_code == 404
    assert "Create calendar link" in client.get("/profile").get_data(as_text=True)


def test_creating_a_new_link_revokes_the_old_one(app, client, login, delegate):
    login(client, delegate)
    client.post("/profile/calendar")
    first = ADDRESS.search(client.get("/profile").get_data(as_text=True)).group(2)
    client.post("/profile/calendar")
    second = ADDRESS.search(client.get("/profile").get_data(as_text=True)).group(2)
    assert first != second
    assert feeds() == 1
    assert app.test_client().get(f"/calendar/{first}.ics").status_code == 404
    assert app.test_client().get(f"/calendar/{second}.ics").status_code == 200


def test_a_guest_has_a_calendar_link_too(app, client, login, guest):
    login(client, guest)
    assert "Create calendar link" in client.get("/profile").get_data(as_text=True)
    assert client.post("/profile/calendar").status_code == 302
    assert ADDRESS.search(client.get("/profile").get_data(as_text=True))


@pytest.mark.parametrize("path", ["/profile/calendar", "/profile/calendar/revoke"])
def test_get_on_the_link_buttons_is_not_allowed(client, login, delegate, path):
    login(client, delegate)
    assert client.get(path).status_code == 405
    assert feeds() == 0


def test_revoking_without_a_link_says_so_and_changes_nothing(client, login, delegate):
    login(client, delegate)
    response = client.post("/profile/calendar/revoke", follow_redirects=True)
    assert "You have no calendar link." in response.get_data(as_text=True)
    assert feeds() == 0


def test_signed_out_visitors_are_sent_to_the_login(client):
    response = client.post("/profile/calendar")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
    assert feeds() == 0


def test_a_token_shown_once_is_not_shown_after_it_was_replaced_elsewhere(app, client, login, delegate):
    """Two tabs: the first creates a link, the second replaces it before the first profile is shown."""
    from forum.calendar import service

    login(client, delegate)
    client.post("/profile/calendar")
    service.create_feed(by=delegate)
    db.session.commit()
    assert not ADDRESS.search(client.get("/profile").get_data(as_text=True))


class TestWithCsrf:
    @pytest.fixture
    def config_overrides(self):
        return {"FORUM_BASE_URL": BASE_URL, "WTF_CSRF_ENABLED": True}

    def test_the_buttons_need_the_csrf_token(self, client, login, delegate):
        login(client, delegate)
        assert client.post("/profile/calendar").status_code == 400
        assert feeds() == 0

        page = client.get("/profile").get_data(as_text=True)
        token = re.search(r'action="/profile/calendar">\s*<input type="hidden" name="csrf_token" value="([^"]+)"', page)
        assert client.post("/profile/calendar", data={"csrf_token": token.group(1)}).status_code == 302
        assert feeds() == 1
        assert client.post("/profile/calendar/revoke").status_code == 400
        assert feeds() == 1


# One discussion's .ics ---------------------------------------------------------------------------


def test_a_discussion_page_offers_its_ics_file(app, client, login, frozen_clock, moderator, make_user):
    discussion = weekly.schedule(moderator)
    delegate = make_user(locale="es")
    login(client, delegate)
    page = client.get(f"/topics/discussions/{discussion.id}").get_data(as_text=True)
    assert f'href="/topics/discussions/{discussion.id}.ics"' in page

    response = client.get(f"/topics/discussions/{discussion.id}.ics")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.headers["Content-Disposition"] == f'attachment; filename="discussion-{discussion.id}.ics"'
    (event,) = Calendar.from_ical(response.data).walk("VEVENT")
    # The same event as in the feed: same UID, so importing both makes one entry.
    assert str(event["uid"]) == f"discussion-{discussion.id}@forum.example.org"
    assert str(event["summary"]) == "Sharing evaluation methods (es)"
    assert event["dtstart"].dt == weekly.MONDAY_NEXT
    assert event["dtend"].dt == weekly.MONDAY_NEXT + timedelta(days=7)


def test_the_ics_file_answers_404_to_those_who_may_not_see_the_discussion(
    app, client, login, frozen_clock, moderator, make_user, guest, guest_invitation
):
    add_language("pt", by=moderator)
    db.session.commit()
    portuguese = weekly.schedule(moderator, codes=("pt",))
    db.session.get(Language, "pt").active = False
    db.session.commit()

    login(client, make_user())
    assert client.get(f"/topics/discussions/{portuguese.id}.ics").status_code == 404
    assert client.get("/topics/discussions/999999.ics").status_code == 404
    assert client.get("/topics/discussions/99999999999999.ics").status_code == 404
    # Guests have no discussion pages, their own discussion's neither (their feed has it).
    login(client, guest)
    assert client.get(f"/topics/discussions/{guest_invitation.discussion_id}.ics").status_code == 404
    # Those who moderate the language still do.
    login(client, make_user("language_moderator", languages=("pt",)))
    assert client.get(f"/topics/discussions/{portuguese.id}.ics").status_code == 200


def test_the_ics_file_needs_a_signed_in_user(client, frozen_clock, moderator):
    discussion = weekly.schedule(moderator)
    response = client.get(f"/topics/discussions/{discussion.id}.ics")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_a_cancelled_discussions_file_says_so(client, login, frozen_clock, moderator, delegate):
    from forum.discussions import service as discussions

    discussion = weekly.schedule(moderator)
    discussions.cancel_discussion(discussion, by=moderator, reason="No speakers.")
    db.session.commit()
    login(client, delegate)
    (event,) = Calendar.from_ical(client.get(f"/topics/discussions/{discussion.id}.ics").data).walk("VEVENT")
    assert str(event["status"]) == "CANCELLED"
    assert int(event["sequence"]) == 1
