"""The one source of "now" for domain code, so tests can move time."""

from datetime import UTC, datetime

_frozen = None


def now():
    """Current time, timezone-aware UTC."""
    return _frozen if _frozen is not None else datetime.now(UTC)


def freeze(moment):
    """Make `now()` return `moment` until `unfreeze()` (tests only)."""
    global _frozen
    if moment.tzinfo is None:
        raise ValueError("freeze() needs an aware datetime")
    _frozen = moment.astimezone(UTC)


def unfreeze():
    global _frozen
    _frozen = None
