"""Monday 09:00: the week's discussion opens and the delegates arrive at once.

Serves the forum with gunicorn (BENCH_WORKERS sync workers) on the benchmark's
dataset (bench/run.py) plus MONDAY_USERS delegates in all, then within
MONDAY_ARRIVAL seconds each delegate signs in (a real argon2 password check),
opens the home page and the week's thread in one of three languages, polls it
for live updates every 5 s until MONDAY_SECONDS have passed since the start,
and one in five replies once or twice at a random moment. Prints p50 and p99
per kind of request, the failures, and the replies acknowledged against those
stored (nothing acknowledged may be lost, nothing stored twice).

    .venv/bin/python bench/monday.py
    MONDAY_USERS=50 MONDAY_SECONDS=60 .venv/bin/python bench/monday.py
    BENCH_DATABASE_URL=postgresql+psycopg://… .venv/bin/python bench/monday.py

Only loopback traffic; bounded in time.
"""

import os
import random
import secrets
import shutil
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import BIN, FILL, PASSWORD, Browser, forum_env, free_port, run, serve  # noqa: E402

USERS = int(os.environ.get("MONDAY_USERS", 200))
ARRIVAL = float(os.environ.get("MONDAY_ARRIVAL", 60))
SECONDS = float(os.environ.get("MONDAY_SECONDS", 120))
POLL = 5.0

# More delegates than the benchmark's 100, and one thread in each of three languages of one category.
EXTRA = r"""
import sys
from forum import create_app, clock
from forum.extensions import db
from forum.accounts.models import User, Role
from forum.accounts.service import find_user_by_email
from forum.protocol import service as protocol
from forum.rooms.models import Room
from forum.threads.models import Thread

wanted = int(sys.argv[1])
app = create_app("development")
with app.app_context():
    model = find_user_by_email("bench0@forum.test")
    for i in range(100, wanted):
        user = User(email=f"bench{i}@forum.test", display_name=f"Bench delegate {i}", role=Role.delegate,
                    member_state_id=model.member_state_id, password_hash=model.password_hash,
                    activated_at=clock.now())
        db.session.add(user)
        db.session.flush()
        protocol.accept_current(user)
    threads, languages = [], set()
    for thread in db.session.scalars(db.select(Thread).join(Room).order_by(Thread.id)):
        if thread.room.language_code not in languages and thread.room.language.active:
            languages.add(thread.room.language_code)
            threads.append(thread.id)
        if len(threads) == 3:
            break
    db.session.commit()
    print(*threads)
"""

COUNT = r"""
import sys
from forum import create_app
from forum.extensions import db
from forum.threads.models import Post
app = create_app("development")
with app.app_context():
    rows = db.session.scalars(db.select(Post.source).where(Post.source.like(sys.argv[1] + "%"))).all()
    print(len(rows), len(set(rows)))
"""


class Recorder:
    def __init__(self):
        self.lock = threading.Lock()
        self.times = defaultdict(list)
        self.failures = defaultdict(int)
        self.acknowledged = set()

    def timed(self, kind, call, ok=(200,)):
        started = time.perf_counter()
        try:
            status, text = call()
        except OSError:
            status, text = None, ""
        elapsed = (time.perf_counter() - started) * 1000
        with self.lock:
            self.times[kind].append(elapsed)
            if status not in ok:
                self.failures[kind] += 1
        return status, text


def delegate(number, port, threads, recorder, start, run_key):
    time.sleep(random.uniform(0, ARRIVAL))
    browser = Browser(port)
    token = browser.csrf_token("/login")
    form = {"csrf_token": token, "email": f"bench{number}@forum.test", "password": PASSWORD}
    status, _ = recorder.timed("sign in", lambda: browser.request("POST", "/login", form), ok=(302,))
    if status != 302:
        return
    recorder.timed("home", lambda: browser.request("GET", "/"))
    thread_id = threads[number % len(threads)]
    status, page = recorder.timed("thread", lambda: browser.request("GET", f"/t/{thread_id}"))
    if status != 200:
        return
    token = Browser.token_in(page)
    replies = random.choice((1, 2)) if random.random() < 0.2 else 0
    moments = sorted(random.uniform(time.monotonic(), start + SECONDS - 5) for _ in range(replies))
    last = 0
    while time.monotonic() < start + SECONDS:
        status, _ = recorder.timed(
            "live poll", lambda path=f"/t/{thread_id}/live?after={last}": browser.request("GET", path), ok=(200, 204)
        )
        last = int(browser.last_headers.get("X-Last-Number") or last)
        while moments and moments[0] <= time.monotonic():
            moments.pop(0)
            key = f"{run_key}-{number}-{len(moments)}"
            body = {"csrf_token": token, "body": f"{run_key} reply {key}", "submission_key": key}
            status, _ = recorder.timed(
                "reply", lambda form=body: browser.request("POST", f"/t/{thread_id}/reply", form), ok=(302,)
            )
            if status == 302:
                with recorder.lock:
                    recorder.acknowledged.add(key)
        time.sleep(POLL)


def percentile(values, fraction):
    values = sorted(values)
    return values[min(int(len(values) * fraction), len(values) - 1)] if values else 0.0


def main():
    workdir = Path(tempfile.mkdtemp(prefix="forum-monday-"))
    env = forum_env(workdir)
    run([str(BIN / "flask"), "db", "upgrade"], env)
    run([sys.executable, "-c", FILL, "1", PASSWORD], env)
    threads = [int(value) for value in run([sys.executable, "-c", EXTRA, str(USERS)], env).split()[-3:]]
    port = free_port()
    server = serve("wsgi:app", port, env)
    recorder = Recorder()
    run_key = "monday" + secrets.token_hex(4)
    try:
        start = time.monotonic()
        people = [
            threading.Thread(target=delegate, args=(n, port, threads, recorder, start, run_key), daemon=True)
            for n in range(USERS)
        ]
        for person in people:
            person.start()
        for person in people:
            person.join(timeout=SECONDS + ARRIVAL + 120)
        stored, distinct = (int(v) for v in run([sys.executable, "-c", COUNT, run_key], env).split()[-2:])
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(workdir, ignore_errors=True)
    database = env["DATABASE_URL"].split(":", 1)[0]
    print(f"{database}, {USERS} delegates arriving within {ARRIVAL:.0f} s, {SECONDS:.0f} s in all\n")
    print("| request | count | failed | p50 ms | p99 ms |\n|---|---|---|---|---|")
    for kind in ("sign in", "home", "thread", "live poll", "reply"):
        values = recorder.times.get(kind, [])
        print(
            f"| {kind} | {len(values)} | {recorder.failures.get(kind, 0)} | "
            f"{percentile(values, 0.5):.0f} | {percentile(values, 0.99):.0f} |"
        )
    acknowledged = len(recorder.acknowledged)
    print(f"\nreplies acknowledged {acknowledged}, stored {stored} ({distinct} distinct)")
    return 0 if stored >= acknowledged and stored == distinct else 1


if __name__ == "__main__":
    sys.exit(main())
