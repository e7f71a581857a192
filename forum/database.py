"""Database behaviour shared by every engine: SQLite tuning and write transactions.

SQLite in WAL mode lets readers run beside one writer, but a transaction that
reads and then writes fails at once with "database is locked" if another
writer committed in between, whatever the busy timeout. So requests that
change things (every method but GET/HEAD, and all CLI and test code) begin
with BEGIN IMMEDIATE and queue for the write lock; page views begin deferred
and, when they must write (read markers, last seen), end their read first and
write in a transaction of their own through `write_transaction()`.

A view marked `@reads_first` (posting a reply) turns this round for a
POST: it loads, authorises, validates and renders in a deferred (read)
transaction, then makes its writes inside `write_transaction()`, so the
write lock is held only for the inserts and updates, not for the work before.
"""

from contextlib import contextmanager

from flask import current_app, g, has_request_context, request
from sqlalchemy import event, or_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.sqlite.base import SQLiteCompiler
from sqlalchemy.engine import Engine

from forum.extensions import db


def _sqlite_from_hint(compiler, table, text):
    # SQLAlchemy's SQLite compiler drops `Select.with_hint()`; SQLite reads a hint after the table's name.
    return text


SQLiteCompiler.get_from_hint_text = _sqlite_from_hint


def sqlite_index(statement, entity, index_name):
    """`statement` reading `entity` through the named index on SQLite (`INDEXED BY`); unchanged elsewhere.

    For the few queries where SQLite's planner, without statistics, picks an index that reads every row
    of a large table to avoid a sort (the home page's latest threads and scheduled threads). SQLite
    refuses the query if the index cannot serve it, so a renamed index fails loudly in the tests.
    """
    return statement.with_hint(entity, f"INDEXED BY {index_name}", "sqlite")


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        # SQLAlchemy's "begin" event below issues BEGIN instead of pysqlite.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


def _wants_write_lock():
    if not has_request_context():
        return True
    flag = g.get("write_transaction")
    if flag is not None:
        # True inside `write_transaction()`; False where a view reads first on purpose (login).
        return flag
    if request.method in ("GET", "HEAD"):
        return False
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    return not getattr(view, "reads_first", False)


def reads_first(view):
    """Mark a POST view that reads in a deferred transaction and writes only inside `write_transaction()`.

    Such a view must make every write in `write_transaction()`: SQLite refuses
    a read transaction that turns into a write after another writer committed.
    """
    view.reads_first = True
    return view


def begin_statement():
    """How SQLite's transaction begins here: "BEGIN IMMEDIATE" (with the write lock) or "BEGIN" (deferred)."""
    return "BEGIN IMMEDIATE" if _wants_write_lock() else "BEGIN"


@event.listens_for(Engine, "begin")
def _sqlite_begin(connection):
    if connection.dialect.name == "sqlite":
        # On the driver's connection: through `exec_driver_sql` (an execution context, a result, the cursor
        # events) this one word cost as much as a query, on every request (bench/instructions.py). So it is not
        # among the statements that SQLAlchemy's cursor events see.
        connection.connection.driver_connection.execute(begin_statement())


@contextmanager
def write_transaction(*, keep_loaded=False):
    """Commit what is pending, then run the block in a transaction that holds the write lock.

    With `keep_loaded`, what the read transaction loaded stays loaded instead of
    being expired and read again under the lock (for a view whose read part
    wrote nothing and whose writes re-check what matters in SQL, as a reply does),
    and it stays loaded after the block's commit too (for a view that then only
    redirects: the signed-in user is not read again to answer).
    """
    session = db.session()
    keep = session.expire_on_commit
    session.expire_on_commit = keep and not keep_loaded
    try:
        session.commit()
        previous = g.get("write_transaction") if has_request_context() else None
        if has_request_context():
            g.write_transaction = True
        try:
            yield
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise
        finally:
            if has_request_context():
                g.write_transaction = previous
    finally:
        session.expire_on_commit = keep


def read(statement, parameters=None):
    """The result of a statement that reads plain rows or values (not ORM objects), run on the session's connection.

    `db.session.execute` would take the same rows through the ORM's execution layer (its compile state, loader
    setup and result wrapping), which costs as much again as the statement itself: about 175,000 instructions of
    a thread page's reader state, out of 387,000 (`bench/instructions.py`). The session's pending changes are
    flushed first, as its autoflush would, so the rows include them.
    """
    session = db.session()
    if session.new or session.dirty or session.deleted:
        session.flush()
    return session.connection().execute(statement, parameters)


def insert_on_conflict(model, dialect_name=None):
    """An INSERT into `model` for the session's engine (or `dialect_name`'s), with its `on_conflict_do_nothing/
    do_update` clauses.

    SQLite and PostgreSQL spell INSERT … ON CONFLICT alike, but each dialect builds its own statement.
    """
    dialect = dialect_name or dialect_name_of_session()
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(model)


def dialect_name_of_session():
    """The session's engine's dialect name: "sqlite" or "postgresql"."""
    return db.session.get_bind().dialect.name


def claim_transition(obj, column, expected, **values):
    """Move `obj` on from one of the `expected` states atomically; True if this transaction won.

    A conditional UPDATE … WHERE id = :id AND <column> IN (:expected): of two
    simultaneous decisions on one object (two admins approving, a moderator
    accepting while another declines) exactly one changes a row, on SQLite and
    PostgreSQL alike. The loser changes nothing and should refuse. On success
    the object is refreshed so it shows the values just written.
    """
    model = type(obj)
    expected = tuple(expected) if isinstance(expected, (tuple, list, set, frozenset)) else (expected,)
    state = getattr(model, column)
    known = [value for value in expected if value is not None]
    condition = state.in_(known)
    if None in expected:
        condition = or_(condition, state.is_(None))
    # Pending changes to `obj` would be lost by the refresh below: write them first.
    db.session.flush()
    changed = db.session.execute(
        update(model).where(model.id == obj.id, condition).values(**values).execution_options(synchronize_session=False)
    ).rowcount
    if changed == 1:
        db.session.refresh(obj)
        return True
    return False
