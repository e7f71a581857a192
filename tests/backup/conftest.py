"""Fixtures for backups: a second, empty database to restore into, and an app bound to it."""

import pytest

from forum import create_app
from forum.extensions import db
from tests.conftest import make_config


@pytest.fixture
def scratch_url(empty_database):
    """An empty database of its own to restore into (see `empty_database`)."""
    return empty_database


@pytest.fixture
def target_app(scratch_url):
    """The forum configured for the scratch database (its CLI restores into it)."""
    target = create_app(make_config(scratch_url))
    yield target
    with target.app_context():
        db.session.remove()
        db.engine.dispose()
