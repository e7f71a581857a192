"""Timestamps as readers expect them: their locale's order without seconds, relative when recent."""

from datetime import UTC, datetime, timedelta

import pytest
from flask_babel import refresh

from forum import clock
from forum.formatting import relative, when

NOW = datetime(2026, 11, 30, 13, 5, 42, tzinfo=UTC)


def reader(app, accept_language):
    """A request from a browser asking for `accept_language` (the test's app context keeps Babel's cache: dropped)."""
    return _Reader(app.test_request_context("/", headers={"Accept-Language": accept_language}))


class _Reader:
    def __init__(self, context):
        self.context = context

    def __enter__(self):
        self.context.push()
        refresh()

    def __exit__(self, *exc):
        self.context.pop()
        refresh()


@pytest.fixture
def at_noon(app, frozen_clock):
    frozen_clock.set(NOW)
    return frozen_clock


@pytest.mark.parametrize(
    "accept_language,expected",
    [
        ("en-GB,en;q=0.8", "30 Nov 2026, 14:05"),
        ("en-US,en;q=0.8", "Nov 30, 2026, 2:05\u202fPM"),
        ("en", "Nov 30, 2026, 2:05\u202fPM"),
        # A region of another language than the interface's is ignored.
        ("de-DE,en;q=0.5", "Nov 30, 2026, 2:05\u202fPM"),
    ],
)
def test_a_timestamp_follows_the_browsers_regional_variant_without_seconds(app, at_noon, accept_language, expected):
    with reader(app, accept_language):
        # The forum's default zone is Geneva's: 13:05 UTC is 14:05 there.
        assert when(NOW).replace("\u202f", " ") == expected.replace("\u202f", " ")


def test_french_and_spanish_readers_get_their_order(app, at_noon):
    with reader(app, "fr-FR"):
        assert when(NOW) == "30 nov. 2026, 14:05"
    with reader(app, "es-ES"):
        assert when(NOW) == "30 nov 2026, 14:05"


def test_recent_times_are_relative_and_older_ones_exact(app, at_noon):
    with reader(app, "en-GB"):
        assert relative(NOW - timedelta(seconds=20)) == "just now"
        assert relative(NOW - timedelta(hours=3)) == "3 hours ago"
        assert relative(NOW + timedelta(days=2)) == "in 2 days"
        assert relative(NOW - timedelta(days=10)) == "20 Nov 2026, 14:05"
    with reader(app, "fr"):
        assert relative(NOW - timedelta(hours=3)) == "il y a 3 heures"


def test_the_page_shows_relative_time_with_the_exact_one_in_the_title(
    client, delegate, login, room, make_thread, at_noon
):
    thread = make_thread(room, delegate, title="Fresh")
    clock.freeze(NOW + timedelta(hours=2))
    login(client, delegate)
    page = client.get(f"/t/{thread.id}", headers={"Accept-Language": "en-GB"}).get_data(as_text=True)
    assert (
        '<time datetime="2026-11-30T13:05:42+00:00" title="Monday, 30 November 2026, 14:05">2 hours ago</time>' in page
    )
