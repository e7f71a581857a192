"""Calendar feeds (forum.calendar): what a private feed holds, for whom, and how it follows changes.

Every feed is read the way a calendar app reads it: over HTTP without a
session, and parsed with the `icalendar` library.
"""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from sqlalchemy import select

from forum.calendar import service as calendar
from forum.discussions import service as discussions
from forum.extensions import db
from forum.rooms.models import Language
from forum.rooms.service import add_language
from tests.helpers import weekly
from tests.helpers.weekly import MONDAY_NEXT

BASE_URL = "https://forum.example.org"


@pytest.fixture
def config_overrides():
    return {"FORUM_BASE_URL": BASE_URL}


@pytest.fixture
def clock_(frozen_clock):
    return frozen_clock


def new_feed(user):
    _, token = calendar.create_feed(by=user)
    db.session.commit()
    return token


def fetch(app, token):
    """The feed as a calendar app gets it: a fresh client, no session."""
    return app.test_client().get(f"/calendar/{token}.ics")


def feed_events(app, user, token=None):
    response = fetch(app, token or new_feed(user))
    assert response.status_code == 200
    return events_of(response.data)


def events_of(body):
    """{UID: VEVENT} of an iCalendar text."""
    return {str(event["uid"]): event for event in Calendar.from_ical(body).walk("VEVENT")}


def uid(discussion):
    return f"discussion-{discussion.id}@forum.example.org"


def thread_url(discussion, code):
    return f"{BASE_URL}/t/{weekly.threads(discussion)[code].id}"


# What a feed holds ----------------------------------------------------------------------


def test_feed_is_an_icalendar_file_with_one_event_per_discussion(app, clock_, moderator, make_user):
    delegate = make_user(locale="fr")
    first = weekly.schedule(moderator)
    second = weekly.schedule(moderator, opens_at=MONDAY_NEXT + timedelta(days=7), closes_at=None)
    response = fetch(app, new_feed(delegate))

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert "private" in response.headers["Cache-Control"]
    parsed = Calendar.from_ical(response.data)
    assert str(parsed["version"]) == "2.0"
    assert "CDIP" in str(parsed["prodid"])
    assert str(parsed["x-wr-calname"])
    events = events_of(response.data)
    assert set(events) == {uid(first), uid(second)}

    event = events[uid(first)]
    assert event["dtstart"].dt == MONDAY_NEXT
    assert event["dtend"].dt == MONDAY_NEXT + timedelta(days=7)
    # Titled in the owner's interface language, and linked to the thread in it.
    assert str(event["summary"]) == "Sharing evaluation methods (fr)"
    assert str(event["url"]) == thread_url(first, "fr")
    assert thread_url(first, "fr") in str(event["description"])
    assert int(event["sequence"]) == 0
    assert str(event["status"]) == "CONFIRMED"
    assert event["dtstamp"].dt == clock_.now
    assert event["last-modified"].dt == clock_.now
    # Open-ended: an event at the opening instant, without a closing that nobody scheduled.
    assert "dtend" not in events[uid(second)]
    assert "duration" not in events[uid(second)]


@pytest.mark.parametrize(
    "zone, locale, title, local_opening",
    [
        # Geneva keeps Swiss time (Europe/Zurich): Monday 09:00 there.
        ("Europe/Zurich", "fr", "Sharing evaluation methods (fr)", (30, 9)),
        ("America/New_York", "es", "Sharing evaluation methods (es)", (30, 3)),
        ("Asia/Tokyo", "en", "Sharing evaluation methods (en)", (30, 17)),
    ],
)
def test_the_same_instant_for_every_time_zone_and_the_title_in_the_owners_language(
    app, clock_, moderator, make_user, zone, locale, title, local_opening
):
    discussion = weekly.schedule(moderator)
    owner = make_user(locale=locale, timezone=zone)
    event = feed_events(app, owner)[uid(discussion)]

    # Times travel in UTC: each calendar app shows them in its own zone.
    assert event["dtstart"].to_ical() == b"20261130T080000Z"
    assert event["dtstart"].dt == MONDAY_NEXT
    local = event["dtstart"].dt.astimezone(ZoneInfo(zone))
    assert (local.day, local.hour) == local_opening
    assert str(event["summary"]) == title


def test_a_language_the_discussion_does_not_run_in_falls_back_to_english(app, clock_, moderator, make_user):
    discussion = weekly.schedule(moderator, codes=("en", "fr"))
    event = feed_events(app, make_user(locale="zh"))[uid(discussion)]
    assert str(event["summary"]) == "Sharing evaluation methods (en)"
    assert str(event["url"]) == thread_url(discussion, "en")


# Changes -------------------------------------------------------------------------------------


def test_rescheduling_keeps_the_uid_and_raises_the_sequence(app, clock_, moderator, delegate):
    discussion = weekly.schedule(moderator)
    token = new_feed(delegate)
    before = feed_events(app, delegate, token)[uid(discussion)]

    clock_.advance(hours=1)
    later = MONDAY_NEXT + timedelta(days=1)
    discussions.reschedule_discussion(discussion, by=moderator, opens_at=later, closes_at=later + timedelta(days=7))
    db.session.commit()
    after = feed_events(app, delegate, token)[uid(discussion)]

    assert int(after["sequence"]) == int(before["sequence"]) + 1
    assert after["dtstart"].dt == later
    assert after["last-modified"].dt == clock_.now


def test_a_new_title_raises_the_sequence_and_a_new_opening_message_does_not(app, clock_, moderator, make_user):
    delegate = make_user(locale="fr")
    discussion = weekly.schedule(moderator)
    token = new_feed(delegate)
    texts = weekly.texts("en", "fr", "es")

    texts["en"] = discussions.TextInput(texts["en"].title, "A clearer opening message.")
    discussions.edit_discussion(discussion, by=moderator, category_id=discussion.category_id, texts=texts)
    db.session.commit()
    assert int(feed_events(app, delegate, token)[uid(discussion)]["sequence"]) == 0

    texts["fr"] = discussions.TextInput("Méthodes d'évaluation", texts["fr"].body)
    discussions.edit_discussion(discussion, by=moderator, category_id=discussion.category_id, texts=texts)
    db.session.commit()
    event = feed_events(app, delegate, token)[uid(discussion)]
    assert int(event["sequence"]) == 1
    assert str(event["summary"]) == "Méthodes d'évaluation"


def test_closing_early_moves_the_end_and_raises_the_sequence(app, clock_, moderator, delegate):
    discussion = weekly.schedule(moderator)
    token = new_feed(delegate)
    clock_.set(MONDAY_NEXT + timedelta(days=2))
    discussions.close_discussion(discussion, by=moderator)
    db.session.commit()
    event = feed_events(app, delegate, token)[uid(discussion)]
    assert event["dtend"].dt == clock_.now
    assert int(event["sequence"]) == 1


def test_a_cancelled_discussion_stays_in_the_feed_as_cancelled(app, clock_, moderator, delegate):
    discussion = weekly.schedule(moderator)
    token = new_feed(delegate)
    before = feed_events(app, delegate, token)[uid(discussion)]

    discussions.cancel_discussion(discussion, by=moderator, reason="The speakers cannot come.")
    db.session.commit()
    after = feed_events(app, delegate, token)[uid(discussion)]

    assert str(after["status"]) == "CANCELLED"
    assert int(after["sequence"]) == int(before["sequence"]) + 1
    assert after["dtstart"].dt == before["dtstart"].dt
    # Its threads never open: the event leads to the discussion's page instead.
    assert str(after["url"]) == f"{BASE_URL}/topics/discussions/{discussion.id}"

    # Still there (and still cancelled) once its opening time has passed.
    clock_.set(MONDAY_NEXT + timedelta(days=1))
    assert str(feed_events(app, delegate, token)[uid(discussion)]["status"]) == "CANCELLED"


# Who sees what --------------------------------------------------------------------------------


def test_a_guests_feed_shows_only_their_discussion_and_leads_to_their_thread(
    app, clock_, guest, guest_invitation, moderator, delegate
):
    other = weekly.schedule(moderator)
    guest.locale = "es"
    db.session.commit()

    guest_events = feed_events(app, guest)
    assert set(guest_events) == {uid(guest_invitation.discussion)}
    assert str(guest_events[uid(guest_invitation.discussion)]["url"]) == thread_url(guest_invitation.discussion, "es")
    assert set(feed_events(app, delegate)) == {uid(guest_invitation.discussion), uid(other)}


def test_a_guest_invited_to_one_language_is_sent_to_that_thread(app, clock_, guest, guest_invitation):
    guest_invitation.languages = ["fr"]
    guest.locale = "en"
    db.session.commit()
    event = feed_events(app, guest)[uid(guest_invitation.discussion)]
    # Titled in the guest's language, but linked to the one thread they may open.
    assert str(event["summary"]) == "Guest discussion (en)"
    assert str(event["url"]) == thread_url(guest_invitation.discussion, "fr")


def test_a_guests_feed_empties_when_the_invitation_is_revoked(app, clock_, guest, guest_invitation, moderator):
    from forum.guests import service as guests

    token = new_feed(guest)
    assert feed_events(app, guest, token)
    guests.revoke_invitation(guest_invitation, by=moderator, reason="Left the organisation.")
    db.session.commit()
    assert feed_events(app, guest, token) == {}


def test_one_users_feed_never_shows_what_only_another_may_see(app, clock_, moderator, make_user, delegate):
    """A discussion held in a language since deactivated: its moderator still knows of it, a delegate does not."""
    add_language("pt", by=moderator)
    db.session.commit()
    portuguese = weekly.schedule(moderator, codes=("pt",))
    shared = weekly.schedule(moderator, codes=("en",))
    db.session.get(Language, "pt").active = False
    db.session.commit()
    portuguese_moderator = make_user("language_moderator", languages=("pt",))

    assert set(feed_events(app, portuguese_moderator)) == {uid(portuguese), uid(shared)}
    assert set(feed_events(app, delegate)) == {uid(shared)}


def test_a_feed_is_its_owners_whoever_else_is_signed_in(app, clock_, guest, guest_invitation, moderator, login):
    """The token decides, not the session of whoever fetches it."""
    weekly.schedule(moderator)
    token = new_feed(guest)
    client = login(app.test_client(), moderator)
    events = events_of(client.get(f"/calendar/{token}.ics").data)
    assert set(events) == {uid(guest_invitation.discussion)}


def test_old_discussions_leave_the_feed_after_a_year(app, clock_, moderator, delegate):
    old = weekly.schedule(moderator)
    token = new_feed(delegate)
    clock_.set(MONDAY_NEXT + timedelta(days=360))
    assert uid(old) in feed_events(app, delegate, token)
    clock_.set(MONDAY_NEXT + timedelta(days=370))
    assert uid(old) not in feed_events(app, delegate, token)


def test_the_feed_takes_the_same_number_of_queries_for_1_or_12_discussions(
    app, clock_, moderator, delegate, count_queries
):
    token = new_feed(delegate)
    weekly.schedule(moderator)
    client = app.test_client()
    with count_queries() as one:
        assert client.get(f"/calendar/{token}.ics").status_code == 200
    for week in range(1, 12):
        start = MONDAY_NEXT + timedelta(weeks=week)
        weekly.schedule(moderator, opens_at=start, closes_at=start + timedelta(days=7))
    db.session.expunge_all()
    with count_queries() as twelve:
        events = events_of(client.get(f"/calendar/{token}.ics").data)
    assert len(events) == 12
    assert twelve.count == one.count <= 8


# Tokens -------------------------------------------------------------------------------------------


def test_revoked_and_unknown_tokens_answer_404_and_a_new_token_works(app, clock_, moderator, delegate):
    weekly.schedule(moderator)
    first = new_feed(delegate)
    assert fetch(app, first).status_code == 200

    # A new link revokes the old one.
    second = new_feed(delegate)
    assert fetch(app, first).status_code == 404
    assert fetch(app, second).status_code == 200

    calendar.revoke_feed(by=delegate)
    db.session.commit()
    assert fetch(app, second).status_code == 404
    assert fetch(app, "x" * 43).status_code == 404

    third = new_feed(delegate)
    assert fetch(app, third).status_code == 200


def test_only_the_hash_of_a_token_is_stored(app, delegate):
    from forum.calendar.models import CalendarFeed
    from forum.tokens import hash_token

    token = new_feed(delegate)
    stored = db.session.scalar(select(CalendarFeed).where(CalendarFeed.user_id == delegate.id))
    assert stored.token_hash == hash_token(token)
    assert token not in stored.token_hash


@pytest.mark.parametrize(
    "token",
    ["short", "a" * 101, "..%2F..%2Fetc%2Fpasswd", "%00" * 20, "' OR 1=1 --aaaaaaaaaaaaaaaaaaaa", "Ä" * 43],
)
def test_hostile_tokens_answer_404(app, delegate, token):
    new_feed(delegate)
    assert fetch(app, token).status_code == 404


def test_a_deactivated_accounts_feed_answers_404(app, clock_, moderator, delegate):
    weekly.schedule(moderator)
    token = new_feed(delegate)
    delegate.active = False
    db.session.commit()
    assert fetch(app, token).status_code == 404


def test_reading_a_feed_changes_nothing(app, clock_, moderator, delegate, count_queries):
    weekly.schedule(moderator)
    token = new_feed(delegate)
    with count_queries() as queries:
        fetch(app, token)
        fetch(app, "y" * 43)
    assert not [sql for sql in queries.statements if sql.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]


def test_times_are_utc_in_the_file(app, clock_, moderator, delegate):
    weekly.schedule(moderator)
    body = fetch(app, new_feed(delegate)).data.decode()
    assert "DTSTART:20261130T080000Z" in body
    assert "DTEND:20261207T080000Z" in body
    assert "TZID" not in body
