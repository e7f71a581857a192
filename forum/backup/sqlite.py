"""SQLite: copies through the online backup API, read from one snapshot while the forum keeps writing."""

import sqlite3
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy.pool import NullPool

from forum.backup.manifest import BackupError

DUMP_NAME = "database.sqlite3"
# Pages copied per step of the backup API (4 KiB each): progress is reported between steps.
PAGES_PER_STEP = 1024


def database_path(url):
    """The file of a sqlite:/// URL; BackupError for an in-memory database."""
    if not url.database or url.database == ":memory:" or url.database.startswith("file::memory:"):
        raise BackupError("The database is in memory: there is no file to back up or restore into.")
    return Path(url.database)


def _reporter(progress, label):
    if progress is None:
        return None

    def report(status, remaining, total):
        progress(label, total - remaining, total)

    return report


def copy_live(source_path, target_path, progress=None, pages=PAGES_PER_STEP):
    """Copy the live database at `source_path` into a new file, as it was when the copy began.

    The source connection holds a read transaction for the whole copy, so every step reads the same
    snapshot: writers commit beside it (WAL), and the backup is never restarted by their changes.
    """
    if not source_path.is_file():
        raise BackupError(f"The database file {source_path} does not exist.")
    source = sqlite3.connect(source_path, isolation_level=None, timeout=30)
    target = sqlite3.connect(target_path, isolation_level=None)
    try:
        source.execute("BEGIN")
        source.execute("SELECT count(*) FROM sqlite_master").fetchone()
        source.backup(target, pages=pages, progress=_reporter(progress, "Copying database pages"))
        source.execute("COMMIT")
        # A self-contained file: no -wal or -shm beside it, readable from a read-only medium.
        target.execute("PRAGMA journal_mode=DELETE")
    finally:
        source.close()
        target.close()


def _read_only_uri(path):
    # immutable: no locks, no -shm file, nothing written, even by the engine's connection PRAGMAs.
    return f"{Path(path).resolve().as_uri()}?mode=ro&immutable=1"


def _open_read_only(path):
    return sqlite3.connect(_read_only_uri(path), uri=True, check_same_thread=False)


@contextmanager
def read_only_connection(path):
    """A SQLAlchemy connection to a backup copy, opened read-only."""
    engine = create_engine("sqlite://", creator=lambda: _open_read_only(path), poolclass=NullPool)
    try:
        with engine.connect() as connection:
            yield connection
    finally:
        engine.dispose()


def restore(copy_path, target_path, progress=None, pages=PAGES_PER_STEP):
    """Replace the content of the database at `target_path` by the backup copy (the backup API, page by page)."""
    target_path.parent.mkdir(parents=True, exist_ok=True)
    source = _open_read_only(copy_path)
    target = sqlite3.connect(target_path, isolation_level=None, timeout=30)
    try:
        source.backup(target, pages=pages, progress=_reporter(progress, "Restoring database pages"))
    except sqlite3.Error as error:
        raise BackupError(f"SQLite could not restore into {target_path}: {error}") from None
    finally:
        source.close()
        target.close()
