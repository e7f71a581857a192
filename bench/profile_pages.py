"""The home, room and thread pages and the live poll, profiled in one process.

Fills a temporary SQLite database with the benchmark's dataset (bench/run.py's
FILL: 100 delegates, 6 rooms, 300 threads, 3,870 posts, a 50-post hot thread),
signs in as a delegate with Flask's test client, and prints for each page the
mean CPU and wall-clock time of PROFILE_REPEAT requests, the SQL queries of one request, and the
functions with the largest cumulative time under cProfile.

    .venv/bin/python bench/profile_pages.py            # all pages
    .venv/bin/python bench/profile_pages.py thread     # one page
    PROFILE_TOP=40 .venv/bin/python bench/profile_pages.py room

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
TOP = int(os.environ.get("PROFILE_TOP", 25))


def prepare():
    workdir = Path(tempfile.mkdtemp(prefix="forum-profile-"))
    env = forum_env(workdir)
    run([str(BIN / "flask"), "db", "upgrade"], env)
    slug, hot_id, _other, posts = run([sys.executable, "-c", FILL, "1", PASSWORD], env).split()[-4:]
    os.environ.update(env)
    return workdir, slug, int(hot_id), int(posts)


def sign_in(client, email):
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
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
        }
        wanted = sys.argv[1:] or list(pages)
        print(f"SQLite, {posts} posts, {REPEAT} requests per page\n")
        for name in wanted:
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
            pstats.Stats(profile, stream=out).sort_stats(os.environ.get("PROFILE_SORT", "cumulative")).print_stats(TOP)
            print(f"## {name} {path}: {status}, {cpu:.1f} ms CPU, {mean:.1f} ms wall, {len(statements)} queries")
            if os.environ.get("PROFILE_SQL"):
                for statement in statements:
                    print("   ", " ".join(statement.split())[:300])
            print(out.getvalue().split("\n", 6)[-1] if out.getvalue() else "")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
