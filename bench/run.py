"""The forum's pages as a fraction of Flask's own speed, measured side by side in one run.

Starts, each with gunicorn under the same settings (deploy/gunicorn.conf.py with
BENCH_WORKERS sync workers, no access log, no worker recycling) on a free loopback port:
- the ceiling: a bare Flask + Jinja page of about 2 KB (bench/ceiling.py);
- the forum, on its own temporary database (SQLite, or BENCH_DATABASE_URL),
  filled with 100 users, 6 rooms, 300 threads and 3,870 posts including a
  hot thread of 50 posts (BENCH_SCALE multiplies threads and posts).

Then drives each page with wrk (signed in as a delegate) at 8 and 32
connections, for BENCH_ROUNDS rounds of BENCH_SECONDS each, interleaving the
pages round by round so drift on a shared machine hits them all alike, and
reports the median round: requests/s, p50, p99 and the ratio to the ceiling.
Replies are POSTed last (8 and 32 writers), and the posts stored are counted
against the replies acknowledged (302).

    make bench                                  # SQLite
    BENCH_DATABASE_URL=postgresql+psycopg://… make bench
    BENCH_SCALE=26 make bench                   # about 100,000 posts

The table is printed in Markdown and written to bench/results/latest.json.
Only loopback traffic; every run is bounded in time.
"""

import http.client
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote, urlencode

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
WORKERS = int(os.environ.get("BENCH_WORKERS", 2))
SECONDS = int(os.environ.get("BENCH_SECONDS", 5))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", 3))
SCALE = int(os.environ.get("BENCH_SCALE", 1))
CONNECTIONS = (8, 32)
PASSWORD = "bench-password-2026"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# Runs in the forum's environment: fills the database and prints the ids the pages need.
FILL = r"""
import sys
from forum import create_app, clock
from forum.extensions import db
from forum.cli import seed_demo_data
from forum.accounts.service import find_user_by_email
from forum.accounts.passwords import hash_password
from forum.accounts.models import User, Role
from forum.content import render_markdown
from forum.protocol import service as protocol
from forum.threads.models import Thread, Post
from forum.rooms.models import Room
from forum.rooms.service import recount_rooms

scale = int(sys.argv[1])
app = create_app("development")
with app.app_context():
    seed_demo_data()
    state = find_user_by_email("delegate.fr@forum.test").member_state_id
    password = hash_password(sys.argv[2])
    users = [
        User(email=f"bench{i}@forum.test", display_name=f"Bench delegate {i}", role=Role.delegate,
             member_state_id=state, password_hash=password, activated_at=clock.now())
        for i in range(100)
    ]
    db.session.add_all(users)
    db.session.flush()
    for user in users:
        protocol.accept_current(user)
    html = render_markdown(
        "A post of the benchmark, with **some emphasis**, a [link](https://example.org) and a list:\n\n"
        "- first point about technical assistance\n- second point about evaluation\n"
    )
    now = clock.now()
    rooms = db.session.scalars(db.select(Room).order_by(Room.id).limit(6)).all()
    # 300 threads and 3,870 posts at scale 1: a hot thread of 50 posts and 299 threads sharing 3,820.
    hot = Thread(room_id=rooms[0].id, title="The hot thread of the week", author_id=users[0].id, post_count=50,
                 last_post_at=now, last_post_author_id=users[1].id, created_at=now)
    db.session.add(hot)
    threads = [hot]
    others = 299 * scale
    for number in range(others):
        count = 3820 * scale // others + (1 if number < 3820 * scale % others else 0)
        threads.append(Thread(room_id=rooms[number % 6].id, title=f"Experience with assistance project {number}",
                              author_id=users[number % 100].id, post_count=count, last_post_at=now,
                              last_post_author_id=users[(number + 1) % 100].id, created_at=now))
    db.session.add_all(threads)
    db.session.flush()
    for thread in threads:
        db.session.add_all(
            Post(thread_id=thread.id, number=n, author_id=users[(thread.id + n) % 100].id, source="bench",
                 html=html, created_at=now)
            for n in range(1, thread.post_count + 1)
        )
        db.session.flush()
    # Written around the services: the rooms' totals are counted again, as after a restore.
    recount_rooms()
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        # The planner's statistics, as autovacuum gathers them on a live server: not a forum filled a second ago.
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("ANALYZE")
    print(rooms[0].slug, hot.id, threads[1].id, sum(t.post_count for t in threads))
"""

COUNT_POSTS = r"""
import sys
from forum import create_app
from forum.extensions import db
from forum.threads.models import Post
app = create_app("development")
with app.app_context():
    print(db.session.scalar(db.select(db.func.count(Post.id)).where(Post.thread_id == int(sys.argv[1]))))
"""

REPLY_SCRIPT = """
local counter = 0
local prefix = ""
function setup(thread)
  thread:set("prefix", "%(run)s-" .. tostring(math.random(1, 1000000000)))
end
function init(args)
  prefix = wrk.thread:get("prefix")
end
request = function()
  counter = counter + 1
  local key = prefix .. "-" .. counter
  local body = "csrf_token=%(token)s&body=Benchmark+reply+" .. key .. "+with+**Markdown**.&submission_key=" .. key
  return wrk.format("POST", "%(path)s", {["Content-Type"] = "application/x-www-form-urlencoded",
                                         ["Cookie"] = "%(cookie)s"}, body)
end
"""


def forum_env(workdir):
    env = dict(os.environ)
    env.update(
        {
            "FLASK_APP": "wsgi.py",
            "FORUM_CONFIG": "development",
            "DATABASE_URL": os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{workdir / 'bench.db'}"),
            "SECRET_KEY": secrets.token_hex(32),
            "MAIL_BACKEND": "outbox",
            "RATELIMIT_ENABLED": "false",
            "FORUM_SINGLE_PROCESS": "1",
        }
    )
    return env


def run(command, env):
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"{command[0]} failed: {done.stderr[-3000:]}")
    return done.stdout


def serve(app, port, env, chdir=ROOT):
    """gunicorn with the deployment's settings (deploy/gunicorn.conf.py), BENCH_WORKERS workers, no access log
    and no worker recycling, for the forum and the ceiling alike."""
    command = [str(BIN / "gunicorn"), "-c", str(ROOT / "deploy" / "gunicorn.conf.py"), "-w", str(WORKERS)]
    command += ["-b", f"127.0.0.1:{port}", "--log-level", "warning", "--max-requests", "0", app]
    server = subprocess.Popen(
        command,
        cwd=chdir,
        env={**env, "FORUM_ACCESS_LOG": ""},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(600):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return server
        except OSError:
            time.sleep(0.05)
    server.terminate()
    sys.exit(f"{app} did not start")


def worker_memory(server):
    """Resident memory of each of the server's worker processes, in MiB (Linux /proc)."""
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
    sizes = []
    for pid in children:
        status = Path(f"/proc/{pid}/status").read_text()
        sizes.append(int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1)) / 1024)
    return sorted(sizes)


class Browser:
    """One signed-in session, to prepare the requests wrk repeats."""

    def __init__(self, port):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.cookie = ""
        self.last_headers = {}

    def request(self, method, path, form=None):
        headers = {"Cookie": self.cookie} if self.cookie else {}
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.connection.request(method, path, body=body, headers=headers)
        response = self.connection.getresponse()
        text = response.read().decode("utf-8", "replace")
        self.last_headers = dict(response.getheaders())
        cookie = response.getheader("Set-Cookie")
        if cookie:
            self.cookie = cookie.split(";", 1)[0]
        return response.status, text

    def csrf_token(self, path):
        status, page = self.request("GET", path)
        if status != 200:
            sys.exit(f"GET {path} answered {status}")
        return self.token_in(page)

    @staticmethod
    def token_in(page):
        return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)

    def sign_in(self, email):
        token = self.csrf_token("/login")
        status, _ = self.request("POST", "/login", {"csrf_token": token, "email": email, "password": PASSWORD})
        if status != 302:
            sys.exit(f"sign-in failed for {email}: {status}")


UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def wrk(url, connections, *, cookie=None, script=None):
    command = ["wrk", "-t2", f"-c{connections}", f"-d{SECONDS}s", "--latency", "--timeout", "10s"]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    if script:
        command += ["-s", script]
    done = subprocess.run(command + [url], capture_output=True, text=True, timeout=SECONDS + 60)
    output = done.stdout
    if "Requests/sec" not in output:
        sys.exit(f"wrk failed on {url}: {output}{done.stderr}")

    def latency(percent):
        value, unit = re.search(rf"^\s+{percent}%\s+([\d.]+)(us|ms|s)\s*$", output, re.M).groups()
        return float(value) * UNITS[unit]

    requests = int(re.search(r"(\d+) requests in", output).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    return {
        "per_second": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p50_ms": latency(50),
        "p99_ms": latency(99),
        "requests": requests,
        "bad_responses": int(bad.group(1)) if bad else 0,
        "socket_errors": sum(int(n) for n in errors.groups()) if errors else 0,
    }


def median_round(rounds):
    middle = sorted(rounds, key=lambda r: r["per_second"])[len(rounds) // 2]
    return {**middle, "rounds_per_second": [r["per_second"] for r in rounds]}


def check_pages(browser, pages):
    for name, path in pages.items():
        status, _ = browser.request("GET", path)
        # 204: the live poll's answer when nothing is new.
        if status not in (200, 204):
            sys.exit(f"{name} ({path}) answered {status}; the benchmark measures only pages that work")


def measure_pages(forum_port, ceiling_port, pages, cookie):
    results = {}
    for connections in CONNECTIONS:
        rounds = {name: [] for name in ["ceiling", *pages]}
        for _round in range(ROUNDS):
            rounds["ceiling"].append(wrk(f"http://127.0.0.1:{ceiling_port}/", connections))
            for name, path in pages.items():
                rounds[name].append(wrk(f"http://127.0.0.1:{forum_port}{path}", connections, cookie=cookie))
        results[connections] = {name: median_round(values) for name, values in rounds.items()}
    return results


def measure_replies(forum_port, browser, thread_id, env, workdir):
    token = browser.csrf_token(f"/t/{thread_id}")
    path = f"/t/{thread_id}/reply"
    results = {}
    for connections in CONNECTIONS:
        # A fresh run key each time: a submission key seen before is answered without storing (no double post).
        script = workdir / f"reply-{connections}.lua"
        values = {"token": quote(token, safe=""), "path": path, "cookie": browser.cookie, "run": secrets.token_hex(4)}
        script.write_text(REPLY_SCRIPT % values)
        before = int(run([sys.executable, "-c", COUNT_POSTS, str(thread_id)], env).strip())
        result = wrk(f"http://127.0.0.1:{forum_port}{path}", connections, script=str(script))
        stored = int(run([sys.executable, "-c", COUNT_POSTS, str(thread_id)], env).strip()) - before
        result["acknowledged"] = result["requests"] - result["bad_responses"]
        result["stored"] = stored
        results[connections] = result
    return results


def table(results, replies):
    lines = [
        "| page | connections | req/s | p50 ms | p99 ms | vs ceiling |",
        "|---|---|---|---|---|---|",
    ]
    for connections, pages in results.items():
        ceiling = pages["ceiling"]["per_second"]
        for name, row in pages.items():
            ratio = "1" if name == "ceiling" else f"{row['per_second'] / ceiling:.1%}"
            lines.append(
                f"| {name} | {connections} | {row['per_second']:.0f} | {row['p50_ms']:.1f} | "
                f"{row['p99_ms']:.1f} | {ratio} |"
            )
    lines += [
        "",
        "| replies | writers | replies/s | p50 ms | p99 ms | acknowledged | stored |",
        "|---|---|---|---|---|---|---|",
    ]
    for connections, row in replies.items():
        lines.append(
            f"| reply | {connections} | {row['per_second']:.0f} | {row['p50_ms']:.1f} | {row['p99_ms']:.1f} | "
            f"{row['acknowledged']} | {row['stored']} |"
        )
    return "\n".join(lines)


def main():
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed (apt-get install wrk, or `make bench`, which installs it)")
    workdir = Path(tempfile.mkdtemp(prefix="forum-bench-"))
    env = forum_env(workdir)
    run([str(BIN / "flask"), "db", "upgrade"], env)
    slug, hot_id, reply_thread_id, posts = run([sys.executable, "-c", FILL, str(SCALE), PASSWORD], env).split()[-4:]
    forum_port, ceiling_port = free_port(), free_port()
    forum = serve("wsgi:app", forum_port, env)
    ceiling = serve("ceiling:app", ceiling_port, env, chdir=ROOT / "bench")
    try:
        browser = Browser(forum_port)
        browser.sign_in("bench1@forum.test")
        pages = {
            "home": "/",
            "room": f"/rooms/{slug}",
            "thread (20 posts)": f"/t/{hot_id}",
            "live poll, nothing new": f"/t/{hot_id}/live?after=50",
            # The floor of every signed-in page: a static page (the data-retention notice) with the header, menu and
            # footer of the signed-in delegate, and their account loaded, but no query of its own.
            "static page, signed in": "/retention",
        }
        check_pages(browser, pages)
        memory = {"just after a sign-in": worker_memory(forum)}
        # A worker keeps a hash's memory for the next sign-in, and gives it back once none came for this long.
        time.sleep(int(env.get("ARGON2_KEEP_MEMORY_SECONDS") or 10) + 1)
        memory["warmed up"] = worker_memory(forum)
        results = measure_pages(forum_port, ceiling_port, pages, browser.cookie)
        # At rest after the page rounds: with every page's fragments cached (forum.fragments).
        memory["after the pages"] = worker_memory(forum)
        replies = measure_replies(forum_port, browser, reply_thread_id, env, workdir)
    finally:
        for server in (forum, ceiling):
            server.terminate()
            server.wait(timeout=30)
        shutil.rmtree(workdir, ignore_errors=True)
    database = env["DATABASE_URL"].split(":", 1)[0]
    print(
        f"{database}, {posts} posts, gunicorn {WORKERS} sync workers, wrk 2 threads, "
        f"median of {ROUNDS} rounds of {SECONDS} s\n"
    )
    print(table(results, replies))
    print(
        "\nMemory per worker (resident, MiB): "
        + "; ".join(f"{when} {', '.join(f'{mib:.0f}' for mib in sizes)}" for when, sizes in memory.items())
    )
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    report = {
        "database": database,
        "posts": int(posts),
        "workers": WORKERS,
        "rounds": ROUNDS,
        "seconds": SECONDS,
        "pages": results,
        "replies": replies,
        "worker_memory_mib": memory,
    }
    (out / "latest.json").write_text(json.dumps(report, indent=2))
    lost = any(row["stored"] < row["acknowledged"] for row in replies.values())
    return 1 if lost else 0


if __name__ == "__main__":
    sys.exit(main())
