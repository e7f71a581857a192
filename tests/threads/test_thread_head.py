"""The top of a thread page (breadcrumbs, title, state, weekly links, the reader's tools) is a fragment cached per
view (forum.threads.fragments.thread_head): readers with the same view share it, each page's forms still carry that
reader's own CSRF token, and what differs between readers (rights, following, where they stopped reading) makes
another view."""

import re

import pytest

from forum import fragments
from forum.threads import service
from tests.hostile_inputs import SCRIPT_TAGS


@pytest.fixture
def config_overrides():
    return {"WTF_CSRF_ENABLED": True}


@pytest.fixture
def thread(room, make_user, make_thread):
    return make_thread(room, make_user(state="KEN"), title="Training", body="How do you **train** new staff?")


def tokens(page):
    return re.findall(r'<input type="hidden" name="csrf_token" value="([^"]*)">', page)


def head(page):
    return page[page.index('<nav class="breadcrumbs"') : page.index('<ol class="posts"')]


def test_two_readers_share_the_head_but_each_form_carries_the_readers_own_token(app, login, make_user, thread):
    pages = []
    for reader in (make_user(state="FRA"), make_user(state="BRA")):
        client = login(app.test_client(), reader)
        before = fragments.cache_info()
        page = client.get(f"/t/{thread.id}").get_data(as_text=True)
        after = fragments.cache_info()
        pages.append((client, page, after.misses - before.misses))
    (first_client, first, first_misses), (second_client, second, second_misses) = pages
    # The second page rendered nothing new: the head (and the posts) came from the cache.
    assert second_misses == 0 < first_misses
    watch = rf'action="/t/{thread.id}/watch">\s*<input type="hidden" name="csrf_token" value="([^"]+)"'
    first_token, second_token = re.search(watch, first).group(1), re.search(watch, second).group(1)
    assert first_token != second_token
    # Every form of a page carries its reader's token, and the slot itself is never sent.
    assert set(tokens(first)) == {first_token} and set(tokens(second)) == {second_token}
    assert fragments.CSRF_SLOT not in first + second
    # The token works: each reader follows the thread with their own page's form, and not with the other's.
    follow = {"watch": "1", "csrf_token": first_token}
    assert second_client.post(f"/t/{thread.id}/watch", data=follow).status_code == 400
    assert first_client.post(f"/t/{thread.id}/watch", data=follow).status_code == 302
    page = first_client.get(f"/t/{thread.id}").get_data(as_text=True)
    assert "Stop following" in head(page) and "Follow this thread" in head(second)


def test_a_moderator_gets_the_moderation_forms_and_a_delegate_does_not(app, login, make_user, moderator, thread):
    delegate_page = login(app.test_client(), make_user()).get(f"/t/{thread.id}").get_data(as_text=True)
    moderator_page = login(app.test_client(), moderator).get(f"/t/{thread.id}").get_data(as_text=True)
    for action in ("pin", "lock", "move"):
        assert f"/t/{thread.id}/{action}" not in delegate_page
        assert f"/t/{thread.id}/{action}" in moderator_page
    # Three forms (follow, pin, close), each with the moderator's token.
    assert len(re.findall(rf'action="/t/{thread.id}/(?:watch|pin|lock)">', moderator_page)) == 3
    assert len(set(tokens(moderator_page))) == 1


def test_the_head_follows_the_thread_its_state_and_where_the_reader_stopped(app, login, make_user, moderator, thread):
    author = thread.author
    reader = make_user(state="FRA")
    client = login(app.test_client(), reader)
    assert "Jump to the first unread message" not in head(client.get(f"/t/{thread.id}").get_data(as_text=True))
    service.reply(thread, author=make_user(state="BRA"), body="A second message")
    # Read up to the first post before this visit: the second is new, so the head links to the first unread.
    page = client.get(f"/t/{thread.id}").get_data(as_text=True)
    assert f'href="/t/{thread.id}/unread">Jump to the first unread message' in head(page)
    assert "Jump to the first unread message" not in head(client.get(f"/t/{thread.id}").get_data(as_text=True))
    # The author may ask for their thread's deletion; another reader is not offered it.
    author_page = login(app.test_client(), author).get(f"/t/{thread.id}").get_data(as_text=True)
    assert "Ask for this thread to be deleted" in head(author_page)
    assert "Ask for this thread to be deleted" not in head(page)
    assert 'class="status status-open"' in head(page)
    moderating = login(app.test_client(), moderator)
    token = tokens(moderating.get(f"/t/{thread.id}").get_data(as_text=True))[0]
    assert moderating.post(f"/t/{thread.id}/lock", data={"locked": "1", "csrf_token": token}).status_code == 302
    page = client.get(f"/t/{thread.id}").get_data(as_text=True)
    assert 'class="status status-closed"' in head(page) and "status-open" not in head(page)


@pytest.mark.parametrize("title", SCRIPT_TAGS[:3] + ['"><input type="hidden" name="csrf_token" value="forged">'])
def test_a_hostile_title_stays_text_in_the_head(app, login, make_user, make_thread, room, title):
    thread = make_thread(room, make_user(state="KEN"), title=title, body="Body")
    page = login(app.test_client(), make_user()).get(f"/t/{thread.id}").get_data(as_text=True)
    assert "<script" not in head(page).lower()
    assert 'value="forged"' not in page
    assert len(set(tokens(page))) == 1
