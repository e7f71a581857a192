"""The member home page: this week's discussions, the latest activity, the rooms (forum.main.home)."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from forum.discussions import service as discussions
from forum.extensions import db
from forum.rooms.models import Language
from forum.rooms.service import add_language, get_room, set_language_active
from forum.threads import service as threads
from forum.threads.models import ReadMarker
from tests.helpers import weekly

# The clock fixture starts on Monday 23 November 2026, 10:00 UTC; MONDAY_NEXT is 30 November, 08:00 UTC.


def schedule(by, opens_at, closes_at, codes=("en", "fr", "es"), title="Sharing evaluation methods"):
    discussion = discussions.schedule_discussion(
        by=by,
        category_id=weekly.category().id,
        texts=weekly.texts(*codes, title=title),
        opens_at=opens_at,
        closes_at=closes_at,
    )
    db.session.commit()
    return discussion


def open_now(clock, by, days=7, **kwargs):
    return schedule(by, clock.now, clock.now + timedelta(days=days), **kwargs)


def this_week(page):
    """The "This week" section of a home page."""
    start = page.index('id="this-week-heading"')
    return page[start : page.index("</section>", start)]


def latest(page):
    start = page.index('id="latest-heading"')
    return page[start : page.index("</section>", start)]


def home(client, user, login):
    login(client, user)
    response = client.get("/")
    assert response.status_code == 200
    return response.get_data(as_text=True)


# This week -----------------------------------------------------------------------------------


def test_open_discussion_leads_in_the_readers_language_with_the_other_languages_counts(
    client, login, make_user, moderator, frozen_clock
):
    discussion = open_now(frozen_clock, moderator)
    linked = weekly.threads(discussion)
    for index in range(12):
        threads.reply(linked["fr"], author=moderator, body=f"Réponse {index}")
    for index in range(4):
        threads.reply(linked["es"], author=moderator, body=f"Respuesta {index}")
    db.session.commit()

    section = this_week(home(client, make_user(locale="en"), login))

    # The way in: one click into the English thread, titled in English.
    assert f'href="/t/{linked["en"].id}" lang="en" dir="auto">Sharing evaluation methods (en)</a>' in section
    assert re.search(rf'<a class="button" href="/t/{linked["en"].id}">\s*Join the discussion\s*</a>', section)
    assert "(fr)" not in section.split("Also in:")[0]
    # The other languages, named in themselves, with their replies.
    also = section.split("Also in:")[1]
    assert f'href="/t/{linked["fr"].id}" lang="fr" hreflang="fr">Français</a> (12 replies)' in also
    assert f'href="/t/{linked["es"].id}" lang="es" hreflang="es">Español</a> (4 replies)' in also
    assert "English" not in also


def test_a_french_reader_is_led_to_the_french_thread(client, login, make_user, moderator, frozen_clock):
    linked = weekly.threads(open_now(frozen_clock, moderator))
    section = this_week(home(client, make_user(locale="fr"), login))
    assert f'href="/t/{linked["fr"].id}" lang="fr" dir="auto">Sharing evaluation methods (fr)</a>' in section
    also = section.split("Également en :")[1]
    assert "English" in also and "Español" in also and "Français" not in also


def test_without_the_readers_language_the_first_language_leads(client, login, make_user, moderator, frozen_clock):
    linked = weekly.threads(open_now(frozen_clock, moderator, codes=("en", "es")))
    section = this_week(home(client, make_user(locale="fr"), login))
    # In English (the first language in order), named, since it is not the reader's.
    assert f'<a class="button" href="/t/{linked["en"].id}">' in section
    assert '(<span lang="en">English</span>)' in section


def test_discussions_in_the_readers_language_come_first(client, login, make_user, moderator, frozen_clock):
    english_only = open_now(frozen_clock, moderator, codes=("en",), title="English only")
    french = open_now(frozen_clock, moderator, codes=("fr", "es"), title="Avec le français")
    section = this_week(home(client, make_user(locale="fr"), login))
    assert section.index(f"weekly-{french.id}") < section.index(f"weekly-{english_only.id}")


def test_time_left_is_humanised_in_the_readers_language(client, login, make_user, moderator, frozen_clock):
    schedule(moderator, frozen_clock.now, frozen_clock.now + timedelta(days=2, hours=20))
    assert "Closes in 3 days" in this_week(home(client, make_user(locale="en"), login))
    assert "dans 3 jours" in this_week(home(client, make_user(locale="fr"), login))


def test_an_open_ended_discussion_says_so(client, login, make_user, moderator, frozen_clock):
    schedule(moderator, frozen_clock.now, None)
    assert "open-ended" in this_week(home(client, make_user(), login))


def test_unread_replies_lead_to_the_first_unread(client, login, make_user, moderator, frozen_clock):
    linked = weekly.threads(open_now(frozen_clock, moderator))
    reader = make_user()
    login(client, reader)
    client.get(f"/t/{linked['en'].id}")
    threads.reply(linked["en"], author=moderator, body="Something new")
    db.session.commit()
    section = this_week(client.get("/").get_data(as_text=True))
    assert f'href="/t/{linked["en"].id}/unread">' in section
    assert "1 new" in section


@pytest.mark.parametrize(
    "zone,expected",
    [
        ("Europe/Zurich", "Monday, November 30, 2026, 9:00\u202fAM"),
        ("Asia/Tokyo", "Monday, November 30, 2026, 5:00\u202fPM"),
    ],
)
def test_next_discussion_opens_at_a_time_in_the_readers_zone(
    client, login, make_user, moderator, frozen_clock, zone, expected
):
    schedule(moderator, weekly.MONDAY_NEXT, weekly.MONDAY_NEXT + timedelta(days=7), title="Next week")
    section = this_week(home(client, make_user(timezone=zone), login))
    assert "Next week (en)" in section
    assert expected in section.split("Next:")[1]


def test_only_the_next_scheduled_discussion_is_announced(client, login, make_user, moderator, frozen_clock):
    schedule(moderator, weekly.MONDAY_NEXT, weekly.MONDAY_NEXT + timedelta(days=7), title="Next week")
    later = weekly.MONDAY_NEXT + timedelta(days=7)
    schedule(moderator, later, later + timedelta(days=7), title="The week after")
    section = this_week(home(client, make_user(), login))
    assert "Next week (en)" in section and "The week after" not in section


def test_a_scheduled_discussion_shows_its_title_and_date_never_its_thread(
    client, login, make_user, moderator, frozen_clock, french_moderator
):
    discussion = schedule(moderator, weekly.MONDAY_NEXT, weekly.MONDAY_NEXT + timedelta(days=7), title="Next week")
    linked = weekly.threads(discussion)
    for reader in (make_user(), french_moderator):
        page = home(client, reader, login)
        assert "Next week (en)" in this_week(page)
        # Neither the opening messages nor a way into the threads before they open.
        assert "Opening message in" not in page
        for thread in linked.values():
            assert f'href="/t/{thread.id}"' not in this_week(page)
    # And no trace of them in a delegate's Latest list either.
    page = home(client, make_user(), login)
    assert "Next week" not in latest(page)


def test_the_latest_summary_shows_when_nothing_is_open(client, login, make_user, moderator, frozen_clock):
    held = open_now(frozen_clock, moderator, title="Held last week")
    frozen_clock.advance(days=8)
    discussions.set_summary(held, "en", "The delegations **agreed** on three points.", by=moderator)
    discussions.set_summary(held, "fr", "Les délégations se sont **accordées** sur trois points.", by=moderator)
    db.session.commit()

    section = this_week(home(client, make_user(locale="fr"), login))
    assert "<strong>accordées</strong>" in section and "agreed" not in section
    assert f'href="/topics/discussions/{held.id}"' in section

    # Once another one is open, it takes the place of the summary.
    open_now(frozen_clock, moderator, title="This week's")
    section = this_week(home(client, make_user(), login))
    assert "This week&#39;s (en)" in section and "agreed" not in section


def test_a_closed_discussion_without_summary_says_it_is_coming(client, login, make_user, moderator, frozen_clock):
    open_now(frozen_clock, moderator, title="Held last week")
    frozen_clock.advance(days=8)
    section = this_week(home(client, make_user(), login))
    assert "Held last week (en)" in section
    assert "The summary has not been published yet." in section


def test_nothing_at_all_says_so(client, login, make_user):
    assert "No discussion is open at the moment." in this_week(home(client, make_user(), login))


def test_a_discussion_in_an_inactive_language_leaks_nothing(
    client, login, make_user, moderator, admin, frozen_clock, make_thread
):
    spanish = open_now(frozen_clock, moderator, codes=("es",), title="Solo en español")
    both = open_now(frozen_clock, moderator, codes=("en", "es"), title="Both")
    schedule(moderator, weekly.MONDAY_NEXT, weekly.MONDAY_NEXT + timedelta(days=7), codes=("es",), title="Pronto")
    set_language_active(db.session.get(Language, "es"), False, by=admin)
    db.session.commit()

    page = home(client, make_user(locale="es"), login)
    assert "Solo en español" not in page and "Pronto" not in page
    section = this_week(page)
    # The discussion also in English shows, without its Spanish thread.
    assert "Both (en)" in section and "Both (es)" not in section
    assert f'href="/t/{weekly.threads(both)["es"].id}"' not in page
    assert f"weekly-{spanish.id}" not in page
    assert "Español" not in section


def test_guests_keep_their_own_home(client, login, guest):
    page = home(client, guest, login)
    assert "this-week-heading" not in page and "latest-heading" not in page
    assert "Guest discussion (en)" in page


# The rooms and the introduction --------------------------------------------------------------


def test_the_introduction_names_the_active_content_languages(client, login, make_user, admin):
    reader = make_user()
    assert "week by week, in English, French, and Spanish." in home(client, reader, login)
    set_language_active(db.session.get(Language, "es"), False, by=admin)
    add_language("pt", by=admin)
    db.session.commit()
    assert "week by week, in English, French, and Portuguese." in home(client, reader, login)


def test_the_introduction_joins_the_names_by_the_readers_language(client, login, make_user):
    page = home(client, make_user(locale="fr"), login)
    assert "anglais, français et espagnol" in page


def test_the_rooms_stay_below(client, login, make_user, moderator, frozen_clock):
    open_now(frozen_clock, moderator)
    page = home(client, make_user(), login)
    assert page.index("this-week-heading") < page.index("latest-heading") < page.index("all-rooms-heading")
    assert page.count('class="room-card') == 18


# Latest ----------------------------------------------------------------------------------------


def test_latest_lists_new_activity_across_rooms_with_room_author_and_unread_marks(
    client, login, make_user, make_thread, frozen_clock
):
    author, replier, reader = make_user(name="Ana Author"), make_user(name="Rémi Replier"), make_user()
    english = make_thread(get_room("capacity-en"), author, title="Older English thread")
    frozen_clock.advance(hours=1)
    french = make_thread(get_room("legislative-fr"), author, title="Fil français")
    frozen_clock.advance(hours=1)
    threads.reply(english, author=replier, body="A new reply")
    db.session.commit()
    login(client, reader)
    client.get(f"/t/{french.id}")

    section = latest(client.get("/").get_data(as_text=True))
    # Latest activity first: the English thread had the last reply.
    assert section.index("Older English thread") < section.index("Fil français")
    english_item = section[section.index("Older English thread") : section.index("Fil français")]
    assert "Rémi Replier" in english_item
    assert 'href="/rooms/capacity-en">Capacity building · <span lang="en">English</span>' in english_item
    assert "New</a>" in english_item
    french_item = section[section.index("Fil français") :]
    assert 'lang="fr">Français</span>' in french_item and "badge-unread" not in french_item


def test_latest_counts_the_posts_not_yet_read(client, login, make_user, make_thread, room):
    author, reader = make_user(), make_user()
    thread = make_thread(room, author, replies=1)
    login(client, reader)
    client.get(f"/t/{thread.id}")
    for index in range(3):
        threads.reply(thread, author=author, body=f"More {index}")
    db.session.commit()
    assert "3 new" in latest(client.get("/").get_data(as_text=True))


def test_latest_shows_only_what_the_reader_may_read(client, login, make_user, make_thread, admin, frozen_clock):
    author = make_user()
    make_thread(get_room("capacity-es"), author, title="Hilo en español")
    make_thread(get_room("capacity-en"), author, title="Visible thread")
    set_language_active(db.session.get(Language, "es"), False, by=admin)
    db.session.commit()
    section = latest(home(client, make_user(), login))
    assert "Visible thread" in section and "Hilo en español" not in section


def test_latest_pages_beyond_the_home_page(client, login, make_user, make_thread, room, frozen_clock):
    author = make_user()
    for index in range(17):
        make_thread(room, author, title=f"Thread number {index:02d}")
        frozen_clock.advance(minutes=1)
    page = home(client, make_user(), login)
    section = latest(page)
    assert section.count('class="latest-title"') == 15
    assert "Thread number 16" in section and "Thread number 01" not in section
    assert 'href="/latest?page=2"' in section
    second = client.get("/latest?page=2").get_data(as_text=True)
    assert "Thread number 01" in second and "Thread number 00" in second and "Thread number 16" not in second
    assert 'href="/latest?page=1"' in second and "page=3" not in second


def test_latest_page_is_for_members(client, login, guest):
    login(client, guest)
    assert client.get("/latest").status_code == 404


# Mark all as read ----------------------------------------------------------------------------


def markers(user):
    return dict(
        db.session.execute(
            select(ReadMarker.thread_id, ReadMarker.last_read_number).where(ReadMarker.user_id == user.id)
        ).all()
    )


@pytest.fixture
def reading(make_user, make_thread, moderator, frozen_clock):
    """A reader with threads in two rooms, one partly read, and a scheduled weekly discussion."""
    author, reader = make_user(), make_user()
    en = make_thread(get_room("capacity-en"), author, replies=2)
    en_read = make_thread(get_room("capacity-en"), author, replies=3)
    fr = make_thread(get_room("legislative-fr"), author, replies=1)
    threads.mark_read(reader, en_read, 2)
    scheduled = schedule(moderator, weekly.MONDAY_NEXT, weekly.MONDAY_NEXT + timedelta(days=7))
    db.session.commit()
    return type(
        "Reading",
        (),
        {"reader": reader, "en": en, "en_read": en_read, "fr": fr, "scheduled": weekly.threads(scheduled)},
    )


def test_mark_everything_read(client, login, reading):
    login(client, reading.reader)
    response = client.post("/latest/read", data={"next": "/latest"})
    assert response.status_code == 302 and response.location == "/latest"
    assert markers(reading.reader) == {reading.en.id: 3, reading.en_read.id: 4, reading.fr.id: 2}
    assert "badge-unread" not in latest(client.get("/").get_data(as_text=True))


def test_mark_everything_read_follows_only_paths_on_the_site(client, login, reading):
    login(client, reading.reader)
    assert client.post("/latest/read", data={"next": "https://evil.example/"}).location == "/"


def test_mark_one_room_read(client, login, reading):
    login(client, reading.reader)
    response = client.post("/rooms/capacity-en/read")
    assert response.status_code == 302 and response.location == "/rooms/capacity-en"
    assert markers(reading.reader) == {reading.en.id: 3, reading.en_read.id: 4}


def test_marking_read_is_one_statement_whatever_the_number_of_threads(
    app, reading, make_user, make_thread, count_queries
):
    from forum.rooms.service import mark_all_read

    author = make_user()
    for _index in range(30):
        make_thread(get_room("legislative-fr"), author)
    # Loaded before counting: the statement is what is counted, not the reader's account.
    db.session.refresh(reading.reader)
    with count_queries() as counter:
        marked = mark_all_read(reading.reader)
    assert marked == 33
    assert [statement.split()[0] for statement in counter.statements] == ["INSERT"]
    # Again: nothing left to mark, and markers never move back.
    assert mark_all_read(reading.reader) == 0
    assert markers(reading.reader)[reading.en_read.id] == 4


def test_marking_read_needs_a_post(client, login, reading):
    login(client, reading.reader)
    assert client.get("/latest/read").status_code == 405
    assert client.get("/rooms/capacity-en/read").status_code == 405
    assert markers(reading.reader) == {reading.en_read.id: 2}


def test_marking_an_unknown_or_unreadable_room_is_404(client, login, reading, admin):
    set_language_active(db.session.get(Language, "fr"), False, by=admin)
    db.session.commit()
    login(client, reading.reader)
    assert client.post("/rooms/nowhere/read").status_code == 404
    assert client.post("/rooms/legislative-fr/read").status_code == 404
    assert markers(reading.reader) == {reading.en_read.id: 2}


def test_scheduled_threads_get_no_marker_even_for_their_moderator(reading, french_moderator):
    from forum.rooms.service import mark_all_read

    mark_all_read(french_moderator)
    db.session.commit()
    # The French moderator may read the scheduled French thread: it is marked; the others are not theirs.
    assert reading.scheduled["fr"].id in markers(french_moderator)
    assert reading.scheduled["en"].id not in markers(french_moderator)
    assert not set(markers(reading.reader)) & {thread.id for thread in reading.scheduled.values()}


def test_a_guest_cannot_mark_everything_read(client, login, guest):
    from forum.errors import NotAllowed
    from forum.rooms.service import mark_all_read

    login(client, guest)
    assert client.post("/latest/read").status_code == 404
    with pytest.raises(NotAllowed):
        mark_all_read(guest)
    assert db.session.scalar(select(func.count()).select_from(ReadMarker).where(ReadMarker.user_id == guest.id)) == 0


class TestWithCsrf:
    @pytest.fixture
    def config_overrides(self):
        return {"WTF_CSRF_ENABLED": True}

    def test_marking_read_without_a_token_is_refused(self, client, login, reading):
        login(client, reading.reader)
        assert client.post("/latest/read").status_code == 400
        assert client.post("/rooms/capacity-en/read").status_code == 400
        assert markers(reading.reader) == {reading.en_read.id: 2}

    def test_marking_read_with_the_pages_token_works(self, client, login, reading):
        login(client, reading.reader)
        page = client.get("/rooms/capacity-en").get_data(as_text=True)
        form = page[page.index('action="/rooms/capacity-en/read"') :]
        token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
        assert client.post("/rooms/capacity-en/read", data={"csrf_token": token}).status_code == 302
        home_page = client.get("/").get_data(as_text=True)
        form = home_page[home_page.index('action="/latest/read"') :]
        token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
        assert client.post("/latest/read", data={"csrf_token": token}).status_code == 302
        assert markers(reading.reader) == {reading.en.id: 3, reading.en_read.id: 4, reading.fr.id: 2}
