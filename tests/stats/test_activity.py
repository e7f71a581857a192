"""Reading is recorded as one row per account and UTC day, with last seen; old days are pruned."""

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from forum.extensions import db
from forum.periodic import STEPS, run_periodic_work
from forum.stats.models import ActivityDay


def days_of(user):
    return db.session.scalars(
        select(ActivityDay.day).where(ActivityDay.user_id == user.id).order_by(ActivityDay.day)
    ).all()


def test_reading_records_the_day_once(client, login, delegate, frozen_clock, count_queries):
    login(client, delegate)
    frozen_clock.set(datetime(2026, 11, 23, 23, 50, tzinfo=UTC))
    client.get("/")
    assert days_of(delegate) == [date(2026, 11, 23)]
    # Later the same day, past the five minutes of last seen: no second row (and no error).
    frozen_clock.advance(minutes=6)
    assert client.get("/").status_code == 200
    frozen_clock.set(datetime(2026, 11, 23, 23, 58, tzinfo=UTC))
    with count_queries() as counter:
        client.get("/")
    assert not any("activity_days" in statement for statement in counter.statements)
    # Three minutes later it is a new UTC day: recorded although last seen is not five minutes old.
    frozen_clock.set(datetime(2026, 11, 24, 0, 1, tzinfo=UTC))
    client.get("/")
    assert days_of(delegate) == [date(2026, 11, 23), date(2026, 11, 24)]


def test_the_same_day_recorded_twice_keeps_one_row(app, delegate):
    from forum.stats.service import record_activity_day

    record_activity_day(delegate.id, date(2026, 11, 23))
    record_activity_day(delegate.id, date(2026, 11, 23))
    db.session.commit()
    assert days_of(delegate) == [date(2026, 11, 23)]


def test_days_older_than_the_retention_period_are_removed(app, delegate, frozen_clock):
    now = datetime(2026, 11, 30, 10, tzinfo=UTC)
    assert app.config["ACTIVITY_RETENTION_DAYS"] == 1096
    app.config["ACTIVITY_RETENTION_DAYS"] = 30
    db.session.add_all(
        [ActivityDay(user_id=delegate.id, day=(now - timedelta(days=age)).date()) for age in (0, 30, 31, 400)]
    )
    db.session.commit()
    step = next(step for step in STEPS if step.name == "old activity days removed")
    summary = run_periodic_work(now, steps=[step])
    assert summary.results[step.name] == 2
    assert days_of(delegate) == [date(2026, 10, 31), date(2026, 11, 30)]
