"""Throughput and latency of the pages people use most, under concurrent load.

Starts the forum with gunicorn on a free loopback port and its own temporary
database (SQLite by default, or BENCH_DATABASE_URL), fills it with a realistic
amount of content, then runs a fixed number of concurrent signed-in clients
for a fixed time against: the home page (room list), a room page, a thread
page of 500 posts (last page), and posting a reply. Prints requests/s and
latency percentiles per action, and writes them as JSON under bench/results/.

    make bench                       # defaults: 2 workers x 4 threads, 16 clients, 20 s
    BENCH_CLIENTS=32 BENCH_SECONDS=30 make bench

Only loopback traffic; every loop is bounded in count and time.
"""

import http.client
import json
import os
import re
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
CLIENTS = int(os.environ.get("BENCH_CLIENTS", 16))
SECONDS = float(os.environ.get("BENCH_SECONDS", 20))
WORKERS = int(os.environ.get("BENCH_WORKERS", 2))
THREADS = int(os.environ.get("BENCH_THREADS", 4))
MIX = (("home", 3), ("room", 3), ("thread", 3), ("reply", 1))  # weights per action


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


FILL = r"""
import sys
from forum import create_app, clock
from forum.extensions import db
from forum.cli import seed_demo_data, DEMO_ACCOUNTS
from forum.accounts.service import find_user_by_email
from forum.accounts.passwords import hash_password
from forum.accounts.models import User, Role
from forum.threads.models import Thread, Post
from forum.rooms.models import Room
app = create_app("development")
with app.app_context():
    seed_demo_data()
    # Bench users have accepted whatever protocol exists (if the feature is present).
    try:
        from forum.protocol import service as protocol
    except ImportError:
        protocol = None
    users = []
    pw = hash_password("bench-password-2026")
    for i in range(int(sys.argv[1])):
        u = find_user_by_email(f"bench{i}@forum.test")
        if u is None:
            u = User(email=f"bench{i}@forum.test", display_name=f"Bench {i}", role=Role.delegate,
                     member_state_id=find_user_by_email("delegate.fr@forum.test").member_state_id,
                     password_hash=pw, activated_at=clock.now())
            db.session.add(u)
        users.append(u)
    db.session.flush()
    if protocol is not None and hasattr(protocol, "accept_current"):
        for u in users:
            protocol.accept_current(u)
    now = clock.now()
    rooms = db.session.scalars(db.select(Room)).all()
    for room in rooms:
        threads = [
            Thread(
                room_id=room.id, title=f"Bench thread {i} in {room.slug}", author_id=users[i % len(users)].id,
                post_count=3, last_post_at=now, last_post_author_id=users[0].id, created_at=now,
            )
            for i in range(200)
        ]
        db.session.add_all(threads)
        db.session.flush()
        db.session.add_all(Post(thread_id=t.id, number=n, author_id=users[n % len(users)].id, source="Bench post",
                                html="<p>Bench post with <strong>some</strong> text.</p>", created_at=now)
                           for t in threads for n in (1, 2, 3))
    big = Thread(room_id=rooms[0].id, title="The big thread", author_id=users[0].id, post_count=500,
                 last_post_at=now, last_post_author_id=users[1].id, created_at=now)
    db.session.add(big)
    db.session.flush()
    db.session.add_all(Post(thread_id=big.id, number=n, author_id=users[n % len(users)].id, source="Long thread post",
                            html=f"<p>Long thread post number {n}, with a "
                            '<a href="https://example.org" rel="nofollow noopener noreferrer">link</a>.</p>',
                            created_at=now) for n in range(1, 501))
    db.session.commit()
    print(rooms[0].slug, big.id)
"""


class Client:
    """One signed-in browser: its own connection and session cookie."""

    def __init__(self, port, email, password):
        self.port = port
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.cookie = ""
        page = self.request("GET", "/login")[1]
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        status, _ = self.request("POST", "/login", {"csrf_token": token, "email": email, "password": password})
        if status != 302:
            raise RuntimeError(f"login failed for {email}: {status}")

    def request(self, method, path, form=None):
        headers = {"Cookie": self.cookie} if self.cookie else {}
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
        except (http.client.HTTPException, OSError):
            self.connection.close()
            self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
        text = response.read().decode("utf-8", "replace")
        cookie = response.getheader("Set-Cookie")
        if cookie:
            self.cookie = cookie.split(";", 1)[0]
        return response.status, text


def run_client(client, room_slug, thread_id, deadline, results, errors, seed):
    import random

    rng = random.Random(seed)
    actions = [name for name, weight in MIX for _ in range(weight)]
    reply_form = None
    while time.perf_counter() < deadline:
        action = rng.choice(actions)
        started = time.perf_counter()
        if action == "home":
            status, _ = client.request("GET", "/")
            ok = status == 200
        elif action == "room":
            status, _ = client.request("GET", f"/rooms/{room_slug}?page={rng.randint(1, 8)}")
            ok = status == 200
        elif action == "thread":
            status, page = client.request("GET", f"/t/{thread_id}?page=25")
            ok = status == 200
            token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
            if token:
                reply_form = token.group(1)
        else:
            if reply_form is None:
                continue
            status, _ = client.request(
                "POST",
                f"/t/{thread_id}/reply",
                {
                    "csrf_token": reply_form,
                    "body": f"Benchmark reply {secrets.token_hex(4)} with **Markdown**.",
                    "submission_key": secrets.token_hex(8),
                },
            )
            ok = status == 302
        elapsed = time.perf_counter() - started
        (results if ok else errors).setdefault(action, []).append(elapsed)


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def main():
    workdir = Path(tempfile.mkdtemp(prefix="forum-bench-"))
    port = free_port()
    env = dict(os.environ)
    env.update(
        {
            "FLASK_APP": "wsgi.py",
            "FORUM_CONFIG": "development",
            "DATABASE_URL": os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{workdir / 'bench.db'}"),
            "SECRET_KEY": secrets.token_hex(32),
            "MAIL_BACKEND": "outbox",
            "RATELIMIT_ENABLED": "false",
            # A benchmark of pages, not of password hashing: logins use cheap hashes.
            "ARGON2_TIME_COST": "1",
            "ARGON2_MEMORY_COST": "1024",
            "ARGON2_PARALLELISM": "1",
        }
    )
    flask = [str(Path(PYTHON).parent / "flask")]
    for command in (flask + ["db", "upgrade"], [PYTHON, "-c", FILL, str(CLIENTS)]):
        filled = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
        if filled.returncode:
            sys.exit(f"set-up failed: {filled.stderr[-3000:]}")
    room_slug, thread_id = filled.stdout.split()[-2:]
    server = subprocess.Popen(
        [
            str(Path(PYTHON).parent / "gunicorn"),
            "-w",
            str(WORKERS),
            "--threads",
            str(THREADS),
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "wsgi:app",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(200):
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                time.sleep(0.05)
        clients = [Client(port, f"bench{i}@forum.test", "bench-password-2026") for i in range(CLIENTS)]
        results, errors = {}, {}
        deadline = time.perf_counter() + SECONDS
        started = time.perf_counter()
        workers = [
            threading.Thread(target=run_client, args=(c, room_slug, thread_id, deadline, results, errors, i))
            for i, c in enumerate(clients)
        ]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(SECONDS + 60)
        wall = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(timeout=30)
    total = sum(len(v) for v in results.values())
    report = {
        "clients": CLIENTS,
        "seconds": round(wall, 1),
        "workers": WORKERS,
        "threads": THREADS,
        "database": env["DATABASE_URL"].split(":", 1)[0],
        "requests_per_second": round(total / wall, 1),
        "errors": {k: len(v) for k, v in errors.items()},
        "actions": {},
    }
    print(f"{CLIENTS} clients, {wall:.1f} s, gunicorn {WORKERS} workers x {THREADS} threads, {report['database']}")
    print(f"{'action':8} {'count':>7} {'req/s':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
    for action, _weight in MIX:
        values = results.get(action, [])
        if not values:
            continue
        row = {
            "count": len(values),
            "per_second": round(len(values) / wall, 1),
            "p50_ms": round(statistics.median(values) * 1000, 1),
            "p95_ms": round(percentile(values, 0.95) * 1000, 1),
            "p99_ms": round(percentile(values, 0.99) * 1000, 1),
        }
        report["actions"][action] = row
        print(
            f"{action:8} {row['count']:>7} {row['per_second']:>7} "
            f"{row['p50_ms']:>8} {row['p95_ms']:>8} {row['p99_ms']:>8}"
        )
    print(f"total {total} requests, {report['requests_per_second']} req/s, errors: {report['errors'] or 'none'}")
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "latest.json").write_text(json.dumps(report, indent=2))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
