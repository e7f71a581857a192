"""A room lists its open weekly discussion first, with a badge, while it is open (rooms.service.room_threads)."""

import re
from datetime import timedelta

import pytest

from forum.discussions import service as discussions
from forum.extensions import db
from forum.rooms.service import get_room
from forum.threads import service as threads
from tests.helpers import weekly

BADGE = '<span class="badge badge-weekly">Weekly discussion</span>'


@pytest.fixture
def week(moderator, make_user, make_thread, frozen_clock):
    """A weekly discussion opening in an hour for a day, among member threads with later activity, one pinned."""
    opens_at = frozen_clock.now + timedelta(hours=1)
    discussion = discussions.schedule_discussion(
        by=moderator,
        category_id=weekly.category().id,
        texts=weekly.texts("en", "fr", title="This week's topic"),
        opens_at=opens_at,
        closes_at=opens_at + timedelta(days=1),
    )
    db.session.commit()
    frozen_clock.advance(hours=2)
    author = make_user()
    room = get_room("capacity-en")
    pinned = make_thread(room, author, title="Pinned rules", pinned=True)
    frozen_clock.advance(minutes=5)
    busy = make_thread(room, author, title="A busy member thread")
    threads.reply(busy, author=author, body="Latest activity here")
    db.session.commit()
    return type("Week", (), {"thread": weekly.threads(discussion)["en"], "pinned": pinned, "busy": busy})


def rows(page):
    """The thread titles of a room page, in order."""
    body = page[page.index("<tbody>") : page.index("</tbody>")]
    return re.findall(r'<a href="/t/\d+" dir="auto">([^<]*)</a>', body)


def test_the_open_weekly_thread_comes_first_with_its_badge(client, login, make_user, week):
    login(client, make_user())
    page = client.get("/rooms/capacity-en").get_data(as_text=True)
    assert rows(page) == ["This week&#39;s topic (en)", "Pinned rules", "A busy member thread"]
    first_row = page[page.index("<tbody>") : page.index("Pinned rules")]
    assert BADGE in first_row
    assert page.count(BADGE) == 1
    # Computed from the times: nothing was written on the thread.
    db.session.refresh(week.thread)
    assert week.thread.pinned is False


def test_before_it_opens_and_after_it_closes_it_is_an_ordinary_thread(
    client, login, make_user, week, frozen_clock, moderator
):
    reader = make_user()
    login(client, reader)
    frozen_clock.advance(days=2)
    page = client.get("/rooms/capacity-en").get_data(as_text=True)
    assert rows(page) == ["Pinned rules", "A busy member thread", "This week&#39;s topic (en)"]
    assert BADGE not in page


def test_a_closed_by_hand_weekly_thread_is_not_first(client, login, make_user, week, moderator):
    threads.set_locked(week.thread, True, by=moderator)
    db.session.commit()
    login(client, make_user())
    page = client.get("/rooms/capacity-en").get_data(as_text=True)
    assert rows(page)[0] == "Pinned rules" and BADGE not in page


def test_the_thread_page_carries_the_badge_while_open(client, login, make_user, week, frozen_clock):
    login(client, make_user())
    assert BADGE in client.get(f"/t/{week.thread.id}").get_data(as_text=True)
    assert BADGE not in client.get(f"/t/{week.busy.id}").get_data(as_text=True)
    frozen_clock.advance(days=2)
    assert BADGE not in client.get(f"/t/{week.thread.id}").get_data(as_text=True)


def test_the_room_offers_mark_all_as_read_to_members(client, login, make_user, week):
    login(client, make_user())
    page = client.get("/rooms/capacity-en").get_data(as_text=True)
    assert 'action="/rooms/capacity-en/read"' in page
    assert client.post("/rooms/capacity-en/read").status_code == 302
    page = client.get("/rooms/capacity-en").get_data(as_text=True)
    assert "badge-unread" not in page
