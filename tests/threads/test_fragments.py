"""Cached post fragments (forum.threads.fragments): reused while nothing shown changes, never stale, never
someone else's. Each test renders a page once to fill the cache, changes something, and reads again."""

import pytest

from forum.accounts import service as accounts
from forum.erasure import service as erasure
from forum.extensions import db
from forum.moderation import service as moderation
from forum.threads import service as threads


@pytest.fixture
def thread(room, make_user, make_thread):
    return make_thread(room, make_user(state="KEN", name="Wanjiru Kamau"), title="Training", body="Opening words")


@pytest.fixture
def reader(app, delegate, login):
    return login(app.test_client(), delegate)


@pytest.fixture
def mod_reader(app, moderator, login):
    return login(app.test_client(), moderator)


def page(client, thread):
    response = client.get(f"/t/{thread.id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def posts_of(text):
    # The list of posts alone: the reply form around it carries a new one-time submission key on each view.
    return text[text.index('<ol class="posts"') : text.index("</ol>")]


def cache(app):
    return app.extensions["forum.fragments"]


def test_a_second_view_of_the_same_page_renders_no_post_again(app, reader, thread):
    for number in range(4):
        threads.reply(thread, author=thread.author, body=f"Reply {number}")
    db.session.commit()
    page(reader, thread)  # The first visit marks the posts new; the next ones do not.
    first = posts_of(page(reader, thread))
    misses = cache(app).cache_info().misses
    assert posts_of(page(reader, thread)) == first
    assert cache(app).cache_info().misses == misses
    assert cache(app).cache_info().hits >= 5


def test_an_edit_shows_the_new_text_and_never_the_old(app, reader, thread):
    post = threads.reply(thread, author=thread.author, body="Zebrafinch before the edit")
    db.session.commit()
    assert "Zebrafinch" in page(reader, thread)
    threads.edit_post(post, editor=thread.author, body="Kingfisher after the edit")
    db.session.commit()
    text = page(reader, thread)
    assert "Kingfisher" in text and "Zebrafinch" not in text


def test_a_hidden_post_leaves_every_delegate_page_and_stays_for_moderators(app, reader, mod_reader, moderator, thread):
    post = threads.reply(thread, author=thread.author, body="Quetzalcoatl marker")
    db.session.commit()
    assert "Quetzalcoatl" in page(reader, thread)
    moderation.hide_post(post, by=moderator, clause="3.2", reason="Off topic")
    db.session.commit()
    # The moderator's page first: its fragment, with the text, is now in the cache.
    assert "Quetzalcoatl" in page(mod_reader, thread)
    text = page(reader, thread)
    assert "Quetzalcoatl" not in text and "Hidden by a moderator under clause 3.2." in text
    moderation.restore_post(post, by=moderator, reason="On topic after all")
    db.session.commit()
    assert "Quetzalcoatl" in page(reader, thread)


def test_an_erased_post_shows_its_tombstone(app, reader, frozen_clock, thread):
    post = threads.reply(thread, author=thread.author, body="Axolotl to be erased")
    db.session.commit()
    assert "Axolotl" in page(reader, thread)
    erasure.erase_post(post)
    db.session.commit()
    text = page(reader, thread)
    assert "Axolotl" not in text
    assert "Removed at the author's request on" in text, text[text.find('class="tombstone"') :][:200]


def test_a_renamed_author_is_renamed_on_cached_posts(app, reader, thread):
    page(reader, thread)
    accounts.update_profile(thread.author, display_name="Wanjiru Otieno", locale="en", timezone="UTC")
    db.session.commit()
    text = page(reader, thread)
    assert "Wanjiru Otieno" in text and "Wanjiru Kamau" not in text


def test_one_readers_links_never_reach_another(app, login, delegate, make_user, thread):
    own = threads.reply(thread, author=delegate, body="My own words")
    db.session.commit()
    author_page = page(login(app.test_client(), delegate), thread)
    assert f"/p/{own.id}/edit" in author_page and f"/p/{own.id}/ask-deletion" in author_page
    other_page = page(login(app.test_client(), make_user(state="BRA")), thread)
    assert f"/p/{own.id}/edit" not in other_page and f"/p/{own.id}/ask-deletion" not in other_page
    assert f"/p/{own.id}/flag" in other_page


def test_new_marks_follow_each_readers_own_marker(app, login, make_user, thread):
    first, second = login(app.test_client(), make_user()), login(app.test_client(), make_user())
    assert "badge-unread" in page(first, thread)
    assert "badge-unread" not in page(first, thread)
    assert "badge-unread" in page(second, thread)


def test_relative_times_move_on_with_the_clock(app, reader, frozen_clock, thread):
    threads.reply(thread, author=thread.author, body="Timed")
    db.session.commit()
    assert "just now" in page(reader, thread)
    frozen_clock.advance(hours=3)
    text = page(reader, thread)
    assert "3 hours ago" in text and "just now" not in text


def test_each_language_gets_its_own_fragment(app, login, make_user, thread):
    page(login(app.test_client(), make_user(locale="en")), thread)
    text = page(login(app.test_client(), make_user(locale="fr")), thread)
    assert "Signaler" in text and ">Report<" not in text


@pytest.mark.parametrize("config_overrides", [{"FRAGMENT_CACHE_SIZE": 0}])
def test_without_the_cache_pages_are_the_same(app, reader, thread):
    assert not hasattr(cache(app), "cache_info")
    assert "Opening words" in page(reader, thread)
