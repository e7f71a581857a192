"""The usage statistics page on two years of history: p50/p95 of the full /stats page for one year.

Builds its own temporary database (SQLite by default, or BENCH_DATABASE_URL, e.g. the throwaway
server of scripts/with-postgres.sh) with 2,000 accounts in the 193 member states (and a few
Secretariat and guest accounts), 100,000 posts over two years in every room, 100 weekly
discussions and about 40 days of reading per account and year (bulk INSERTs), then requests
/stats?period=year through the test client as an administrator and prints the percentiles and
the number of queries per page (and writes them as JSON under bench/results/).

    .venv/bin/python bench/stats.py
    scripts/with-postgres.sh sh -c 'BENCH_DATABASE_URL=$TEST_DATABASE_URL .venv/bin/python bench/stats.py'
    BENCH_POSTS=20000 BENCH_REPEAT=10 .venv/bin/python bench/stats.py
    BENCH_DATABASE_URL=sqlite:////tmp/s.db BENCH_REUSE=1 BENCH_QUERIES=1 .venv/bin/python bench/stats.py
    BENCH_DATABASE_URL=postgresql+psycopg://forum@127.0.0.1:5432/stats BENCH_REUSE=1 .venv/bin/python bench/stats.py

scripts/with-postgres.sh removes its cluster when the command ends; to fill PostgreSQL once (about
a minute and a half) and rerun, point BENCH_DATABASE_URL at a server that stays up.

With BENCH_REUSE=1 and a database that already holds the history, filling is skipped. Before
measuring, the tick's weekly rollup (forum.stats.rollup) counts the past weeks, as on a deployment;
BENCH_NO_ROLLUP=1 empties it instead, to measure counting every post of the year. With
BENCH_QUERIES=1 the ten statements that took the most time over all the requests are printed
(total and mean milliseconds, first 120 characters). The CPU time of the bench process per
request is printed beside the wall time (the database work of SQLite runs in this process too).

Only local work; every loop is bounded in count.
"""

import os
import random
import statistics
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta

import common  # bench/common.py: the app on its own database, results files
from sqlalchemy import delete, event, func, insert, select

ACCOUNTS = int(os.environ.get("BENCH_ACCOUNTS", 2_000))
POSTS = int(os.environ.get("BENCH_POSTS", 100_000))
DISCUSSIONS = int(os.environ.get("BENCH_DISCUSSIONS", 100))
REPEAT = int(os.environ.get("BENCH_REPEAT", 30))
POSTS_PER_THREAD = 20
READING_DAYS_PER_YEAR = 40
SEED = 2026
NOW = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
START = NOW - timedelta(days=730)


def _accounts(db, rng):
    from forum.accounts.models import Role, User
    from forum.members.models import MemberState

    states = db.session.scalars(select(MemberState)).all()
    rows = []
    for number in range(ACCOUNTS):
        role = Role.delegate
        if number % 100 == 1:
            role = Role.staff
        elif number % 100 == 2:
            role = Role.guest
        created = START + timedelta(days=rng.randrange(700))
        rows.append(
            {"email": f"bench{number}@forum.test", "stored_display_name": f"Bench {number}", "role": role.value,
             "member_state_id": states[number % len(states)].id if role == Role.delegate else None,
             "organisation": f"Organisation {number % 7}" if role == Role.guest else None,
             "created_at": created, "activated_at": created + timedelta(days=1), "active": True,
             "is_coordinator": False, "session_secret": f"{number:032d}", "second_factor_enabled": False}
        )  # fmt: skip
    db.session.execute(insert(User), rows)
    db.session.commit()
    return db.session.scalars(select(User.id).order_by(User.id)).all()


def _discussions(db, rng, admin_id):
    from forum.discussions.models import Discussion, DiscussionText
    from forum.rooms.models import Room

    rooms = db.session.scalars(select(Room)).all()
    threads = []
    for number in range(DISCUSSIONS):
        opens = START + timedelta(weeks=number)
        room_group = [room for room in rooms if room.category_id == rooms[number % len(rooms)].category_id]
        discussion = Discussion(
            category_id=room_group[0].category_id, opens_at=opens, closes_at=opens + timedelta(days=7),
            created_by_id=admin_id, created_at=opens,
            texts=[DiscussionText(language_code=room.language_code, title=f"Topic {number}", opening_source="x")
                   for room in room_group],
        )  # fmt: skip
        db.session.add(discussion)
        db.session.flush()
        threads += [(room, discussion.id, opens) for room in room_group]
    db.session.commit()
    return threads


def fill(db, rng):
    from forum.accounts.models import Role, User
    from forum.rooms.models import Room
    from forum.stats.models import ActivityDay
    from forum.threads.models import Post, Thread

    admin = User(email="admin@forum.test", display_name="Admin", role=Role.admin, activated_at=NOW,
                 created_at=START, second_factor_enabled=True)  # fmt: skip
    db.session.add(admin)
    db.session.commit()
    users = _accounts(db, rng)
    discussion_rooms = _discussions(db, rng, admin.id)
    rooms = db.session.scalars(select(Room)).all()
    span = (NOW - START).total_seconds()
    for index in range(POSTS // POSTS_PER_THREAD):
        if index < len(discussion_rooms):
            room, discussion_id, created = discussion_rooms[index]
        else:
            room, discussion_id = rooms[index % len(rooms)], None
            created = START + timedelta(seconds=rng.random() * span * 0.95)
        thread_id = db.session.execute(
            insert(Thread).returning(Thread.id),
            {"room_id": room.id, "title": f"Thread {index}", "author_id": users[index % len(users)],
             "created_at": created, "last_post_at": created, "post_count": POSTS_PER_THREAD,
             "kind": "weekly" if discussion_id else "member", "discussion_id": discussion_id,
             "locked": False, "pinned": False},
        ).scalar_one()  # fmt: skip
        db.session.execute(
            insert(Post),
            [
                {"thread_id": thread_id, "number": number, "author_id": rng.choice(users), "source": "text",
                 "html": "<p>text</p>", "created_at": created + timedelta(hours=number * rng.random() * 10),
                 "state": "visible" if rng.random() > 0.01 else rng.choice(("hidden", "held"))}
                for number in range(1, POSTS_PER_THREAD + 1)
            ],
        )  # fmt: skip
        if index % 200 == 0:
            db.session.commit()
    db.session.commit()
    days = set()
    for user_id in users:
        for _ in range(READING_DAYS_PER_YEAR * 2):
            days.add((user_id, (START + timedelta(days=rng.randrange(730))).date()))
    rows = [{"user_id": user_id, "day": day} for user_id, day in days]
    for start in range(0, len(rows), 10_000):
        db.session.execute(insert(ActivityDay), rows[start : start + 10_000])
    db.session.commit()
    return admin, len(rows)


def _query_timer(db):
    """Total time per statement (before/after_cursor_execute); returns the dict it fills."""
    totals = defaultdict(lambda: [0.0, 0])

    def before(conn, cursor, statement, parameters, context, executemany):
        conn.info.setdefault("bench_started", []).append(time.perf_counter())

    def after(conn, cursor, statement, parameters, context, executemany):
        elapsed = time.perf_counter() - conn.info["bench_started"].pop()
        entry = totals[" ".join(statement.split())[:120]]
        entry[0] += elapsed
        entry[1] += 1

    event.listen(db.engine, "before_cursor_execute", before)
    event.listen(db.engine, "after_cursor_execute", after)
    return totals


def _print_query_times(totals):
    print("top statements by total time:")
    for statement, (seconds, count) in sorted(totals.items(), key=lambda item: -item[1][0])[:10]:
        print(f"  {seconds * 1000:8.0f} ms total {seconds * 1000 / count:7.1f} ms each x{count:<3d} {statement}")


def main():
    app = common.make_app("stats-bench-")
    from forum import clock
    from forum.extensions import db

    rng = random.Random(SEED)
    clock.freeze(NOW)
    with app.app_context():
        dialect = db.engine.dialect.name
        if common.reusable(db, POSTS):
            from forum.accounts.models import User

            admin = db.session.scalars(select(User).where(User.email == "admin@forum.test")).one()
            print(f"{dialect}: reusing the history already there", flush=True)
        else:
            admin = _fill_database(db, dialect, rng)
        rolled = _prepare(db)
        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"] = admin.get_id()
            session["_fresh"] = True
        client.get("/stats?period=year")  # warm-up: the day's activity row, templates, caches
        queries = []
        event.listen(db.engine, "before_cursor_execute", lambda *args: queries.append(1))
        totals = _query_timer(db) if os.environ.get("BENCH_QUERIES") else None
        timings, cpu = [], []
        for _ in range(REPEAT):
            queries.clear()
            started, started_cpu = time.perf_counter(), time.process_time()
            response = client.get("/stats?period=year")
            timings.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
            assert response.status_code == 200, response.status_code
        p50, p95 = statistics.median(timings), common.percentile(timings, 0.95)
        cpu50, cpu95 = statistics.median(cpu), common.percentile(cpu, 0.95)
        print(
            f"/stats?period=year: p50 {p50:.0f} ms, p95 {p95:.0f} ms, max {max(timings):.0f} ms, "
            f"CPU p50 {cpu50:.0f} ms, p95 {cpu95:.0f} ms, {len(queries)} queries, {rolled} weeks rolled, "
            f"load {os.getloadavg()[0]:.2f}"
        )
        if totals is not None:
            _print_query_times(totals)
        report = {
            "database": dialect,
            "accounts": ACCOUNTS,
            "posts": POSTS,
            "discussions": DISCUSSIONS,
            "repeat": REPEAT,
            "rolled_weeks": rolled,
            "p50_ms": round(p50, 1),
            "p95_ms": round(p95, 1),
            "cpu_p50_ms": round(cpu50, 1),
            "cpu_p95_ms": round(cpu95, 1),
            "queries": len(queries),
            "load": round(os.getloadavg()[0], 2),
        }
        common.write_results("stats", dialect, report)
    clock.unfreeze()


def _fill_database(db, dialect, rng):
    common.empty_schema(db)
    started = time.perf_counter()
    admin, reading_days = fill(db, rng)
    print(
        f"{dialect}: {ACCOUNTS} accounts, {POSTS} posts, {DISCUSSIONS} discussions, {reading_days} reading days "
        f"written in {time.perf_counter() - started:.0f} s",
        flush=True,
    )
    return admin


def _prepare(db):
    """What a deployment has done before the page is asked for: its tables up to date, the past weeks counted
    by the tick (unless BENCH_NO_ROLLUP=1, to measure counting every post) and statistics ANALYZEd.

    Returns how many weeks the rollup holds.
    """
    from forum.stats.models import RolledWeek
    from forum.stats.rollup import roll_weeks

    db.session.commit()  # the session's write lock (SQLite) would block create_all's own connection
    db.create_all()  # tables added since the history was filled (create_all leaves existing ones alone)
    for index in db.metadata.tables["posts"].indexes:  # and indexes added to existing tables
        index.create(db.engine, checkfirst=True)
    if os.environ.get("BENCH_NO_ROLLUP"):
        db.session.execute(delete(RolledWeek))
    else:
        started = time.perf_counter()
        counted = roll_weeks(NOW)
        if counted:
            print(f"rolled {counted} weeks in {time.perf_counter() - started:.1f} s", flush=True)
    db.session.commit()
    common.analyze(db)
    return db.session.scalar(select(func.count()).select_from(RolledWeek))


if __name__ == "__main__":
    main()
