"""Cached thread rows (forum.rooms.fragments) on room pages and in the latest activity: each reader's own
unread counts, and what changes on a thread shows at once."""

import pytest

from forum import fragments
from forum.extensions import db
from forum.threads import service as threads


@pytest.fixture
def thread(room, make_user, make_thread):
    return make_thread(room, make_user(state="KEN", name="Wanjiru Kamau"), title="Audits for universities", body="Hi")


def room_page(client, room):
    response = client.get(f"/rooms/{room.slug}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def home_latest(client):
    text = client.get("/").get_data(as_text=True)
    return text[text.index('<ul class="latest-list">') :]


def test_each_reader_sees_their_own_unread_counts(app, login, make_user, room, thread):
    first, second = login(app.test_client(), make_user()), login(app.test_client(), make_user())
    assert first.get(f"/t/{thread.id}").status_code == 200
    threads.reply(thread, author=thread.author, body="Two more")
    threads.reply(thread, author=thread.author, body="and three")
    db.session.commit()
    assert "2 new" in room_page(first, room) and "2 new" in home_latest(first)
    later = room_page(second, room)
    assert "2 new" not in later and ">New<" in later
    assert "2 new" not in home_latest(second)


def test_a_second_view_renders_no_row_again(app, login, delegate, room, thread):
    client = login(app.test_client(), delegate)
    room_page(client, room)
    misses = fragments.cache_info().misses
    room_page(client, room)
    assert fragments.cache_info().misses == misses


def test_replies_closing_and_renaming_show_at_once(app, login, delegate, moderator, room, thread):
    client = login(app.test_client(), delegate)
    room_page(client, room), home_latest(client)
    threads.reply(thread, author=moderator, body="Closing remarks")
    threads.set_locked(thread, True, by=moderator)
    thread.title = "Audits for universities (summary)"
    db.session.commit()
    page, latest = room_page(client, room), home_latest(client)
    assert "(summary)" in page and "(summary)" in latest
    assert moderator.display_name in page and moderator.display_name in latest
    assert "status-closed" in page
