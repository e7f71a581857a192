"""The weekly rollup (forum.stats.rollup): the figures are the same from it as from the posts, whatever changes.

The known history of conftest.py is read on Monday 30 November 2026: the tick rolls the five whole weeks
from 26 October to 29 November. Each test compares every figure of the report with the rollup to the same
report counted from the posts alone (the rollup's weeks marked not rolled), after a change the rollup
counted differently.
"""

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import delete, func, inspect, select, update

from forum.extensions import db
from forum.periodic import run_periodic_work
from forum.rooms.service import get_room
from forum.stats import rollup, service
from forum.stats.models import RolledWeek, RoomWeek, StateWeek
from forum.threads.models import Post, PostState
from tests.stats.conftest import FIRST, LAST, write

ROLLED = [date(2026, 10, 26), date(2026, 11, 2), date(2026, 11, 9), date(2026, 11, 16), date(2026, 11, 23)]
FILTERS = [
    {},
    {"language_code": "fr"},
    {"category_id": "capacity"},
    {"group_id": "GRULAC"},
    {"room_id": "capacity-en"},
    {"discussion_id": "history"},
]


def _filters(history, period, **named):
    from forum.members.models import RegionalGroup

    values = dict(named)
    if "category_id" in values:
        values["category_id"] = get_room("capacity-en").category_id
    if "group_id" in values:
        values["group_id"] = db.session.scalar(select(RegionalGroup.id).where(RegionalGroup.code == values["group_id"]))
    if "room_id" in values:
        values["room_id"] = get_room(values["room_id"]).id
    if "discussion_id" in values:
        values["discussion_id"] = history.discussion.id
    return service.Filters(period, **values)


def figures(filters):
    report = service.build_report(filters)
    return report.headline, {table.key: table.rows for table in report.tables}


def from_the_posts(filters):
    """The same report with no week rolled (undone at once: the rollup stays as it was)."""
    savepoint = db.session.begin_nested()
    db.session.execute(delete(RolledWeek))
    counted = figures(filters)
    savepoint.rollback()
    return counted


def assert_rollup_exact(history, *periods):
    for period in periods or (service.Period(FIRST, LAST), service.Period(date(2026, 10, 1), date(2026, 11, 30))):
        for named in FILTERS:
            filters = _filters(history, period, **named)
            assert figures(filters) == from_the_posts(filters), named


def test_the_tick_rolls_the_whole_past_weeks_once(history, app):
    with app.test_request_context():
        assert rollup.roll_weeks(rollup.clock.now()) == len(ROLLED)
        db.session.commit()
        assert db.session.scalars(select(RolledWeek.week).order_by(RolledWeek.week)).all() == ROLLED
        assert rollup.roll_weeks(rollup.clock.now()) == 0
        # The room counts of the week of 9 November: 3 posts taking part in French, 1 thread, 1 hidden, 1 held.
        french = get_room("capacity-fr").id
        row = db.session.get(RoomWeek, (date(2026, 11, 9), french))
        assert (row.posts, row.threads, row.hidden, row.held) == (2, 1, 1, 1)


def test_the_periodic_work_counts_the_weeks(history, app):
    summary = run_periodic_work()
    assert summary.results["statistics weeks counted"] == len(ROLLED)
    assert run_periodic_work().results["statistics weeks counted"] == 0


def test_figures_from_the_rollup_are_the_figures_from_the_posts(history, app):
    with app.test_request_context():
        live = figures(service.Filters(service.Period(FIRST, LAST)))
        rollup.roll_weeks(rollup.clock.now())
        db.session.commit()
        assert figures(service.Filters(service.Period(FIRST, LAST))) == live
        assert_rollup_exact(history)


def test_the_page_reads_rolled_weeks_from_the_rollup(history, app):
    """Proof that the rollup answers: a count changed behind its back shows, until the week is invalidated."""
    with app.test_request_context():
        rollup.roll_weeks(rollup.clock.now())
        english = get_room("capacity-en").id
        db.session.execute(
            update(RoomWeek).where(RoomWeek.week == date(2026, 11, 2), RoomWeek.room_id == english).values(posts=100)
        )
        db.session.execute(
            update(StateWeek).where(StateWeek.week == date(2026, 11, 2)).values(posts=StateWeek.posts + 10)
        )
        db.session.commit()
        report = service.build_report(service.Filters(service.Period(FIRST, LAST)))
        assert report.table("weeks").rows[0] == ["2026-11-02", 100, 22, 2]
        # Not a whole week of the period (it starts on a Tuesday): counted from the posts.
        report = service.build_report(service.Filters(service.Period(date(2026, 11, 3), LAST)))
        assert report.table("weeks").rows[0] == ["2026-11-03", 2, 2, 2]


def _hide(history):
    from forum.moderation.service import hide_post

    post = db.session.scalars(select(Post).where(Post.author_id == history.users["BRA"].id).order_by(Post.id)).first()
    hide_post(post, by=history.users["moderator"], clause="3.2", reason="Rude")


def _restore(history):
    from forum.moderation.service import restore_post

    post = db.session.scalars(select(Post).where(Post.state == PostState.hidden)).one()
    restore_post(post, by=history.users["moderator"], reason="A mistake")


def _approve(history):
    from forum.moderation.service import approve_post

    post = db.session.scalars(select(Post).where(Post.state == PostState.held)).one()
    approve_post(post, by=history.users["moderator"])


def _erase_hidden(history):
    from forum.erasure.service import erase_post

    # A hidden post erased at its author's request starts counting as taking part (its count stays).
    erase_post(db.session.scalars(select(Post).where(Post.state == PostState.hidden)).one())


def _move(history):
    from forum.threads.service import move_thread

    thread = db.session.scalars(select(Post).where(Post.author_id == history.users["DEU"].id)).first().thread
    move_thread(thread, get_room("capacity-es"), by=history.users["moderator"])


def _change_member_state(history):
    from forum.members.models import MemberState

    history.users["KEN"].member_state_id = db.session.scalar(select(MemberState.id).where(MemberState.code == "BRA"))


def _make_staff(history):
    from forum.accounts.models import Role

    history.users["FRA"].role = Role.staff


def _bulk_hide(history):
    db.session.execute(
        update(Post).where(Post.author_id == history.users["FRA"].id).values(state=PostState.hidden),
        execution_options={"synchronize_session": False},
    )


def _erase_expired(history):
    """A post expired by a commit changes state without its time loaded (the hook looks the time up if need be)."""
    post = db.session.scalars(select(Post).where(Post.state == PostState.hidden)).one()
    db.session.commit()
    post.state = PostState.removed
    assert "created_at" not in inspect(post).dict


def _backdated_post(history):
    thread = db.session.scalars(select(Post).where(Post.author_id == history.users["KEN"].id)).first().thread
    write(thread, history.users["KEN"], datetime(2026, 11, 4, 12, tzinfo=UTC))


def _delete_post(history):
    db.session.delete(db.session.scalars(select(Post).where(Post.author_id == history.users["guest"].id)).one())


CHANGES = [
    _hide,
    _restore,
    _approve,
    _erase_hidden,
    _erase_expired,
    _move,
    _change_member_state,
    _make_staff,
    _bulk_hide,
    _backdated_post,
    _delete_post,
]


@pytest.mark.parametrize("change", CHANGES, ids=lambda change: change.__name__.strip("_"))
def test_a_change_after_the_roll_counts_at_once_and_after_the_next_roll(history, app, change):
    with app.test_request_context():
        period = service.Filters(service.Period(FIRST, LAST))
        rollup.roll_weeks(rollup.clock.now())
        db.session.commit()
        before = figures(period)
        change(history)
        db.session.commit()
        after = figures(period)
        assert after != before  # the change shows in the figures
        assert_rollup_exact(history)
        assert rollup.roll_weeks(rollup.clock.now()) >= 1
        db.session.commit()
        assert figures(period) == after
        assert_rollup_exact(history)


def test_a_change_rolled_back_leaves_the_rollup_as_it_was(history, app):
    with app.test_request_context():
        rollup.roll_weeks(rollup.clock.now())
        db.session.commit()
        _hide(history)
        db.session.rollback()
        assert rollup.rolled_count() == len(ROLLED)


def test_today_counts_before_the_tick(history, app, frozen_clock):
    """A post written today (Monday 30 November, the week after the rolled ones) counts at once."""
    with app.test_request_context():
        rollup.roll_weeks(rollup.clock.now())
        db.session.commit()
        year = service.Filters(service.Period.preset("year"))
        week = service.Filters(service.Period.preset("week"))
        before_year, before_week = figures(year)[0]["posts"], figures(week)[0]["posts"]
        frozen_clock.advance(hours=1)
        thread = db.session.scalars(select(Post).where(Post.author_id == history.users["KEN"].id)).first().thread
        write(thread, history.users["KEN"], rollup.clock.now())
        db.session.commit()
        assert rollup.rolled_count() == len(ROLLED)  # a post of this week touches no rolled week
        assert figures(year)[0]["posts"] == before_year + 1
        assert figures(week)[0]["posts"] == before_week + 1 == 2
        assert_rollup_exact(history, year.period, week.period)


def test_weeks_rolled_in_another_time_zone_are_not_used(history, app):
    with app.test_request_context():
        rollup.roll_weeks(rollup.clock.now())
        db.session.commit()
        app.config["FORUM_TIMEZONE"] = "Pacific/Auckland"
        assert rollup.rolled_count() == 0
        assert_rollup_exact(history)
        # The next tick counts the weeks again in the new zone (and forgets the others).
        assert rollup.roll_weeks(rollup.clock.now()) == len(ROLLED)
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(RolledWeek)) == len(ROLLED)
        assert_rollup_exact(history)
