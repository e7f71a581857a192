"""What the benchmarks share: the app on a database of their own, filled once and reused, and the results file.

BENCH_DATABASE_URL chooses the database (e.g. `$TEST_DATABASE_URL` inside scripts/with-postgres.sh, or a
server of one's own to fill once and reuse); without it, a new SQLite file in a temporary directory.
BENCH_REUSE=1 keeps a database that already holds the history instead of filling it again. The objects
of the loaded app are frozen out of the garbage collector's sight (`gc.freeze()`), as deploy/gunicorn.conf.py
does before forking its workers; BENCH_NO_FREEZE=1 leaves them in it.
"""

import gc
import json
import os
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def make_app(prefix):
    """The app (test configuration) on BENCH_DATABASE_URL, or on a fresh SQLite file."""
    os.environ.setdefault("SECRET_KEY", "bench-" + "x" * 40)
    from config import TestConfig
    from forum import create_app

    url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{tempfile.mkdtemp(prefix=prefix)}/bench.db"
    app = create_app(type("BenchConfig", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": url}))
    if not os.environ.get("BENCH_NO_FREEZE"):
        # What deploy/gunicorn.conf.py does once the app is loaded, before forking the workers.
        gc.freeze()
    return app


def reusable(db, posts):
    """BENCH_REUSE is set and the database already holds at least `posts` posts."""
    from forum.threads.models import Post

    if not os.environ.get("BENCH_REUSE"):
        return False
    try:
        return (db.session.scalar(select(func.count()).select_from(Post)) or 0) >= posts
    except Exception:  # noqa: BLE001 - no tables yet
        db.session.rollback()
        return False


def empty_schema(db):
    """Every table created anew (PostgreSQL: the schema dropped first), with the reference data (rooms, states)."""
    from forum.cli import seed_reference_data

    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        db.session.commit()
    db.create_all()
    seed_reference_data()
    db.session.commit()


def analyze(db):
    """Planner statistics brought up to date, as on a deployment that has run for a while.

    On PostgreSQL, VACUUM too: autovacuum keeps the visibility map of a live database current, and
    without it the planner prices the statistics' index-only scans as if each row had to be read.
    """
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM ANALYZE")
        return
    db.session.execute(text("ANALYZE"))
    db.session.commit()


def percentile(values, fraction):
    """The value below which `fraction` of `values` lie (nearest rank, as the reports have always said)."""
    ordered = sorted(values)
    return ordered[max(int(len(ordered) * fraction) - 1, 0)]


def write_results(name, dialect, report):
    """The figures as JSON under bench/results/, named by benchmark, database and time."""
    results_dir = ROOT / "bench" / "results"
    results_dir.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    path = results_dir / f"{name}-{dialect}-{stamp}.json"
    path.write_text(json.dumps(report, indent=2))
    return path
