"""Instructions per request of the forum's pages and of the ceiling, counted by valgrind: the same on every run.

On a shared machine a page's time drifts by a fifth from run to run, so a change worth 5% cannot be seen by
timing it. Valgrind's cachegrind counts the instructions the CPU runs instead, which do not drift. Each page runs
in a fresh process under `valgrind --tool=cachegrind --cache-sim=no`, signed in as a delegate with Flask's test
client on the dataset of bench/profile_pages.py (a SQLite file kept with PROFILE_DATABASE, filled on first use).
The process runs twice: a warm-up of 20 requests, then the same and INSTRUCTIONS_REQUESTS (50) more. The
difference divided by the number of requests is the page's count. The ceiling (bench/ceiling.py) is counted the
same way, in its own test client.

    .venv/bin/python bench/instructions.py                 # every page and the ceiling (about 6 minutes)
    .venv/bin/python bench/instructions.py thread poll     # some pages

Compare two versions of the code by running it in each worktree. Instructions are not time: a page that waits
on memory or the database takes longer per instruction. The ratio to the ceiling here runs somewhat below
`make bench`'s. Needs Debian's `valgrind` (installed on first use, as `make bench` installs `wrk`).
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import profile_pages  # noqa: E402

HERE = Path(__file__).resolve().parent
REQUESTS = int(os.environ.get("INSTRUCTIONS_REQUESTS", 50))
WARM_UP = 20
PAGES = ("home", "room", "thread", "poll", "retention")

# One page's requests in a child process: the page's name, then how many requests after the warm-up.
CHILD = """
import os, sys
sys.path.insert(0, {here!r})
import profile_pages as pp
name, count = sys.argv[1], int(sys.argv[2])
if name == "ceiling":
    from ceiling import app
    client, path = app.test_client(), "/"
else:
    workdir, slug, hot_id, posts = pp.prepare()
    from forum import create_app
    app = create_app("development")
    client = app.test_client()
    pp.sign_in(client, "bench1@forum.test")
    path = {{"home": "/", "room": f"/rooms/{{slug}}", "thread": f"/t/{{hot_id}}",
             "poll": f"/t/{{hot_id}}/live?after=50", "retention": "/retention"}}[name]
for _ in range({warm_up} + count):
    assert client.get(path).status_code in (200, 204)
"""


def instructions(name, count, database):
    """The instructions valgrind counted for the child process of page `name` with `count` requests."""
    env = dict(os.environ, PYTHONHASHSEED="0")
    if database:
        # A fresh copy each time: a thread page moves the reader's marker, so the runs must start alike.
        for suffix in ("", ".ids"):
            shutil.copyfile(f"{database}{suffix}", f"{database}.run{suffix}")
        env["PROFILE_DATABASE"] = f"{database}.run"
    command = [
        "valgrind",
        "--tool=cachegrind",
        "--cache-sim=no",
        "--cachegrind-out-file=/dev/null",
        sys.executable,
        "-c",
        CHILD.format(here=str(HERE), warm_up=WARM_UP),
        name,
        str(count),
    ]
    done = subprocess.run(command, cwd=HERE.parent, env=env, capture_output=True, text=True, timeout=1800)
    found = re.search(r"I\s+refs:\s+([\d,]+)", done.stderr)
    if done.returncode or not found:
        sys.exit(f"{name}: valgrind failed\n{done.stderr[-3000:]}")
    return int(found.group(1).replace(",", ""))


def per_request(name, database):
    return (instructions(name, REQUESTS, database) - instructions(name, 0, database)) / REQUESTS


def main():
    if shutil.which("valgrind") is None:
        subprocess.run(["apt-get", "update", "-qq"], check=True)
        subprocess.run(["apt-get", "install", "-y", "-qq", "valgrind"], check=True)
    # The dataset once, in a file every page's process copies (prepare() fills it when it is new).
    database = os.environ.get("PROFILE_DATABASE") or str(Path(tempfile.mkdtemp(prefix="forum-ir-")) / "pages.db")
    profile_pages.KEEP = database
    profile_pages.prepare()
    ceiling = per_request("ceiling", None)
    print(f"instructions per request, {REQUESTS} requests after {WARM_UP} (valgrind cachegrind)\n")
    print("| page | instructions | vs ceiling |\n|---|---|---|")
    print(f"| ceiling | {ceiling / 1e6:.2f} M | 1 |")
    for name in sys.argv[1:] or PAGES:
        count = per_request(name, database)
        print(f"| {name} | {count / 1e6:.2f} M | {ceiling / count:.1%} |", flush=True)


if __name__ == "__main__":
    main()
