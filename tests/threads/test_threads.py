"""Rooms, threads and posts through the web: reading, posting, editing, markers, moderation of threads."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from forum import clock
from forum.audit import AuditEvent
from forum.extensions import db
from forum.rooms.models import Language
from forum.rooms.service import get_room
from forum.threads import service
from forum.threads.models import Post, PostRevision, ReadMarker, Thread, Watch


def _posts():
    return db.session.scalar(select(func.count(Post.id)))


@pytest.fixture
def thread(room, make_user, make_thread):
    return make_thread(
        room, make_user(state="KEN", name="Wanjiru Kamau"), title="Training examiners", body="How do you train?"
    )


def test_room_page_lists_threads_pinned_first_then_latest(client, delegate, login, room, make_thread, frozen_clock):
    old = make_thread(room, delegate, title="Old pinned")
    frozen_clock.advance(hours=1)
    make_thread(room, delegate, title="Older")
    frozen_clock.advance(hours=1)
    make_thread(room, delegate, title="Newest")
    old.pinned = True
    db.session.commit()
    page = login(client, delegate).get("/rooms/capacity-en").get_data(as_text=True)
    assert page.index("Old pinned") < page.index("Newest") < page.index("Older")
    assert "Pinned" in page


def test_room_pagination(client, delegate, login, room, make_thread, app):
    app.config["THREADS_PER_PAGE"] = 3
    for index in range(7):
        make_thread(room, delegate, title=f"Thread number {index}")
    login(client, delegate)
    assert client.get("/rooms/capacity-en?page=3").get_data(as_text=True).count("Thread number") == 1
    assert client.get("/rooms/capacity-en?page=99").status_code == 200
    assert client.get("/rooms/capacity-en?page=-4").status_code == 200
    assert client.get("/rooms/capacity-en?page=abc").status_code == 200


def test_unknown_room_is_404(client, delegate, login):
    assert login(client, delegate).get("/rooms/nowhere").status_code == 404


def test_thread_page_shows_author_state_and_badges(client, login, room, make_user, make_thread):
    moderator = make_user("moderator", name="Moana Moderator")
    expert = make_user("staff", name="Sam Expert")
    delegate = make_user(state="DEU", name="Dana Delegate")
    thread = make_thread(room, delegate, title="Badges")
    service.reply(thread, author=moderator, body="From the moderator")
    service.reply(thread, author=expert, body="From the expert")
    db.session.commit()
    page = login(client, delegate).get(f"/t/{thread.id}").get_data(as_text=True)
    assert "Dana Delegate" in page and "Germany" in page
    assert "Moderator</span>" in page
    assert "Secretariat expert</span>" in page


def test_reply_with_markdown_is_rendered_and_stored_with_source(client, delegate, login, thread):
    login(client, delegate)
    response = client.post(
        f"/t/{thread.id}/reply", data={"body": "**Strong** point\n\n- a\n- b", "submission_key": "k1"}
    )
    assert response.status_code == 302
    assert response.location.endswith("#post-2")
    post = db.session.scalar(select(Post).where(Post.number == 2))
    assert post.source.startswith("**Strong**")
    assert "<strong>Strong</strong>" in post.html
    assert "<strong>Strong</strong>" in client.get(f"/t/{thread.id}").get_data(as_text=True)


def test_preview_shows_the_rendering_and_saves_nothing(client, delegate, login, thread):
    login(client, delegate)
    response = client.post(f"/t/{thread.id}/reply", data={"body": "*try*", "preview": "Preview", "submission_key": "k"})
    assert response.status_code == 200
    assert "<em>try</em>" in response.get_data(as_text=True)
    assert _posts() == 1


def test_double_submission_creates_one_post(client, delegate, login, thread):
    login(client, delegate)
    first = client.post(f"/t/{thread.id}/reply", data={"body": "Once", "submission_key": "same-key"})
    second = client.post(f"/t/{thread.id}/reply", data={"body": "Once", "submission_key": "same-key"})
    assert first.location == second.location
    assert _posts() == 2


def test_empty_and_too_long_replies_are_refused(client, delegate, login, thread, app):
    login(client, delegate)
    response = client.post(f"/t/{thread.id}/reply", data={"body": "   ", "submission_key": "a"})
    assert response.status_code == 400
    assert b"The message is empty." in response.data
    app.config["POST_MAX_LENGTH"] = 50
    response = client.post(f"/t/{thread.id}/reply", data={"body": "x" * 51, "submission_key": "b"})
    assert response.status_code == 400
    assert b"The message is too long (at most 50 characters)." in response.data
    assert _posts() == 1


def test_reply_to_a_closed_thread_is_refused(client, delegate, login, thread):
    thread.locked = True
    db.session.commit()
    login(client, delegate)
    assert client.post(f"/t/{thread.id}/reply", data={"body": "late"}).status_code == 403
    assert b"This thread is closed" in client.get(f"/t/{thread.id}").data
    assert _posts() == 1


def test_reply_after_closing_time_is_refused(client, delegate, login, thread, frozen_clock):
    thread.closes_at = frozen_clock.now + timedelta(hours=1)
    db.session.commit()
    login(client, delegate)
    assert client.post(f"/t/{thread.id}/reply", data={"body": "in time", "submission_key": "1"}).status_code == 302
    frozen_clock.advance(hours=1)
    assert client.post(f"/t/{thread.id}/reply", data={"body": "too late", "submission_key": "2"}).status_code == 403
    assert _posts() == 2


def test_suspended_user_can_read_but_not_reply(client, make_user, login, thread):
    suspended = make_user(suspended_until=clock.now() + timedelta(days=3))
    login(client, suspended)
    page = client.get(f"/t/{thread.id}")
    assert page.status_code == 200
    assert b"Your account is suspended until" in page.data
    assert client.post(f"/t/{thread.id}/reply", data={"body": "hello"}).status_code == 403
    assert _posts() == 1


def test_moderator_only_room_refuses_new_threads_from_members(client, delegate, make_user, login, room):
    room.moderators_only = True
    db.session.commit()
    login(client, delegate)
    assert client.get(f"/rooms/{room.slug}/new").status_code == 403
    assert client.post(f"/rooms/{room.slug}/new", data={"title": "t", "body": "b"}).status_code == 403
    assert db.session.scalar(select(func.count(Thread.id))) == 0
    login(client, make_user("moderator"))
    assert (
        client.post(f"/rooms/{room.slug}/new", data={"title": "t", "body": "b", "submission_key": "x"}).status_code
        == 302
    )


def test_reply_to_a_post_of_another_thread_is_refused(client, delegate, login, room, thread, make_thread):
    other = make_thread(room, delegate, title="Other")
    foreign_post = db.session.scalar(select(Post).where(Post.thread_id == other.id))
    login(client, delegate)
    response = client.post(f"/t/{thread.id}/reply", data={"body": "x", "reply_to": str(foreign_post.id)})
    assert response.status_code == 400
    assert _posts() == 2


def test_reply_with_quote_prefills_the_form(client, delegate, login, thread):
    first = db.session.scalar(select(Post).where(Post.thread_id == thread.id))
    page = login(client, delegate).get(f"/t/{thread.id}?reply_to={first.id}").get_data(as_text=True)
    assert "&gt; How do you train?" in page
    assert f'name="reply_to" type="hidden" value="{first.id}"' in page
    response = client.post(
        f"/t/{thread.id}/reply", data={"body": "> quoted\n\nanswer", "reply_to": str(first.id), "submission_key": "q"}
    )
    assert response.status_code == 302
    assert "In reply to #1" in client.get(f"/t/{thread.id}").get_data(as_text=True)


def test_start_thread_with_preview_then_post(client, delegate, login, room):
    login(client, delegate)
    preview = client.post(
        f"/rooms/{room.slug}/new", data={"title": "New topic", "body": "*hi*", "preview": "1", "submission_key": "s"}
    )
    assert b"<em>hi</em>" in preview.data
    assert db.session.scalar(select(func.count(Thread.id))) == 0
    response = client.post(
        f"/rooms/{room.slug}/new", data={"title": "New topic", "body": "*hi*", "submission_key": "s"}
    )
    assert response.status_code == 302
    again = client.post(f"/rooms/{room.slug}/new", data={"title": "New topic", "body": "*hi*", "submission_key": "s"})
    assert again.location == response.location
    assert db.session.scalar(select(func.count(Thread.id))) == 1


def test_thread_title_is_required(client, delegate, login, room):
    login(client, delegate)
    response = client.post(f"/rooms/{room.slug}/new", data={"title": "  ", "body": "b"})
    assert b"A title is required." in response.data
    assert db.session.scalar(select(func.count(Thread.id))) == 0


# Editing ---------------------------------------------------------------------


def test_author_edits_and_the_revision_is_kept(client, delegate, login, room, make_thread):
    thread = make_thread(room, delegate, body="Original text")
    post = db.session.scalar(select(Post).where(Post.thread_id == thread.id))
    login(client, delegate)
    assert client.get(f"/p/{post.id}/edit").status_code == 200
    response = client.post(f"/p/{post.id}/edit", data={"body": "Corrected text"})
    assert response.status_code == 302
    db.session.refresh(post)
    assert post.source == "Corrected text" and post.edited_at is not None
    revisions = db.session.scalars(select(PostRevision)).all()
    assert [r.source for r in revisions] == ["Original text"]
    page = client.get(f"/t/{thread.id}").get_data(as_text=True)
    assert "edited" in page
    history = client.get(f"/p/{post.id}/revisions").get_data(as_text=True)
    assert "Original text" in history and "Corrected text" in history


def test_others_cannot_edit_or_see_revisions(client, delegate, make_user, login, room, make_thread):
    thread = make_thread(room, delegate, body="Mine")
    post = db.session.scalar(select(Post).where(Post.thread_id == thread.id))
    service.edit_post(post, editor=delegate, body="Mine, edited")
    db.session.commit()
    login(client, make_user(state="BRA"))
    assert client.get(f"/p/{post.id}/edit").status_code == 403
    assert client.post(f"/p/{post.id}/edit", data={"body": "hijacked"}).status_code == 403
    assert client.get(f"/p/{post.id}/revisions").status_code == 403
    login(client, make_user("moderator"))
    assert client.get(f"/p/{post.id}/revisions").status_code == 200
    db.session.refresh(post)
    assert post.source == "Mine, edited"


def test_no_edit_in_a_closed_thread(client, delegate, login, room, make_thread):
    thread = make_thread(room, delegate, locked=True)
    post = db.session.scalar(select(Post).where(Post.thread_id == thread.id))
    login(client, delegate)
    assert client.post(f"/p/{post.id}/edit", data={"body": "x"}).status_code == 403


# Read markers ------------------------------------------------------------------


def test_unread_marker_and_first_unread(client, make_user, login, room, make_thread, app):
    app.config["POSTS_PER_PAGE"] = 5
    author = make_user(state="BRA")
    reader = make_user()
    thread = make_thread(room, author, replies=6)  # 7 posts
    login(client, reader)
    room_page = client.get("/rooms/capacity-en").get_data(as_text=True)
    assert "New" in room_page
    assert client.get(f"/t/{thread.id}/unread").location.endswith(f"/t/{thread.id}?page=1#post-1")
    client.get(f"/t/{thread.id}")  # page 1: posts 1-5
    assert db.session.get(ReadMarker, (reader.id, thread.id)).last_read_number == 5
    assert client.get(f"/t/{thread.id}/unread").location.endswith("?page=2#post-6")
    assert "2 new" in client.get("/rooms/capacity-en").get_data(as_text=True)
    client.get(f"/t/{thread.id}?page=2")
    assert db.session.get(ReadMarker, (reader.id, thread.id)).last_read_number == 7
    client.get(f"/t/{thread.id}?page=1")  # going back never moves the marker backwards
    assert db.session.get(ReadMarker, (reader.id, thread.id)).last_read_number == 7
    assert "badge-unread" not in client.get("/rooms/capacity-en").get_data(as_text=True)


def test_home_counts_unread_threads_per_room(client, make_user, login, room, make_thread):
    author = make_user(state="BRA")
    reader = make_user()
    make_thread(room, author)
    make_thread(room, author)
    page = login(client, reader).get("/").get_data(as_text=True)
    assert "2 unread" in page
    assert "2 threads" in page


def test_reading_a_page_already_read_writes_nothing(client, delegate, login, thread, count_queries):
    login(client, delegate)
    client.get(f"/t/{thread.id}")
    with count_queries() as counter:
        client.get(f"/t/{thread.id}")
    assert not [s for s in counter.statements if s.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]


def test_thread_pagination_edges(client, delegate, login, room, make_thread, app):
    app.config["POSTS_PER_PAGE"] = 4
    thread = make_thread(room, delegate, replies=7)  # 8 posts, exactly 2 pages
    login(client, delegate)
    assert 'id="post-8"' in client.get(f"/t/{thread.id}?page=2").get_data(as_text=True)
    assert 'id="post-8"' in client.get(f"/t/{thread.id}?page=3").get_data(as_text=True)  # clamps to last
    assert 'id="post-1"' in client.get(f"/t/{thread.id}?page=0").get_data(as_text=True)
    post = db.session.scalar(select(Post).where(Post.number == 5))
    assert client.get(f"/p/{post.id}").location.endswith("?page=2#post-5")


def test_live_endpoint_returns_only_newer_posts(client, delegate, make_user, login, thread):
    other = make_user(state="BRA")
    service.reply(thread, author=other, body="Fresh news")
    db.session.commit()
    login(client, delegate)
    response = client.get(f"/t/{thread.id}/live?after=1")
    assert response.status_code == 200
    assert "Fresh news" in response.get_data(as_text=True)
    assert response.headers["X-Last-Number"] == "2"
    empty = client.get(f"/t/{thread.id}/live?after=2")
    assert 'class="post' not in empty.get_data(as_text=True)
    assert empty.headers["X-Last-Number"] == "2"


# Watching ------------------------------------------------------------------------


def test_watch_unwatch_and_notification_on_reply(client, delegate, make_user, login, thread):
    login(client, delegate)
    client.post(f"/t/{thread.id}/watch", data={"watch": "1"})
    assert db.session.get(Watch, (delegate.id, thread.id)) is not None
    other = make_user(state="BRA", name="Replying Person")
    service.reply(thread, author=other, body="news")
    db.session.commit()
    page = client.get("/notifications").get_data(as_text=True)
    assert "Replying Person replied" in page
    client.post(f"/t/{thread.id}/watch", data={"watch": "0"})
    assert db.session.get(Watch, (delegate.id, thread.id)) is None


# Thread moderation --------------------------------------------------------------


@pytest.mark.parametrize(
    "role,languages,allowed",
    [
        ("delegate", (), False),
        ("staff", (), False),
        ("language_moderator", ("fr",), False),
        ("language_moderator", ("en",), True),
        ("moderator", (), True),
        ("admin", (), True),
    ],
)
def test_pin_lock_move_only_by_moderators_of_the_room(client, make_user, login, thread, role, languages, allowed):
    actor = make_user(role, languages=languages)
    login(client, actor)
    target = get_room("capacity-fr" if role != "language_moderator" else "strategies-en")
    statuses = [
        client.post(f"/t/{thread.id}/pin", data={"pinned": "1"}).status_code,
        client.post(f"/t/{thread.id}/lock", data={"locked": "1"}).status_code,
        client.post(f"/t/{thread.id}/move", data={"room": target.id}).status_code,
    ]
    db.session.refresh(thread)
    if allowed:
        assert statuses == [302, 302, 302]
        assert thread.pinned and thread.locked and thread.room_id == target.id
        actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
        assert actions == ["thread.pin", "thread.lock", "thread.move"]
    else:
        assert statuses == [403, 403, 403]
        assert not thread.pinned and not thread.locked and thread.room.slug == "capacity-en"
        assert db.session.scalar(select(func.count(AuditEvent.id))) == 0


def test_language_moderator_cannot_move_a_thread_out_of_their_languages(client, make_user, login, thread):
    login(client, make_user("language_moderator", languages=("en",)))
    response = client.post(f"/t/{thread.id}/move", data={"room": get_room("capacity-fr").id})
    assert response.status_code == 403


def test_move_offers_active_rooms_only_grouped_by_category(client, make_user, login, thread):
    from forum.rooms.service import add_language, set_language_active

    moderator = make_user("moderator")
    add_language("pt", by=moderator)
    set_language_active(db.session.get(Language, "es"), False, by=moderator)
    db.session.commit()
    login(client, moderator)
    page = client.get(f"/t/{thread.id}/move").get_data(as_text=True)
    select_box = re.search(r'<select[^>]*name="room".*?</select>', page, re.S).group(0)
    assert select_box.count("<optgroup") == 6
    assert "Português" in select_box and "Español" not in select_box
    # Posting a deactivated room's id anyway is refused and moves nothing.
    response = client.post(f"/t/{thread.id}/move", data={"room": get_room("capacity-es").id})
    assert response.status_code == 403
    db.session.refresh(thread)
    assert thread.room.slug == "capacity-en"


def test_reopen_allows_replies_again(client, delegate, make_user, login, thread):
    moderator = make_user("moderator")
    service.set_locked(thread, True, by=moderator)
    db.session.commit()
    login(client, moderator)
    client.post(f"/t/{thread.id}/lock", data={"locked": "0"})
    login(client, delegate)
    assert client.post(f"/t/{thread.id}/reply", data={"body": "again", "submission_key": "r"}).status_code == 302


def test_inactive_language_hides_its_rooms(client, delegate, make_user, login):
    from forum.rooms.models import Language
    from forum.rooms.service import set_language_active

    set_language_active(db.session.get(Language, "es"), False, by=make_user("admin"))
    db.session.commit()
    login(client, delegate)
    assert client.get("/rooms/capacity-es").status_code == 404
    assert "capacity-es" not in client.get("/").get_data(as_text=True)
