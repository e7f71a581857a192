"""The transactions a request opens on SQLite (forum.database): a page reads in a deferred one, a write holds
the write lock from its first statement, a view that reads first takes the lock only for its writes.

Another connection to the same file tells which: it can take the write lock exactly when the request does not
hold it.
"""

import sqlite3

import pytest
from sqlalchemy import select, text

from forum import database
from forum.extensions import db


@pytest.fixture
def sqlite_file(app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's transactions")
    # The test's own transaction ends first: outside a request it would hold the write lock itself.
    db.session.commit()
    return db.engine.url.database


def _another_writer_gets_the_lock(path):
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError:
        return False
    else:
        other.execute("ROLLBACK")
        return True
    finally:
        other.close()


def _in_transaction():
    return db.session.connection().connection.driver_connection.in_transaction


def test_a_page_reads_in_a_deferred_transaction(app, sqlite_file):
    with app.test_request_context("/", method="GET"):
        db.session.execute(select(1))
        assert _in_transaction()
        assert _another_writer_gets_the_lock(sqlite_file)
        db.session.rollback()


def test_a_write_holds_the_write_lock_from_its_first_statement_to_its_end(app, sqlite_file):
    with app.test_request_context("/profile", method="POST"):
        db.session.execute(select(1))
        assert _in_transaction()
        assert not _another_writer_gets_the_lock(sqlite_file)
        db.session.rollback()
        assert _another_writer_gets_the_lock(sqlite_file)


def test_a_view_that_reads_first_takes_the_lock_only_for_its_writes(app, sqlite_file):
    # The reply view is marked `reads_first`: its checks and rendering do not hold the lock.
    with app.test_request_context("/t/1/reply", method="POST"):
        db.session.execute(select(1))
        assert _another_writer_gets_the_lock(sqlite_file)
        with database.write_transaction():
            db.session.execute(text("SELECT 1"))
            assert not _another_writer_gets_the_lock(sqlite_file)
        assert _another_writer_gets_the_lock(sqlite_file)
