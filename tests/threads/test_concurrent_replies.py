"""Replies posted at the same moment by many writers: none lost, none doubled, numbers and markers right.

The reply view reads in a deferred transaction and takes the write lock only
for its writes (forum.database.reads_first); these tests post through the
web, each writer with its own client, session and connection, all released
together by a barrier. They run on SQLite and on PostgreSQL.
"""

import threading

from sqlalchemy import func, select

from forum.extensions import db
from forum.notifications.models import Notification
from forum.threads import service
from forum.threads.models import Post, ReadMarker, Thread

WRITERS = 6
REPLIES = 3


def _post_together(app, login, writers, thread_id, sends):
    """Each writer posts `sends(index)` (a list of (body, key)) after all are ready; returns the status codes."""
    clients = [login(app.test_client(), writer) for writer in writers]
    # The test's own session ends its transaction: outside a request it would hold the write lock.
    db.session.commit()
    barrier = threading.Barrier(len(writers))
    statuses = [[] for _ in writers]

    def run(index):
        barrier.wait(timeout=30)
        for body, key in sends(index):
            response = clients[index].post(f"/t/{thread_id}/reply", data={"body": body, "submission_key": key})
            statuses[index].append(response.status_code)

    threads = [threading.Thread(target=run, args=(index,)) for index in range(len(writers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    db.session.expire_all()
    return [status for each in statuses for status in each]


def test_simultaneous_replies_are_all_stored_once_with_distinct_numbers(app, login, make_user, make_thread, room):
    author = make_user(state="KEN")
    thread = make_thread(room, author, title="Monday morning", body="Who is here?")
    writers = [make_user(state=code) for code in ("FRA", "BRA", "JPN", "POL", "MEX", "EGY")][:WRITERS]
    # The thread's author follows it: every reply notifies them once.
    statuses = _post_together(
        app,
        login,
        writers,
        thread.id,
        # The last send repeats the first key: a resent form, answered without a second post.
        lambda index: (
            [(f"Reply {index}-{n}", f"key-{index}-{n}") for n in range(REPLIES)]
            + [(f"Reply {index}-0", f"key-{index}-0")]
        ),
    )
    assert statuses == [302] * (WRITERS * (REPLIES + 1))
    numbers = db.session.scalars(select(Post.number).where(Post.thread_id == thread.id).order_by(Post.number)).all()
    assert numbers == list(range(1, WRITERS * REPLIES + 2))
    assert db.session.get(Thread, thread.id).post_count == WRITERS * REPLIES + 1
    bodies = db.session.scalars(select(Post.source).where(Post.thread_id == thread.id, Post.number > 1)).all()
    assert sorted(bodies) == sorted(f"Reply {i}-{n}" for i in range(WRITERS) for n in range(REPLIES))
    for writer in writers:
        last = db.session.scalar(
            select(func.max(Post.number)).where(Post.thread_id == thread.id, Post.author_id == writer.id)
        )
        # One's own post is never new to oneself: the marker reached at least one's last reply.
        assert db.session.get(ReadMarker, (writer.id, thread.id)).last_read_number >= last
    replies_to_author = db.session.scalar(
        select(func.count(Notification.id)).where(Notification.user_id == author.id, Notification.kind == "reply")
    )
    assert replies_to_author == WRITERS * REPLIES


def test_one_form_sent_by_several_requests_at_once_makes_one_post(app, login, make_user, make_thread, room):
    writer = make_user(state="FRA")
    thread = make_thread(room, make_user(state="KEN"), title="Double click", body="Once only")
    statuses = _post_together(app, login, [writer] * 4, thread.id, lambda index: [("Sent once", "the-same-key")])
    assert all(status in (302, 400) for status in statuses) and 302 in statuses
    assert db.session.scalar(select(func.count(Post.id)).where(Post.source == "Sent once")) == 1


def test_a_refused_reply_under_the_new_transactions_changes_nothing(client, login, make_user, make_thread, room):
    writer = make_user(state="FRA")
    thread = make_thread(room, make_user(state="KEN"), title="Locked", body="Closed soon")
    thread.locked = True
    db.session.commit()
    response = login(client, writer).post(f"/t/{thread.id}/reply", data={"body": "Too late", "submission_key": "k"})
    assert response.status_code == 403
    assert db.session.scalar(select(func.count(Post.id)).where(Post.thread_id == thread.id)) == 1
    assert service.count_posts() == 1
