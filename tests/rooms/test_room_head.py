"""The top of a room's page (name, language, description, buttons) is a fragment cached per view
(forum.rooms.fragments.room_head): readers with the same view share it, its form carries each reader's own CSRF
token, and what a reader may do there makes another view."""

import re

import pytest

from forum import fragments
from forum.extensions import db


@pytest.fixture
def config_overrides():
    return {"WTF_CSRF_ENABLED": True}


def tokens(page):
    return re.findall(r'<input type="hidden" name="csrf_token" value="([^"]*)">', page)


def head(page):
    # From the breadcrumbs to the table, or to the note that there is none.
    start = page.index('<nav class="breadcrumbs"')
    return page[start : re.search(r'<table class="threads">|\n<p>', page[start:]).start() + start]


def test_two_readers_share_the_head_and_each_marks_the_room_read_with_their_own_token(
    app, login, make_user, make_thread, room
):
    make_thread(room, make_user(state="KEN"), title="Training")
    pages = []
    for reader in (make_user(state="FRA"), make_user(state="BRA")):
        client = login(app.test_client(), reader)
        before = fragments.cache_info()
        page = client.get(f"/rooms/{room.slug}").get_data(as_text=True)
        pages.append((client, page, fragments.cache_info().misses - before.misses))
    (first_client, first, first_misses), (second_client, second, second_misses) = pages
    assert second_misses == 0 < first_misses
    assert head(first).replace(tokens(first)[0], "") == head(second).replace(tokens(second)[0], "")
    mark = rf'action="/rooms/{room.slug}/read">\s*<input type="hidden" name="csrf_token" value="([^"]+)"'
    first_token = re.search(mark, first).group(1)
    assert first_token != re.search(mark, second).group(1)
    assert set(tokens(first)) == {first_token} and fragments.CSRF_SLOT not in first + second
    assert second_client.post(f"/rooms/{room.slug}/read", data={"csrf_token": first_token}).status_code == 400
    assert first_client.post(f"/rooms/{room.slug}/read", data={"csrf_token": first_token}).status_code == 302


def test_what_the_reader_may_do_in_the_room_makes_another_head(app, login, make_user, moderator, room):
    # An empty room: nothing to mark as read.
    delegate = login(app.test_client(), make_user())
    page = delegate.get(f"/rooms/{room.slug}").get_data(as_text=True)
    assert "Mark all as read" not in page and "Start a thread" in head(page)
    room.moderators_only = True
    db.session.commit()
    page = delegate.get(f"/rooms/{room.slug}").get_data(as_text=True)
    assert "Start a thread" not in head(page)
    assert "In this room only moderators start threads; everyone may reply." in head(page)
    page = login(app.test_client(), moderator).get(f"/rooms/{room.slug}").get_data(as_text=True)
    assert f'href="/rooms/{room.slug}/new">Start a thread' in head(page)


def test_the_head_is_in_the_readers_language(app, login, make_user, room):
    english = head(login(app.test_client(), make_user()).get(f"/rooms/{room.slug}").get_data(as_text=True))
    french = login(app.test_client(), make_user(locale="fr")).get(f"/rooms/{room.slug}").get_data(as_text=True)
    french = head(french)
    assert "Start a thread" in english and "Start a thread" not in french
    assert room.category.text("fr")[0] in french
