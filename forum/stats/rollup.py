"""Weekly counts of posts, so that a year of statistics does not count every post of the year again.

`roll_weeks` (a step of `flask forum tick`) counts each whole week before the current one (Monday to
Sunday in the forum's time zone) once: posts by room (participation, threads started, hidden, held)
and delegation posts by member state, and marks the week rolled (`stats_rolled_weeks`). The page
counts a rolled week from these rows and every other week (the current one, the partial weeks at the
ends of a period, weeks not rolled yet) from the posts themselves, in the same query.

Exact, not approximately fresh: a change to anything a rolled week counted (a post hidden, held,
restored, erased, written into or deleted from a past week; a thread moved to another room; an
account's role or member state) deletes the week's `stats_rolled_weeks` row in the same transaction, so
the page counts that week from the posts again until the next tick rolls it anew. A session
`after_flush` hook sees ORM changes; a `do_orm_execute` hook sees bulk UPDATEs and DELETEs (as
forum.search.index does). On PostgreSQL the tick holds an advisory lock that those invalidations
share, so a week cannot be marked rolled from counts that missed a change committed meanwhile
(SQLite runs one writer at a time).
"""

from dataclasses import dataclass, field
from datetime import timedelta

from flask import current_app
from sqlalchemy import (
    Date,
    Integer,
    and_,
    case,
    column,
    delete,
    event,
    exists,
    func,
    insert,
    inspect,
    literal,
    select,
    union_all,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from forum import clock
from forum.accounts.models import Role, User
from forum.extensions import db
from forum.stats.models import PARTICIPATION, RolledWeek, RoomWeek, StateWeek
from forum.threads.models import Post, PostState, Thread

# Any 64-bit number, the same in the tick and in every invalidation.
ADVISORY_LOCK = 0x57A7_5011
# Weeks are rolled back this far (the longest period the statistics show, three years, and a week).
ROLLED_SPAN = timedelta(days=1103)

# What the weekly counts depend on, per model.
POST_FIELDS = ("state", "created_at", "thread_id", "author_id", "number")
THREAD_FIELDS = ("room_id",)
USER_FIELDS = ("role", "member_state_id")
WATCHED = {Post: POST_FIELDS, Thread: THREAD_FIELDS, User: USER_FIELDS}


def zone_name():
    return current_app.config["FORUM_TIMEZONE"]


def _zone():
    from forum.stats.service import forum_zone

    return forum_zone()


def monday_of(moment):
    """The Monday (in the forum's time zone) of the week `moment` falls in."""
    day = moment.astimezone(_zone()).date()
    return day - timedelta(days=day.weekday())


def _moment(day):
    from forum.stats.service import Period

    return Period(day, day).starts_at


def week_table(mondays, name="rolling"):
    """The whole weeks starting on `mondays` as a derived table (week, starts, ends, monday), as the page has them."""
    rows = [(monday, _moment(monday), _moment(monday + timedelta(weeks=1)), monday) for monday in mondays]
    return derived_weeks(rows, name, key_type=Date)


def derived_weeks(rows, name, key_type=Integer):
    """A small table of weeks from (key, starts, ends, monday) rows, written into the query.

    PostgreSQL gets four arrays unnested into rows: four parameters, so the statement is compiled once and
    planned in a millisecond (a UNION ALL of fifty one-row SELECTs takes it ten times that, and a VALUES
    list is compiled anew for every page). SQLite, which has no arrays, gets the UNION ALL.
    """
    moment_type = Post.created_at.type
    if db.session.get_bind().dialect.name == "postgresql":
        keys, starts, ends, mondays = (list(values) for values in zip(*rows, strict=True))
        return (
            func.unnest(
                literal(keys, ARRAY(key_type)),
                literal(starts, ARRAY(moment_type)),
                literal(ends, ARRAY(moment_type)),
                literal(mondays, ARRAY(Date)),
            )
            .table_valued(
                column("week", key_type),
                column("starts", moment_type),
                column("ends", moment_type),
                column("monday", Date),
            )
            .render_derived(name=name)
        )
    selects = [
        select(
            literal(key, key_type).label("week"),
            literal(starts, moment_type).label("starts"),
            literal(ends, moment_type).label("ends"),
            literal(monday, Date).label("monday"),
        )
        for key, starts, ends, monday in rows
    ]
    return (selects[0] if len(selects) == 1 else union_all(*selects)).subquery(name)


def rolled(week_column):
    """The condition that the week starting on `week_column` (a Monday, or NULL) is rolled in the current zone."""
    return exists().where(RolledWeek.week == week_column, RolledWeek.zone == zone_name())


# Building -----------------------------------------------------------------------


def _count(condition):
    return func.sum(case((condition, 1), else_=0))


def _room_rows(weeks):
    participating = Post.state.in_(PARTICIPATION)
    return (
        select(
            weeks.c.week,
            Thread.room_id,
            _count(participating),
            _count(and_(participating, Post.number == 1)),
            _count(Post.state == PostState.hidden),
            _count(Post.state == PostState.held),
        )
        .select_from(weeks)
        .join(Post, and_(Post.created_at >= weeks.c.starts, Post.created_at < weeks.c.ends))
        .join(Thread, Thread.id == Post.thread_id)
        .group_by(weeks.c.week, Thread.room_id)
    )


def _state_rows(weeks):
    return (
        select(weeks.c.week, User.member_state_id, func.count())
        .select_from(weeks)
        .join(Post, and_(Post.created_at >= weeks.c.starts, Post.created_at < weeks.c.ends))
        .join(User, User.id == Post.author_id)
        .where(Post.state.in_(PARTICIPATION), User.role == Role.delegate, User.member_state_id.is_not(None))
        .group_by(weeks.c.week, User.member_state_id)
    )


def weeks_to_roll(now):
    """The Mondays of the whole weeks before `now`'s week, back to the first post or ROLLED_SPAN ago."""
    first_post = db.session.scalar(select(func.min(Post.created_at)))
    if first_post is None:
        return []
    current = monday_of(now)
    monday = max(monday_of(first_post), monday_of(now - ROLLED_SPAN))
    mondays = []
    while monday < current:
        mondays.append(monday)
        monday += timedelta(weeks=1)
    return mondays


def roll_weeks(now, chunk=60):
    """Count the whole past weeks not rolled yet (and drop older or other-zone ones); returns how many weeks."""
    session = db.session
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(ADVISORY_LOCK)))
    wanted = weeks_to_roll(now)
    stale = RolledWeek.zone != zone_name()
    if wanted:
        stale = stale | (RolledWeek.week < wanted[0])
    session.execute(delete(RolledWeek).where(stale))
    done = set(session.scalars(select(RolledWeek.week)))
    missing = [monday for monday in wanted if monday not in done]
    oldest = wanted[0] if wanted else monday_of(now)
    for model in (RoomWeek, StateWeek):
        session.execute(delete(model).where(model.week.in_(missing) | (model.week < oldest)))
    for start in range(0, len(missing), chunk):
        weeks = week_table(missing[start : start + chunk])
        session.execute(
            insert(RoomWeek).from_select(["week", "room_id", "posts", "threads", "hidden", "held"], _room_rows(weeks))
        )
        session.execute(insert(StateWeek).from_select(["week", "member_state_id", "posts"], _state_rows(weeks)))
    if missing:
        session.execute(
            insert(RolledWeek), [{"week": monday, "zone": zone_name(), "rolled_at": now} for monday in missing]
        )
    return len(missing)


# Keeping it exact ---------------------------------------------------------------


def invalidate(connection, mondays=None):
    """Mark these weeks (None: every week) as no longer rolled; the page counts them from the posts again."""
    if mondays is not None:
        current = monday_of(clock.now())
        mondays = {monday for monday in mondays if monday < current}
        if not mondays:
            return
    if connection.dialect.name == "postgresql":
        connection.execute(select(func.pg_advisory_xact_lock_shared(ADVISORY_LOCK)))
    statement = delete(RolledWeek)
    if mondays is not None:
        statement = statement.where(RolledWeek.week.in_(sorted(mondays)))
    connection.execute(statement)


def _changed(obj, fields):
    state = inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in fields)


def _post_mondays(post):
    """The weeks a new, changed or deleted post counted in: when written now and before the change."""
    history = inspect(post).attrs.created_at.history
    moments = [*history.added, *history.unchanged, *history.deleted]
    return {monday_of(moment) for moment in moments if moment is not None}


def _thread_mondays(connection, thread_ids):
    """Every week from the first to the last post of these threads."""
    first, last = connection.execute(
        select(func.min(Post.created_at), func.max(Post.created_at)).where(Post.thread_id.in_(thread_ids))
    ).one()
    return _mondays_between(first, last)


def _mondays_between(first, last):
    if first is None:
        return set()
    monday, end = monday_of(_utc(first)), monday_of(_utc(last))
    mondays = set()
    while monday <= end:
        mondays.add(monday)
        monday += timedelta(weeks=1)
    return mondays


def _utc(moment):
    from forum.stats.service import _utc as as_utc

    return as_utc(moment)


@dataclass
class _Changes:
    """What a flush changed that the weekly counts depend on."""

    mondays: set = field(default_factory=set)
    # Changed posts whose time was not loaded (expired since a commit): looked up after the flush.
    posts: set = field(default_factory=set)
    threads: set = field(default_factory=set)
    everything: bool = False

    def __bool__(self):
        return bool(self.mondays or self.posts or self.threads or self.everything)


def _flush_changes(session):
    """The weeks this flush's new, changed and deleted posts, threads and accounts touch."""
    changes = _Changes()
    for obj in (*session.new, *session.deleted):
        if isinstance(obj, Post):
            mondays = _post_mondays(obj)
            changes.mondays |= mondays
            # A deleted post whose time is unknown (not loaded): its row is gone, so every week.
            changes.everything |= obj in session.deleted and not mondays
        elif isinstance(obj, Thread) and obj in session.deleted:
            changes.threads.add(obj.id)
    for obj in session.dirty:
        fields = WATCHED.get(type(obj))
        if fields is None or not _changed(obj, fields):
            continue
        if isinstance(obj, Post):
            mondays = _post_mondays(obj)
            changes.mondays |= mondays
            if not mondays:
                changes.posts.add(obj.id)
        elif isinstance(obj, Thread):
            changes.threads.add(obj.id)
        else:
            changes.everything = True
    return changes


@event.listens_for(Session, "after_flush")
def _follow_flush(session, flush_context):
    changes = _flush_changes(session)
    if not changes:
        return
    connection = session.connection()
    if changes.everything:
        invalidate(connection)
        return
    mondays = changes.mondays
    if changes.posts:
        moments = connection.execute(select(Post.created_at).where(Post.id.in_(changes.posts))).scalars()
        mondays |= {monday_of(_utc(moment)) for moment in moments}
    if changes.threads:
        mondays |= _thread_mondays(connection, changes.threads)
    invalidate(connection, mondays)


def _set_columns(statement):
    values = statement._values or {}  # noqa: SLF001 (no public accessor for an UPDATE's SET clause)
    return {getattr(key, "key", key) for key in values}


@event.listens_for(Session, "do_orm_execute")
def _follow_bulk_change(orm_execute_state):
    """A bulk UPDATE or DELETE of what the weeks counted (a moderator's conditional hide): its weeks, first."""
    if not (orm_execute_state.is_update or orm_execute_state.is_delete):
        return
    statement = orm_execute_state.statement
    model = statement.entity_description.get("entity")
    fields = WATCHED.get(model)
    if fields is None:
        return
    if orm_execute_state.is_update and not _set_columns(statement) & set(fields):
        return
    connection = orm_execute_state.session.connection()
    if model is User:
        invalidate(connection)
        return
    moments = select(func.min(Post.created_at), func.max(Post.created_at))
    if model is Thread:
        moments = moments.join(Thread, Thread.id == Post.thread_id)
    if statement.whereclause is not None:
        moments = moments.where(statement.whereclause)
    first, last = connection.execute(moments).one()
    invalidate(connection, _mondays_between(first, last))


def rolled_count():
    """How many weeks are rolled now (for the tick's summary and the tests)."""
    return db.session.scalar(select(func.count()).select_from(RolledWeek).where(RolledWeek.zone == zone_name()))
