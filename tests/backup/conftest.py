"""Fixtures for backups: a second, empty database to restore into, and an app bound to it."""

import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from forum import create_app
from forum.extensions import db
from tests.conftest import make_config


@pytest.fixture
def scratch_url(database_url, tmp_path):
    """An empty database of its own: a new SQLite file, or a new database on the test PostgreSQL server."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored.db'}"
        return
    name = f"restore_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def target_app(scratch_url):
    """The forum configured for the scratch database (its CLI restores into it)."""
    target = create_app(make_config(scratch_url))
    yield target
    with target.app_context():
        db.session.remove()
        db.engine.dispose()
