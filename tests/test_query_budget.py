"""Pages make a constant, small number of SQL queries whatever the size of the data (DESIGN.md §5)."""

from datetime import timedelta

import pytest

from forum import clock
from forum.discussions.models import Discussion, DiscussionText
from forum.extensions import db
from forum.rooms.service import get_room
from forum.threads.models import Post, ReadMarker, Thread, ThreadKind

BUDGET = 10


def _bulk_threads(room, authors, count):
    """`count` threads with one post each, by rotating authors, inserted in bulk."""
    now = clock.now()
    threads = [
        Thread(
            room_id=room.id,
            title=f"Bulk thread {i}",
            author_id=authors[i % len(authors)].id,
            post_count=1,
            last_post_at=now,
            last_post_author_id=authors[(i + 1) % len(authors)].id,
            created_at=now,
        )
        for i in range(count)
    ]
    db.session.add_all(threads)
    db.session.flush()
    db.session.add_all(
        Post(thread_id=t.id, number=1, author_id=t.author_id, source="x", html="<p>x</p>", created_at=now)
        for t in threads
    )
    db.session.commit()
    return threads


def _bulk_posts(thread, authors, count):
    now = clock.now()
    start = thread.post_count
    db.session.add_all(
        Post(
            thread_id=thread.id,
            number=start + i + 1,
            author_id=authors[i % len(authors)].id,
            source=f"post {i}",
            html=f"<p>post {i}</p>",
            created_at=now,
            reply_to_id=None,
        )
        for i in range(count)
    )
    thread.post_count = start + count
    db.session.commit()


def _bulk_discussions(author, count, *, start=0):
    """`count` weekly discussions in en, fr and es, each with its three threads, inserted in bulk.

    They cycle through open, closed with a summary, and scheduled, so every part of
    the home page's "this week" has many candidates.
    """
    now = clock.now()
    rooms = {code: get_room(f"capacity-{code}") for code in ("en", "fr", "es")}
    made = []
    for index in range(start, start + count):
        kind = index % 3
        if kind == 0:
            opens_at, closes_at = now - timedelta(hours=index + 1), now + timedelta(days=3)
        elif kind == 1:
            opens_at, closes_at = now - timedelta(days=20 + index), now - timedelta(days=10 + index)
        else:
            opens_at, closes_at = now + timedelta(days=index), now + timedelta(days=index + 7)
        discussion = Discussion(
            category_id=rooms["en"].category_id, opens_at=opens_at, closes_at=closes_at, created_by_id=author.id
        )
        discussion.texts = [
            DiscussionText(
                language_code=code,
                title=f"Discussion {index} ({code})",
                opening_source="x",
                summary_source="s" if kind == 1 else None,
                summary_html="<p>s</p>" if kind == 1 else None,
            )
            for code in rooms
        ]
        made.append(discussion)
    db.session.add_all(made)
    db.session.flush()
    db.session.add_all(
        Thread(
            room_id=room.id,
            title=f"Discussion {discussion.id} ({code})",
            author_id=author.id,
            kind=ThreadKind.weekly,
            opens_at=discussion.opens_at,
            closes_at=discussion.closes_at,
            discussion_id=discussion.id,
            post_count=1,
            last_post_at=now,
            last_post_author_id=author.id,
            created_at=now,
        )
        for discussion in made
        for code, room in rooms.items()
    )
    db.session.commit()
    return made


@pytest.fixture
def authors(make_user):
    return [make_user(state=code) for code in ("FRA", "BRA", "KEN", "JPN", "POL", "MEX")] + [
        make_user("moderator"),
        make_user("staff"),
    ]


def _count(client, url, count_queries):
    client.get(url)  # warm: first request may write the read marker / last-seen time
    # Start from an empty identity map, as a request in a real server does (the user is loaded too).
    db.session.expire_all()
    with count_queries() as counter:
        response = client.get(url)
    assert response.status_code == 200
    return counter.count


# The home page's figures differ by role: a language moderator's own languages, the header's moderation and
# guest-request counts for moderators and administrators.
READERS = ["delegate", "language_moderator", "admin"]


def _reader(make_user, role):
    return make_user(role, languages=("fr",)) if role == "language_moderator" else make_user(role)


@pytest.mark.parametrize("role", READERS)
def test_home_page_queries_do_not_grow_with_threads_or_discussions(
    client, login, authors, room, count_queries, make_user, role
):
    reader = _reader(make_user, role)
    login(client, reader)
    _bulk_threads(room, authors, 1)
    _bulk_discussions(authors[6], 1)
    small = _count(client, "/", count_queries)
    _bulk_threads(room, authors, 1000)
    _bulk_discussions(authors[6], 99, start=1)
    # Some read, some not: markers join the Latest list, the rooms' unread figures and this week's threads.
    db.session.add_all(
        ReadMarker(user_id=reader.id, thread_id=thread_id, last_read_number=1)
        for thread_id in db.session.scalars(db.select(Thread.id).order_by(Thread.id).limit(400))
    )
    db.session.commit()
    large = _count(client, "/", count_queries)
    assert small == large <= BUDGET


def test_latest_page_queries_do_not_grow_with_threads(client, login, authors, room, count_queries):
    login(client, authors[0])
    _bulk_threads(room, authors, 1)
    small = _count(client, "/latest", count_queries)
    _bulk_threads(room, authors, 1000)
    large = _count(client, "/latest?page=3", count_queries)
    assert small == large <= BUDGET


@pytest.mark.parametrize("role", READERS)
def test_room_page_queries_do_not_grow_with_threads(client, login, authors, room, count_queries, make_user, role):
    reader = _reader(make_user, role)
    login(client, reader)
    _bulk_threads(room, authors, 1)
    _bulk_discussions(authors[6], 1)
    small = _count(client, f"/rooms/{room.slug}", count_queries)
    threads = _bulk_threads(room, authors, 1000)
    _bulk_discussions(authors[6], 30, start=1)
    db.session.add_all(ReadMarker(user_id=reader.id, thread_id=t.id, last_read_number=1) for t in threads[:300])
    db.session.commit()
    large = _count(client, f"/rooms/{room.slug}", count_queries)
    assert small == large <= BUDGET


@pytest.mark.parametrize("role", ["delegate", "moderator", "admin"])
def test_thread_page_queries_do_not_grow_with_posts(
    client, login, authors, room, make_thread, count_queries, make_user, role
):
    viewer = make_user(role)
    login(client, viewer)
    thread = make_thread(room, authors[1])
    # The small case already has every kind of row a page shows: a reply quoting a post.
    from forum.threads import service

    first = db.session.scalar(db.select(Post).where(Post.thread_id == thread.id))
    service.reply(thread, author=authors[2], body="quoting", reply_to=first)
    db.session.commit()
    small = _count(client, f"/t/{thread.id}", count_queries)
    _bulk_posts(thread, authors, 498)
    # Quoted replies: each post on the last page replies to an earlier one.
    for post in db.session.scalars(db.select(Post).where(Post.thread_id == thread.id, Post.number > 480)):
        post.reply_to_id = post.id - 300
    db.session.commit()
    large_first = _count(client, f"/t/{thread.id}", count_queries)
    large_last = _count(client, f"/t/{thread.id}?page=25", count_queries)
    assert small == large_first == large_last <= BUDGET


def test_live_fragment_queries_are_constant(client, login, authors, room, make_thread, count_queries):
    thread = make_thread(room, authors[1])
    login(client, authors[0])
    _bulk_posts(thread, authors, 40)
    client.get(f"/t/{thread.id}/live?after=41")
    with count_queries() as counter:
        client.get(f"/t/{thread.id}/live?after=41")
    assert counter.count <= BUDGET
