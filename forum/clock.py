"""The one source of "now" for domain code, so tests can move time."""

from datetime import UTC, datetime

# Module-level, not per request: only tests freeze time, and a test process runs one test at a time.
_frozen = None


def now():
    """Current time, timezone-aware UTC."""
    return _frozen if _frozen is not None else datetime.now(UTC)


def freeze(moment):
    """Make `now()` return `moment` until `unfreeze()` (tests only)."""
    global _frozen
    if moment.tzinfo is None:
        raise ValueError("freeze() needs an aware datetime")
    # Kept in UTC so a frozen `now()` returns the same kind of value as a running one.
    _frozen = moment.astimezone(UTC)


def unfreeze():
    global _frozen
    _frozen = None
