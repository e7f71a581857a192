"""Shared fixtures: a fresh database per test, users by role, threads, a clock.

The schema is built once per session from the models (test_migrations.py
proves, on a database of its own, that the migrations build the same
schema); each test then empties every table and reloads the reference data. TEST_DATABASE_URL selects the
database (scripts/with-postgres.sh sets it to a throwaway PostgreSQL).
"""

import itertools
import os
import shutil
import socket
import subprocess
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from flask import g, has_app_context
from flask.testing import FlaskClient
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url

from config import TestConfig
from forum import clock, create_app
from forum.accounts.models import Role, User
from forum.accounts.passwords import hash_password
from forum.cli import seed_reference_data
from forum.extensions import db
from forum.members.models import MemberState

PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


@pytest.fixture
def empty_database(database_url, tmp_path):
    """A database of its own, empty: a new SQLite file, or a new PostgreSQL database on the test server."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    name = f"scratch_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory):
    """A Redis server for the whole session: REDIS_URL if set (scripts/with-redis.sh), else one started here.

    Started once, on first use, on a free loopback port with a throwaway
    directory and no persistence; skipped only when redis-server is missing.
    """
    url = os.environ.get("REDIS_URL")
    if url:
        yield url
        return
    server = shutil.which("redis-server")
    if server is None:
        pytest.skip("redis-server is not installed (apt-get install redis-server, or `make system-deps`)")
    import redis

    workdir = tmp_path_factory.mktemp("redis")
    port = free_port()
    process = subprocess.Popen(
        [server, "--bind", "127.0.0.1", "--port", str(port), "--dir", str(workdir), "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url, socket_connect_timeout=1)
    try:
        for _attempt in range(200):
            if process.poll() is not None:
                raise RuntimeError(f"redis-server exited with status {process.returncode}")
            try:
                client.ping()
                break
            except redis.exceptions.ConnectionError:
                time.sleep(0.02)  # start-up only
        else:
            raise RuntimeError("redis-server did not answer PING")
        yield url
    finally:
        client.close()
        process.terminate()
        process.wait(timeout=10)


def make_config(database_url, **overrides):
    return type("Config", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": database_url, **overrides})


@pytest.fixture(scope="session")
def _schema(database_url):
    app = create_app(make_config(database_url))
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            db.session.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
            db.session.commit()
        db.create_all()
        db.session.remove()
        db.engine.dispose()
    return database_url


def _empty_all_tables():
    tables = db.metadata.sorted_tables
    if db.engine.dialect.name == "postgresql":
        names = ", ".join(f'"{table.name}"' for table in tables)
        db.session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        for table in reversed(tables):
            db.session.execute(table.delete())
    db.session.commit()


@pytest.fixture
def config_overrides():
    """Override in a test module to change settings (e.g. enable CSRF)."""
    return {}


class FreshClient(FlaskClient):
    """A test client whose requests do not share `g` with the test.

    The test holds an app context open; Flask reuses it for requests, so
    per-request caches on `g` (the logged-in user, the locale) would leak from
    one request to the next. A real server never does that.
    """

    def open(self, *args, **kwargs):
        if has_app_context():
            for name in list(vars(g._get_current_object())):
                delattr(g, name)
        return super().open(*args, **kwargs)


@pytest.fixture
def app(_schema, config_overrides):
    app = create_app(make_config(_schema, **config_overrides))
    app.test_client_class = FreshClient
    with app.app_context():
        _empty_all_tables()
        seed_reference_data()
        db.session.commit()
        yield app
        db.session.remove()
        db.engine.dispose()
    clock.unfreeze()


@pytest.fixture
def smtp_server(app):
    """A real SMTP server on a free loopback port; the app delivers to it (MAIL_BACKEND=smtp).

    `smtp_server.received` holds what it accepted; `stop()`/`start()` play an
    outage; `reply = "451 …"` or `"550 …"` refuses messages.
    """
    from tests.helpers.smtp import SMTPServer

    server = SMTPServer()
    server.start()
    app.config.update(MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port, MAIL_USE_TLS=False)
    yield server
    server.stop()


@pytest.fixture
def client(app):
    return app.test_client()


_counter = itertools.count(1)


@pytest.fixture
def make_user(app):
    def make(
        role="delegate",
        state="FRA",
        *,
        email=None,
        name=None,
        password=PASSWORD,
        languages=(),
        locale=None,
        accepted_protocol=True,
        **fields,
    ):
        role = Role(role)
        number = next(_counter)
        member_state = None
        if role in (Role.delegate,) and state:
            member_state = db.session.scalar(db.select(MemberState).where(MemberState.code == state))
        user = User(
            email=email or f"{role.value}{number}@example.org",
            display_name=name or f"{role.value.title()} {number}",
            role=role,
            member_state_id=member_state.id if member_state else None,
            password_hash=hash_password(password) if password else None,
            activated_at=clock.now() if password else None,
            locale=locale,
            **fields,
        )
        if languages:
            from forum.rooms.models import Language

            user.moderated_languages = [db.session.get(Language, code) for code in languages]
        db.session.add(user)
        db.session.commit()
        if accepted_protocol:
            # Posting requires the protocol in force; tests of the gate pass accepted_protocol=False.
            from forum.protocol.models import ProtocolAcceptance
            from forum.protocol.service import current_version

            db.session.add(
                ProtocolAcceptance(user_id=user.id, version_id=current_version().id, accepted_at=clock.now())
            )
            db.session.commit()
        return user

    return make


@pytest.fixture
def login():
    """Sign a test client in as `user` without the login form (the form has its own tests)."""

    def sign_in(client, user, *, second_factor=True):
        if second_factor and user.role in (Role.language_moderator, Role.moderator, Role.admin):
            _give_second_factor(user)
        with client.session_transaction() as session:
            session["_user_id"] = user.get_id()
            session["_fresh"] = True
        return client

    return sign_in


def _give_second_factor(user):
    """Staff roles act only with a second factor: give one, as if enrolled earlier (not audited).

    Tests of enrolment itself sign in with `second_factor=False`.
    """
    if user.second_factor_enabled:
        return
    import pyotp

    from forum.twofactor.models import TotpFactor

    db.session.add(TotpFactor(user_id=user.id, secret=pyotp.random_base32(), confirmed_at=clock.now()))
    user.second_factor_enabled = True
    db.session.commit()


@pytest.fixture
def room(app):
    from forum.rooms.service import get_room

    return get_room("capacity-en")


@pytest.fixture
def make_thread(app):
    from forum.threads import service

    def make(room, author, title="A thread", body="First post", replies=0, **fields):
        thread = service.start_thread(room, author=author, title=title, body=body)
        for index in range(replies):
            service.reply(thread, author=author, body=f"Reply {index + 1}")
        for name, value in fields.items():
            setattr(thread, name, value)
        db.session.commit()
        return thread

    return make


class Clock:
    """A controllable "now" for the domain code."""

    def __init__(self):
        self.now = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
        clock.freeze(self.now)

    def set(self, moment):
        self.now = moment
        clock.freeze(moment)

    def advance(self, **delta):
        self.set(self.now + timedelta(**delta))


@pytest.fixture
def frozen_clock(app):
    fixed = Clock()
    yield fixed
    clock.unfreeze()


class QueryCounter:
    def __init__(self):
        self.statements = []

    def __call__(self, conn, cursor, statement, parameters, context, executemany):
        if not statement.lstrip().upper().startswith(("BEGIN", "SAVEPOINT", "RELEASE", "COMMIT", "ROLLBACK", "PRAGMA")):
            self.statements.append(statement)

    @property
    def count(self):
        return len(self.statements)


@pytest.fixture
def count_queries(app):
    """Context manager counting the SQL statements run inside it."""
    from contextlib import contextmanager

    @contextmanager
    def counting():
        counter = QueryCounter()
        event.listen(db.engine, "before_cursor_execute", counter)
        try:
            yield counter
        finally:
            event.remove(db.engine, "before_cursor_execute", counter)

    return counting


@pytest.fixture
def outbox(app):
    from forum.notifications.models import OutgoingEmail

    def messages(to=None):
        query = db.select(OutgoingEmail).order_by(OutgoingEmail.id)
        if to:
            query = query.where(OutgoingEmail.to == to)
        return db.session.scalars(query).all()

    return messages


# Users by role -----------------------------------------------------------------------------
#
# One fixture per role of DESIGN.md §3, built on `make_user`. Tests that need a
# second user of a role, or a named one, still call `make_user`.


@pytest.fixture
def anonymous():
    from flask_login import AnonymousUserMixin

    return AnonymousUserMixin()


@pytest.fixture
def delegate(make_user):
    """A member-state delegate (France)."""
    return make_user()


@pytest.fixture
def coordinator(make_user):
    """A regional group coordinator: a delegate (Senegal, in the African group) flagged by an admin."""
    return make_user(state="SEN", is_coordinator=True)


@pytest.fixture
def expert(make_user):
    """A Secretariat expert (role staff)."""
    return make_user("staff")


@pytest.fixture
def french_moderator(make_user):
    """A language moderator of French only."""
    return make_user("language_moderator", languages=("fr",))


@pytest.fixture
def moderator(make_user):
    """The chief moderator."""
    return make_user("moderator")


@pytest.fixture
def admin(make_user):
    return make_user("admin")


@pytest.fixture
def suspended_delegate(make_user):
    return make_user(suspended_until=clock.now() + timedelta(days=2))


GUEST_EMAIL = "guest@university.example"
GUEST_PASSWORD = "a long guest passphrase for the forum"


@pytest.fixture
def guest_invitation(frozen_clock, make_user, outbox):
    """An accepted invitation to one open weekly discussion (en, fr, es), by the path of tests/guests.

    A delegate requests it, a chief moderator recommends it, an administrator
    approves it (the link goes out by e-mail) and the guest accepts it as a new
    guest account, then accepts the protocol. The clock is frozen: the
    discussion runs for seven days from the clock's "now".
    """
    import re

    from forum.discussions import service as discussions
    from forum.guests import service as guests
    from forum.protocol import service as protocol
    from forum.rooms.models import Category

    chief, administrator = make_user("moderator"), make_user("admin")
    opens_at = clock.now().replace(second=0, microsecond=0)
    discussion = discussions.schedule_discussion(
        by=chief,
        category_id=db.session.scalar(db.select(Category.id).where(Category.code == "capacity")),
        texts={
            code: discussions.TextInput(f"Guest discussion ({code})", f"Opening in {code}.")
            for code in ("en", "fr", "es")
        },
        opens_at=opens_at,
        closes_at=opens_at + timedelta(days=7),
    )
    invitation = guests.request_guest(
        discussion,
        by=make_user(state="KEN"),
        guest_name="Amina Odhiambo",
        email=GUEST_EMAIL,
        organisation="University of Nairobi",
        organisation_kind="academic",
        justification="Leads the university's technology transfer office.",
    )
    guests.assess_request(invitation, by=chief, recommend=True, clause="1.2", reason="Relevant expertise.")
    guests.decide_request(invitation, by=administrator, approve=True)
    db.session.commit()
    token = re.search(r"/invitation/([A-Za-z0-9_\-]+)", outbox(GUEST_EMAIL)[-1].body).group(1)
    found = guests.find_invitation_by_token(token)
    user = guests.accept_as_new_guest(found, display_name=found.guest_name, password=GUEST_PASSWORD)
    protocol.accept_current(user)
    db.session.commit()
    return found


@pytest.fixture
def guest(guest_invitation):
    """A guest with an accepted invitation to one open weekly discussion (see `guest_invitation`)."""
    return db.session.get(User, guest_invitation.guest_user_id)


@pytest.fixture
def person(make_user):
    """A user of a role named in a permission table: a language moderator of French ("_own", the
    weekly tests' language) or of Spanish ("_other"), a guest with no invitation, or any plain role."""

    def make(role):
        if role == "language_moderator_own":
            return make_user("language_moderator", languages=("fr",))
        if role == "language_moderator_other":
            return make_user("language_moderator", languages=("es",))
        if role == "guest":
            return make_user("guest", organisation="University")
        return make_user(role)

    return make
