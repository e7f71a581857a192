"""The fast paths of issue #18 keep their invariants: the live poll, the thread page's per-page permissions."""

import itertools
import time

import pytest
from sqlalchemy import select

from forum import policy
from forum.extensions import db
from forum.threads import service
from forum.threads.models import Post, PostState, ReadMarker


@pytest.fixture
def thread(room, make_user, make_thread):
    return make_thread(room, make_user(state="KEN", name="Wanjiru Kamau"), title="Training", body="How do you train?")


# Live poll -----------------------------------------------------------------------------------------------------


def test_poll_with_nothing_new_is_204_without_loading_posts(client, delegate, login, thread, count_queries):
    login(client, delegate)
    poll = f"/t/{thread.id}/live?after=1"  # before expiring: reading thread.id would load the thread again
    client.get(poll)
    db.session.expire_all()
    with count_queries() as counter:
        response = client.get(poll)
    assert response.status_code == 204
    assert response.get_data() == b""
    assert response.headers["X-Last-Number"] == "1"
    # The user (session) and the thread with its room: no posts query, no write.
    assert not any("FROM posts" in statement for statement in counter.statements)
    assert not any(statement.lstrip().upper().startswith(("INSERT", "UPDATE")) for statement in counter.statements)
    # Readability and the count from the thread's row in one statement: the thread is not loaded with its room.
    assert not any("JOIN rooms" in statement for statement in counter.statements)
    assert counter.count <= 2
    # The reader alone: not the unread notifications, protocol answer and member state that pages ask of them.
    (loading_the_reader,) = [statement for statement in counter.statements if "FROM users" in statement]
    for table in ("notifications", "protocol_acceptances", "member_states"):
        assert table not in loading_the_reader


def test_poll_answers_200_with_the_posts_once_something_is_new(client, delegate, make_user, login, thread):
    login(client, delegate)
    assert client.get(f"/t/{thread.id}/live?after=1").status_code == 204
    service.reply(thread, author=make_user(state="BRA"), body="Fresh news from Brasília")
    db.session.commit()
    response = client.get(f"/t/{thread.id}/live?after=1")
    assert response.status_code == 200
    assert "Fresh news from Brasília" in response.get_data(as_text=True)
    assert response.headers["X-Last-Number"] == "2"
    assert client.get(f"/t/{thread.id}/live?after=2").status_code == 204


def test_poll_is_404_once_the_reader_may_no_longer_read(client, delegate, login, thread):
    login(client, delegate)
    assert client.get(f"/t/{thread.id}/live?after=1").status_code == 204
    thread.room.language.active = False  # the room's language is withdrawn: its rooms close to delegates
    db.session.commit()
    # Nothing new, but the permission changed: not a 204 that would keep the script polling.
    assert client.get(f"/t/{thread.id}/live?after=1").status_code == 404


def test_a_thread_page_reads_its_posts_as_rows_in_one_statement(
    client, delegate, login, thread, make_user, count_queries
):
    """The posts, their authors' names, roles and member states and the numbers of the posts they quote: one
    statement, and no author's account (password hash, session secret) is read for it."""
    first = db.session.scalar(select(Post).where(Post.thread_id == thread.id))
    for state in ("BRA", "IND", "NOR"):
        service.reply(thread, author=make_user(state=state), body=f"From {state}", reply_to=first)
    db.session.commit()
    login(client, delegate)
    client.get(f"/t/{thread.id}")
    with count_queries() as counter:
        page = client.get(f"/t/{thread.id}").get_data(as_text=True)
    reading_posts = [statement for statement in counter.statements if "FROM posts" in statement]
    assert len(reading_posts) == 1
    assert "password_hash" not in reading_posts[0] and "session_secret" not in reading_posts[0]
    assert page.count("In reply to #1") == 3
    for name in ("Brazil", "India", "Norway", "Kenya"):
        assert name in page


def test_poll_of_a_thread_not_yet_open_is_404_but_for_its_rooms_moderators(
    client, delegate, french_moderator, moderator, login, room, make_user, make_thread, frozen_clock
):
    from datetime import timedelta

    from forum import clock

    later = make_thread(room, make_user(state="KEN"), title="Next week", opens_at=clock.now() + timedelta(hours=1))
    db.session.commit()
    for reader, status in ((delegate, 404), (french_moderator, 404), (moderator, 204), (delegate, 404)):
        login(client, reader)
        assert client.get(f"/t/{later.id}/live?after=1").status_code == status, reader.role
    frozen_clock.advance(hours=2)
    assert client.get(f"/t/{later.id}/live?after=1").status_code == 204
    assert client.get(f"/t/{later.id + 1000}/live?after=1").status_code == 404


def test_poll_of_another_readers_hidden_thread_is_404(client, guest, login, thread):
    login(client, guest)
    assert client.get(f"/t/{thread.id}/live?after=5").status_code == 404


def test_poll_does_not_renew_the_session_cookie_but_pages_do(app, client, delegate, login, thread):
    app.config["SESSION_RENEWAL_SECONDS"] = 0  # every page renews it (the default waits a minute between renewals)
    login(client, delegate)
    # A page view renews the signed cookie (its expiry slides with the delegate's activity)...
    assert "forum_session=" in client.get(f"/t/{thread.id}").headers.get("Set-Cookie", "")
    # ...a background poll does not: an open tab alone must not keep the session alive.
    response = client.get(f"/t/{thread.id}/live?after=1")
    assert response.status_code == 204
    assert "Set-Cookie" not in response.headers
    # The session itself is untouched: the next page is still signed in.
    assert client.get(f"/t/{thread.id}").status_code == 200


def test_a_session_kept_only_by_polls_ends_after_its_lifetime(app, client, delegate, login, thread):
    app.config["SESSION_RENEWAL_SECONDS"] = 0
    login(client, delegate)
    with client.session_transaction() as session:
        session.permanent = True  # as the sign-in form makes it
    client.get(f"/t/{thread.id}")
    expires = client.get_cookie("forum_session").expires
    assert expires is not None
    # The cookie's expiry is written in whole seconds, from Flask's own clock.
    time.sleep(1.1)
    for _ in range(3):
        assert client.get(f"/t/{thread.id}/live?after=1").status_code == 204
    # The polls left the cookie, so its expiry stays where the last page view set it...
    assert client.get_cookie("forum_session").expires == expires
    # ...while a page view moves it on.
    client.get(f"/t/{thread.id}")
    assert client.get_cookie("forum_session").expires > expires


def test_pages_renew_the_session_cookie_at_most_once_in_the_renewal_interval(app, client, delegate, login, thread):
    """A page right after the cookie was signed sends none (nothing to renew yet); once the interval has passed, the
    next page renews it; a request that changes the session always sends it."""
    app.config["SESSION_RENEWAL_SECONDS"] = 2
    login(client, delegate)
    with client.session_transaction() as session:
        session.permanent = True  # as the sign-in form makes it
    client.get(f"/t/{thread.id}")  # the first form of the session puts its CSRF secret in it: a change, sent
    signed = client.get_cookie("forum_session").value
    response = client.get(f"/t/{thread.id}")
    assert response.status_code == 200 and "Set-Cookie" not in response.headers
    time.sleep(2.1)
    assert "forum_session=" in client.get(f"/t/{thread.id}").headers.get("Set-Cookie", "")
    assert client.get_cookie("forum_session").value != signed
    # Within the interval again, but the session changes (the interface language chosen): sent at once.
    response = client.post("/language", data={"locale": "fr", "next": f"/t/{thread.id}"})
    assert "forum_session=" in response.headers.get("Set-Cookie", "")
    assert client.get(f"/t/{thread.id}").status_code == 200


def test_a_tampered_session_cookie_is_an_empty_session(client, delegate, login, thread):
    login(client, delegate)
    cookie = client.get_cookie("forum_session")
    client.set_cookie("forum_session", cookie.value[:-2] + ("AA" if not cookie.value.endswith("AA") else "BB"))
    response = client.get(f"/t/{thread.id}")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


# Replies ----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("followers", [1, 12])
def test_a_reply_runs_the_same_few_statements_whatever_the_followers(
    client, login, make_user, thread, count_queries, followers
):
    for _ in range(followers):
        service.set_watching(make_user(state="BRA"), thread, True)
    writer = make_user(state="CHL")
    db.session.commit()
    login(client, writer)
    client.get(f"/t/{thread.id}")  # the first request of the day records it: not the reply's cost
    with count_queries() as counter:
        response = client.post(f"/t/{thread.id}/reply", data={"body": "A reply", "submission_key": "once"})
    assert response.status_code == 302
    statements = [" ".join(statement.split()) for statement in counter.statements]
    # Read first (the user, the thread, the protocol), then the writes: the resent-form check, the counter, the
    # room's totals, the post, its search entry (read, then written), the marker and the follow (one upsert each),
    # the followers and their notifications. The redirect reads nothing after the commit.
    assert len(statements) <= 14, "\n".join(statements)
    assert sum(statement.startswith("INSERT INTO notifications") for statement in statements) <= 1
    assert not statements[-1].startswith("SELECT users"), statements[-1]
    assert db.session.scalar(select(Post.id).where(Post.thread_id == thread.id, Post.source == "A reply"))


def test_a_reply_makes_its_author_follow_unless_switched_off(client, login, make_user, thread):
    from forum.notifications.models import NotificationPreferences
    from forum.threads.models import Watch

    keen, quiet = make_user(state="CHL"), make_user(state="PER")
    db.session.add(NotificationPreferences(user_id=quiet.id, follow_on_reply=False))
    db.session.commit()
    for writer in (keen, quiet, keen):  # a second reply leaves the follow as it is
        login(client, writer)
        assert client.post(f"/t/{thread.id}/reply", data={"body": f"From {writer.id}"}).status_code == 302
    watchers = set(db.session.scalars(select(Watch.user_id).where(Watch.thread_id == thread.id)))
    assert keen.id in watchers and quiet.id not in watchers


def test_read_markers_only_move_forward(make_user, thread):
    reader = make_user(state="CHL")
    assert service.mark_read(reader, thread, 1) is True
    for number in range(2, 4):
        service.reply(thread, author=make_user(state="BRA"), body=f"Reply {number}")
    assert service.mark_read(reader, thread, 3) is True
    # An older page in another tab: the marker stays at 3, and nothing is written.
    assert service.mark_read(reader, thread, 2) is False
    assert service.mark_read(reader, thread, 3) is False
    db.session.commit()
    assert service.last_read_number(reader, thread) == 3


# Per-page permissions --------------------------------------------------------------------------------------------

PREDICATES = [
    "can_edit_post",
    "can_see_revisions",
    "can_see_post_body",
    "can_flag_post",
    "can_moderate_post",
    "can_request_deletion",
]


@pytest.mark.parametrize("closed", [False, True])
def test_post_actions_decide_as_the_predicates_for_every_reader_and_state(
    person, make_user, thread, closed, suspended_delegate
):
    roles = ("delegate", "moderator", "language_moderator_own", "language_moderator_other", "admin", "guest")
    readers = [person(role) for role in roles]
    readers += [suspended_delegate, thread.author]
    stranger = make_user(state="BRA")
    posts = []
    for author, state in itertools.product((thread.author, stranger, readers[0]), PostState):
        post = service.reply(thread, author=author, body=f"A post in state {state.name}")
        post.state = state
        posts.append(post)
    thread.locked = closed
    db.session.flush()
    for reader in readers:
        actions = policy.PostActions(reader, thread)
        assert actions.posts == policy.can_post(reader, thread)
        for post, name in itertools.product(posts, PREDICATES):
            assert getattr(actions, name)(post) == getattr(policy, name)(reader, post), (reader.role, post.state, name)


def test_thread_page_still_offers_each_action_where_allowed(client, delegate, moderator, login, thread):
    own = service.reply(thread, author=delegate, body="My own words")
    db.session.commit()
    first = db.session.scalar(select(Post).where(Post.thread_id == thread.id, Post.number == 1))
    page = login(client, delegate).get(f"/t/{thread.id}").get_data(as_text=True)
    assert f"/p/{own.id}/edit" in page and f"/p/{first.id}/edit" not in page
    assert f"/p/{first.id}/flag" in page and f"/p/{own.id}/flag" not in page
    assert "/moderation/posts/" not in page
    client.post("/logout")
    page = login(client, moderator).get(f"/t/{thread.id}").get_data(as_text=True)
    assert f"/moderation/posts/{first.id}" in page and f"/moderation/posts/{own.id}" in page
    assert f"/p/{own.id}/edit" not in page


def test_rows_read_on_the_sessions_connection_include_its_pending_changes(delegate, thread, count_queries):
    """`database.read` runs a row statement without the ORM's execution layer, but flushes first, as autoflush would:
    a marker moved in the session and not yet flushed is what the reader state reads."""
    from forum import database

    db.session.add(ReadMarker(user_id=delegate.id, thread_id=thread.id, last_read_number=1))
    assert service.reader_state(delegate, thread) == (1, False)
    with count_queries() as counter:
        database.read(service._READER_STATE, {"reader": delegate.id, "thread": thread.id}).one()
    assert counter.count == 1  # nothing pending any more: no flush
    db.session.rollback()
