"""The home, room and thread pages and the live poll, profiled in one process.

Fills a temporary SQLite database with the benchmark's dataset (bench/run.py's
FILL: 100 delegates, 6 rooms, 300 threads, 3,870 posts, a 50-post hot thread;
BENCH_SCALE multiplies threads and posts),
signs in as a delegate with Flask's test client, and prints for each page the
mean CPU and wall-clock time of PROFILE_REPEAT requests, the SQL queries of one request (not counting
BEGIN, which forum.database issues on the driver's connection, out of the cursor events' sight), and the
functions with the largest cumulative time under cProfile. Then it posts
replies through the form and reports, per reply, the CPU time, the write
transactions (BEGIN IMMEDIATE … COMMIT), how long they held SQLite's write
lock and how many statements ran under it.

    .venv/bin/python bench/profile_pages.py            # all pages, then replies
    .venv/bin/python bench/profile_pages.py thread     # one page
    PROFILE_TOP=40 .venv/bin/python bench/profile_pages.py room
    BENCH_SCALE=26 PROFILE_DATABASE=/tmp/p26.db .venv/bin/python bench/profile_pages.py home   # 100,000 posts, kept

On a shared machine compare the CPU times (this process's own), of runs made one after the other.
"""

import cProfile
import io
import os
import pstats
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from run import BIN, FILL, PASSWORD, forum_env, run  # noqa: E402

REPEAT = int(os.environ.get("PROFILE_REPEAT", 30))
SCALE = os.environ.get("BENCH_SCALE", "1")
# A SQLite file to keep and reuse (filled on first use, its ids beside it in <file>.ids): BENCH_SCALE=26 takes minutes.
KEEP = os.environ.get("PROFILE_DATABASE")
TOP = int(os.environ.get("PROFILE_TOP", 25))


def prepare():
    workdir = Path(tempfile.mkdtemp(prefix="forum-profile-"))
    env = forum_env(workdir)
    ids = Path(f"{KEEP}.ids") if KEEP else None
    if KEEP:
        env["DATABASE_URL"] = f"sqlite:///{Path(KEEP).resolve()}"
    if ids and ids.exists():
        slug, hot_id, posts = ids.read_text().split()
    else:
        run([str(BIN / "flask"), "db", "upgrade"], env)
        slug, hot_id, _other, posts = run([sys.executable, "-c", FILL, SCALE, PASSWORD], env).split()[-4:]
        if ids:
            ids.write_text(f"{slug} {hot_id} {posts}")
    os.environ.update(env)
    return workdir, slug, int(hot_id), int(posts)


def sign_in(client, email):
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    response = client.post("/login", data={"csrf_token": token, "email": email, "password": PASSWORD})
    assert response.status_code == 302, response.status_code


def count_queries(app, client, path):
    from sqlalchemy import event

    from forum.extensions import db

    with app.app_context():
        engine = db.engine
    statements = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        status = client.get(path).status_code
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return status, statements


class WriteLock:
    """Times each SQLite write transaction (BEGIN IMMEDIATE to COMMIT) and counts its statements.

    forum.database issues BEGIN on the driver's connection, out of sight of the cursor events: the transaction's
    start is SQLAlchemy's "begin" event, which also asks which kind it is (`database.begin_statement`)."""

    def __init__(self, engine):
        from sqlalchemy import event

        self.started = None
        self.held = []
        self.statements = []
        event.listen(engine, "begin", self.begin)
        event.listen(engine, "before_cursor_execute", self.statement)
        event.listen(engine, "commit", self.end)
        event.listen(engine, "rollback", self.end)

    def begin(self, conn):
        from forum.database import begin_statement

        if begin_statement() == "BEGIN IMMEDIATE":
            self.started = time.perf_counter()
            self.statements.append(0)

    def statement(self, conn, cursor, statement, *args):
        if self.started is not None:
            self.statements[-1] += 1

    def end(self, conn):
        if self.started is not None:
            self.held.append((time.perf_counter() - self.started) * 1000)
            self.started = None


def profile_replies(app, client, thread_id, count=REPEAT):
    """Replies posted through the form: CPU per request, write transactions, time and statements under the lock."""
    from forum.extensions import db

    with app.app_context():
        lock = WriteLock(db.engine)
    page = client.get(f"/t/{thread_id}").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    lock.held.clear()
    lock.statements.clear()
    cpu = time.process_time()
    statuses = set()
    run_key = time.time_ns()
    for number in range(count):
        body = f"Profiled reply {number} with **Markdown**."
        # Keys unique to this run: a kept database (PROFILE_DATABASE) holds the last run's, which would make each
        # reply a resent form (answered with the post it already made, nothing written).
        form = {"csrf_token": token, "body": body, "submission_key": f"p{run_key}-{number}"}
        statuses.add(client.post(f"/t/{thread_id}/reply", data=form).status_code)
    cpu = (time.process_time() - cpu) / count * 1000
    held = sorted(lock.held)
    print(
        f"## reply /t/{thread_id}/reply: {sorted(statuses)}, {cpu:.1f} ms CPU, "
        f"{len(held) / count:.1f} write transactions per reply, write lock held "
        f"{sum(held) / count:.1f} ms per reply (median transaction {held[len(held) // 2]:.1f} ms), "
        f"{sum(lock.statements) / count:.1f} statements under the lock per reply\n"
    )


def main():
    workdir, slug, hot_id, posts = prepare()
    try:
        from forum import create_app

        app = create_app("development")
        client = app.test_client()
        sign_in(client, "bench1@forum.test")
        pages = {
            "home": "/",
            "room": f"/rooms/{slug}",
            "thread": f"/t/{hot_id}",
            "poll": f"/t/{hot_id}/live?after=50",
            # A signed-in page with no query of its own: the cost every page pays before its content.
            "retention": "/retention",
        }
        wanted = sys.argv[1:] or [*pages, "reply"]
        print(f"SQLite, {posts} posts, {REPEAT} requests per page\n")
        for name in wanted:
            if name == "reply":
                profile_replies(app, client, hot_id)
                if TOP:
                    profile = cProfile.Profile()
                    profile.enable()
                    profile_replies(app, client, hot_id, count=10)
                    profile.disable()
                    out = io.StringIO()
                    pstats.Stats(profile, stream=out).sort_stats(
                        os.environ.get("PROFILE_SORT", "cumulative")
                    ).print_stats(TOP)
                    print(out.getvalue().split("\n", 6)[-1])
                continue
            path = pages[name]
            for _ in range(3):
                client.get(path)
            status, statements = count_queries(app, client, path)
            started, cpu = time.perf_counter(), time.process_time()
            for _ in range(REPEAT):
                client.get(path)
            mean = (time.perf_counter() - started) / REPEAT * 1000
            # CPU time of this process: what to compare on a machine shared with other work.
            cpu = (time.process_time() - cpu) / REPEAT * 1000
            profile = cProfile.Profile()
            profile.enable()
            for _ in range(10):
                client.get(path)
            profile.disable()
            out = io.StringIO()
            stats = pstats.Stats(profile, stream=out)
            stats.sort_stats(os.environ.get("PROFILE_SORT", "cumulative")).print_stats(TOP)
            # Python function calls per request: a measure of the work that the machine's load does not blur.
            calls = stats.total_calls / 10
            print(
                f"## {name} {path}: {status}, {cpu:.1f} ms CPU, {mean:.1f} ms wall, {len(statements)} queries, "
                f"{calls:,.0f} function calls"
            )
            if os.environ.get("PROFILE_SQL"):
                for statement in statements:
                    print("   ", " ".join(statement.split())[:300])
            print(out.getvalue().split("\n", 6)[-1] if out.getvalue() else "")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
