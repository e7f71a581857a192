"""The home page's room figures come from stored totals (Room.thread_total, Room.post_total) and two small
adjustments per reader (rooms.service.home_overview); here they are compared, reader by reader, with
counting every readable thread as the page did before, through every write that changes them. The room
pages (rooms.service.room_threads: their totals from the same stored figures, the threads listed first and
the others read separately) are compared likewise with sorting every readable thread of the room."""

from datetime import timedelta

import pytest
from sqlalchemy import and_, case, func, or_, select

from forum import clock, policy
from forum.audit import AuditEvent
from forum.discussions import service as discussions
from forum.extensions import db
from forum.moderation import service as moderation
from forum.rooms import service as rooms
from forum.rooms.models import Room
from forum.threads import service as threads
from forum.threads.models import ReadMarker, Thread
from tests.helpers import weekly


def counted(user):
    """The figures by counting: {room id: (threads, posts, latest post, unread threads)} (the former query)."""
    unread = case((or_(ReadMarker.user_id.is_(None), ReadMarker.last_read_number < Thread.post_count), 1), else_=0)
    rows = db.session.execute(
        select(
            Thread.room_id,
            func.count(Thread.id),
            func.coalesce(func.sum(Thread.post_count), 0),
            func.max(Thread.last_post_at),
            func.coalesce(func.sum(unread), 0),
        )
        .outerjoin(ReadMarker, and_(ReadMarker.thread_id == Thread.id, ReadMarker.user_id == user.id))
        .where(policy.readable_threads(user))
        .group_by(Thread.room_id)
    )
    return {room_id: tuple(figures) for room_id, *figures in rows}


def shown(user):
    figures = {}
    for _category, summaries in rooms.home_overview(user, "en"):
        for s in summaries:
            if s.threads:
                figures[s.room.id] = (s.threads, s.posts, s.last_post_at, s.unread_threads)
    return figures


def listed_by_sorting(user, room):
    """Every thread of `room` that `user` may read, in the room page's order, by sorting them all (as before)."""
    now = clock.now()
    return db.session.scalars(
        select(Thread.id)
        .where(Thread.room_id == room.id, policy.readable_threads(user, now))
        .order_by(
            case((rooms.open_weekly_threads(now), 1), else_=0).desc(),
            Thread.pinned.desc(),
            Thread.last_post_at.desc(),
            Thread.id.desc(),
        )
    ).all()


def listed_page_by_page(user, room, per_page):
    pages, page = [], 1
    while True:
        total, rows = rooms.room_threads(room, user, page, per_page)
        if not rows:
            return total, pages
        pages += [row.id for row in rows]
        assert len(rows) <= per_page
        page += 1


def stored_equal_recounted():
    before = dict(db.session.execute(select(Room.id, Room.thread_total + 1000 * Room.post_total)).all())
    rooms.recount_rooms()
    after = dict(db.session.execute(select(Room.id, Room.thread_total + 1000 * Room.post_total)).all())
    return before == after


@pytest.fixture
def readers(delegate, make_user, moderator):
    return [delegate, make_user("language_moderator", languages=("fr",)), moderator, make_user("staff")]


def check(readers):
    db.session.commit()
    assert stored_equal_recounted()
    for reader in readers:
        assert shown(reader) == counted(reader), reader.role
        for room in db.session.scalars(select(Room)).all():
            if not policy.can_read_room(reader, room):
                continue
            expected = listed_by_sorting(reader, room)
            for per_page in (1, 2, 25):
                assert listed_page_by_page(reader, room, per_page) == (len(expected), expected), (reader.role, room)


def test_figures_match_counting_through_every_kind_of_write(
    app, frozen_clock, readers, delegate, moderator, make_user, make_thread, room
):
    french = rooms.get_room("capacity-fr")
    other = rooms.get_room("strategies-en")
    first = make_thread(room, make_user(state="KEN"), title="One", body="Opening")
    make_thread(french, make_user(state="FRA"), title="Deux", body="Ouverture")
    frozen_clock.advance(minutes=5)
    threads.reply(first, author=delegate, body="A reply")
    check(readers)
    # More threads, two of them pinned: they lead their room's pages, the others follow by latest activity.
    for number in range(4):
        frozen_clock.advance(minutes=1)
        extra = make_thread(room, make_user(state="BRA"), title=f"Extra {number}", body="More")
        if number in (1, 3):
            threads.set_pinned(extra, True, by=moderator)
    check(readers)

    # The delegate reads one thread to the end; another reply makes it unread again for them only.
    threads.mark_read(delegate, first, first.post_count)
    check(readers)
    frozen_clock.advance(minutes=5)
    threads.reply(first, author=moderator, body="Another")
    check(readers)

    # A weekly discussion scheduled for next Monday: its threads count for the moderators only, until it opens.
    weekly.schedule(moderator)
    check(readers)
    frozen_clock.set(weekly.MONDAY_NEXT + timedelta(minutes=1))
    check(readers)

    # Moved, and the move reversed; a discussion moved to another category; a discussion cancelled.
    mover = make_user("language_moderator", languages=("en",))
    threads.move_thread(first, other, by=mover)
    check(readers)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "thread.move"))
    moderation.reverse_act(event, by=moderator, reason="Wrong room")
    check(readers)
    frozen_clock.set(weekly.MONDAY_NEXT - timedelta(days=6))
    later = weekly.schedule(
        moderator, opens_at=weekly.MONDAY_NEXT + timedelta(days=7), closes_at=weekly.MONDAY_NEXT + timedelta(days=14)
    )
    discussions.edit_discussion(
        later, by=moderator, category_id=weekly.category("strategies").id, texts=weekly.texts("en", "fr", "es")
    )
    check(readers)
    discussions.cancel_discussion(later, by=moderator, reason="Speaker unavailable")
    check(readers)


def test_home_page_queries_do_not_grow_with_threads(app, delegate, make_thread, room, count_queries):
    make_thread(room, delegate, title="One", body="Opening")
    db.session.commit()
    with count_queries() as few:
        rooms.home_overview(delegate, "en")
    for number in range(30):
        make_thread(room, delegate, title=f"Thread {number}", body="Opening")
    db.session.commit()
    with count_queries() as many:
        rooms.home_overview(delegate, "en")
    # The rooms, their categories' names and the reader's adjustments; and the reader's own row, expired by the commit.
    assert many.count == few.count <= 4


def test_erased_authors_are_named_by_their_state_without_a_query_each(
    client, login, delegate, make_user, make_thread, room, count_queries
):
    """A room's rows and the Latest list name an erased author "Former delegate of …": their member state is loaded
    with them (only the regional group is not), so erased authors of many states cost no query each."""
    from forum.erasure.service import erase_account

    def page_queries():
        client.get(f"/rooms/{room.slug}")
        db.session.expire_all()
        with count_queries() as counted:
            pages = client.get(f"/rooms/{room.slug}").get_data(as_text=True) + client.get("/").get_data(as_text=True)
        return counted.count, pages

    authors = [make_user(state=state) for state in ("KEN", "BRA", "NOR")]
    for author in authors:
        make_thread(room, author, title=f"From {author.id}")
    db.session.commit()
    login(client, delegate)
    before, _pages = page_queries()
    for author in authors:
        erase_account(author)
    db.session.commit()
    after, pages = page_queries()
    assert after == before
    for state in ("Kenya", "Brazil", "Norway"):
        assert f"Former delegate of {state}" in pages


def test_a_lists_rows_carry_member_state_names_only_for_erased_authors(delegate, make_user, make_thread, room):
    """The names (JSON, decoded row by row) name an erased author only: a living one's row does without them."""
    from forum.erasure.service import erase_account
    from forum.threads.models import Thread

    living, erased = make_user(state="KEN"), make_user(state="BRA")
    threads = [make_thread(room, author, title=f"From {author.id}") for author in (living, erased)]
    erase_account(erased)
    db.session.commit()
    rows = {
        row.id: row
        for row in db.session.execute(
            rooms.thread_listing().where(Thread.id.in_([thread.id for thread in threads])), {"reader": delegate.id}
        )
    }
    assert rows[threads[0].id].author_state_code == "KEN" and rows[threads[0].id].author_state_names is None
    assert rows[threads[1].id].author_state_names is not None


def test_the_overview_reads_totals_written_since_the_session_loaded_the_rooms(delegate, make_thread, room):
    make_thread(room, delegate, title="First")

    def threads_in_room():
        overview = rooms.home_overview(delegate, "en")
        return next(each.threads for _category, summaries in overview for each in summaries if each.room is room)

    before = threads_in_room()
    # A reply's writes update the totals as a statement on the table, which the session's Room does not see;
    # the same transaction, nothing committed in between.
    table = Room.__table__
    db.session.connection().execute(
        table.update().where(table.c.id == room.id).values(thread_total=table.c.thread_total + 2)
    )
    assert threads_in_room() == before + 2
