"""The rows' copies of post state, room, category, discussion and opening follow every change of their source.

Search filters on those copies alone (forum.search.models), so each test
changes one source through its service, checks that every row's copies equal
a fresh join of posts, threads and rooms, and that search then finds (or not)
what the reader may now see.
"""

from datetime import timedelta

import pytest
from sqlalchemy import select

from forum import clock, policy
from forum.discussions import service as discussions
from forum.extensions import db
from forum.moderation import service as moderation
from forum.rooms.models import Room
from forum.rooms.service import get_room
from forum.search import service
from forum.search.models import EntryKind, SearchEntry
from forum.threads import service as threads
from forum.threads.models import Post, PostState, Thread
from tests.helpers import weekly

# The varied forum of the policy scope tests: every role, every kind of thread and post state.
from tests.test_policy_scopes import ROLES, _add_posts_in_every_state, _user, varied_forum  # noqa: F401


def assert_copies_match():
    """Every post's and summary's row holds its source's current facts; every proposal's, its category."""
    db.session.flush()
    rows = db.session.execute(
        select(SearchEntry, Post.state, Thread.room_id, Room.category_id, Thread.discussion_id, Thread.opens_at)
        .join(Thread, Thread.id == SearchEntry.thread_id)
        .join(Room, Room.id == Thread.room_id)
        .outerjoin(Post, Post.id == SearchEntry.post_id)
    ).all()
    assert rows
    for entry, state, room_id, category_id, discussion_id, opens_at in rows:
        expected = (state if entry.kind == EntryKind.post else None, room_id, category_id, discussion_id, opens_at)
        copied = (entry.post_state, entry.room_id, entry.category_id, entry.discussion_id, entry.opens_at)
        assert copied == expected, entry.id


@pytest.fixture
def other(make_user):
    return make_user(state="KEN")


def _reply(thread, author, body):
    post = threads.reply(thread, author=author, body=body)
    db.session.commit()
    return post


def test_hide_and_restore_follow_to_the_copy(delegate, other, moderator, room, make_thread, found_posts):
    post = _reply(make_thread(room, other), other, "Copyhidemarker text")
    assert found_posts(delegate, "copyhidemarker") == {post.id}
    moderation.hide_post(post, by=moderator, clause="3.1", reason="Off topic")
    db.session.commit()
    assert db.session.scalar(select(SearchEntry.post_state).where(SearchEntry.post_id == post.id)) == PostState.hidden
    assert_copies_match()
    assert found_posts(delegate, "copyhidemarker") == set()
    assert found_posts(other, "copyhidemarker") == {post.id}
    moderation.restore_post(post, by=moderator, reason="Fine after all")
    db.session.commit()
    assert_copies_match()
    assert found_posts(delegate, "copyhidemarker") == {post.id}


def test_approving_a_held_post_publishes_its_copy(delegate, other, moderator, room, make_thread, found_posts):
    post = _reply(make_thread(room, other), other, "Copyheldmarker text")
    post.state = PostState.held
    db.session.commit()
    assert_copies_match()
    assert found_posts(delegate, "copyheldmarker") == set()
    moderation.approve_post(post, by=moderator)
    db.session.commit()
    assert_copies_match()
    assert found_posts(delegate, "copyheldmarker") == {post.id}


def test_a_moved_thread_is_found_in_its_new_room_only(delegate, other, moderator, make_thread, found_posts):
    source, target = get_room("capacity-en"), get_room("strategies-fr")
    thread = make_thread(source, other, body="Copymovemarker text")
    assert found_posts(delegate, "copymovemarker", room_id=source.id)
    threads.move_thread(thread, target, by=moderator)
    db.session.commit()
    assert_copies_match()
    assert found_posts(delegate, "copymovemarker", room_id=source.id) == set()
    assert found_posts(delegate, "copymovemarker", room_id=target.id)
    assert found_posts(delegate, "copymovemarker", category_id=target.category_id)
    assert found_posts(delegate, "copymovemarker", category_id=source.category_id) == set()


def test_rescheduling_a_discussion_moves_its_copies_opening(delegate, moderator, frozen_clock):
    discussion = weekly.schedule(
        moderator, opens_at=frozen_clock.now + timedelta(days=3), closes_at=frozen_clock.now + timedelta(days=9)
    )
    assert_copies_match()
    assert service.search("sharing evaluation", user=delegate).total == 0
    # The threads' times are written in one bulk UPDATE (forum.discussions), not through the flush.
    discussions.reschedule_discussion(
        discussion,
        by=moderator,
        opens_at=frozen_clock.now + timedelta(hours=1),
        closes_at=frozen_clock.now + timedelta(days=9),
    )
    db.session.commit()
    assert_copies_match()
    assert service.search("sharing evaluation", user=delegate).total == 0
    frozen_clock.advance(hours=2)
    assert service.search("sharing evaluation", user=delegate).total == 3
    assert service.search("sharing evaluation", user=delegate, filters=service.Filters(weekly_only=True)).total == 3


def test_a_cancelled_discussion_is_not_found(delegate, moderator, frozen_clock):
    discussion = weekly.schedule(moderator, opens_at=frozen_clock.now + timedelta(days=3))
    frozen_clock.advance(days=4)
    assert service.search("sharing evaluation", user=moderator).total == 3
    frozen_clock.set(frozen_clock.now - timedelta(days=4))
    discussions.cancel_discussion(discussion, by=moderator, reason="No speakers.")
    db.session.commit()
    frozen_clock.advance(days=4)
    assert service.search("sharing evaluation", user=moderator).total == 0


def test_forget_post_empties_its_row_at_once(delegate, other, room, make_thread, found_posts):
    post = _reply(make_thread(room, other), other, "Copyforgetmarker text")
    assert found_posts(delegate, "copyforgetmarker") == {post.id}
    service.forget_post(post)
    db.session.commit()
    assert db.session.scalar(select(SearchEntry.id).where(SearchEntry.post_id == post.id)) is None
    assert found_posts(delegate, "copyforgetmarker") == set()
    assert found_posts(other, "copyforgetmarker") == set()


def test_an_author_moved_to_another_member_state_is_filtered_by_the_new_one(
    delegate, other, room, make_thread, found_posts
):
    from forum.members.models import MemberState

    post = _reply(make_thread(room, other), other, "Copystatemarker text")
    kenya = other.member_state_id
    other.member_state_id = db.session.scalar(select(MemberState.id).where(MemberState.id != kenya).limit(1))
    db.session.commit()
    assert found_posts(delegate, "copystatemarker", member_state_id=kenya) == set()
    assert found_posts(delegate, "copystatemarker", member_state_id=other.member_state_id) == {post.id}


@pytest.mark.parametrize("role", ROLES)
def test_the_copied_scope_agrees_with_can_read_post(role, varied_forum, make_user):  # noqa: F811
    user = _user(role, make_user, varied_forum)
    author = db.session.scalar(select(Thread.author_id).limit(1))
    _add_posts_in_every_state(user, db.session.get(type(user), author))
    assert_copies_match()
    posts = db.session.scalars(select(Post)).all()
    in_python = {post.id for post in posts if policy.can_read_post(user, post)}
    in_sql = set(
        db.session.scalars(
            select(SearchEntry.post_id).where(
                SearchEntry.kind == EntryKind.post, policy.readable_copied_posts(user, SearchEntry, clock.now())
            )
        )
    )
    assert in_sql == in_python
    if role != "inactive":
        assert in_python and len(in_python) < len(posts)
