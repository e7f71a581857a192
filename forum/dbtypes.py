"""Column types shared by all models."""

import enum
from datetime import UTC

from sqlalchemy import DateTime, Enum
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator):
    """A timestamp that is always timezone-aware UTC in Python.

    PostgreSQL keeps the offset (timestamptz); SQLite keeps naive text, so the
    value is normalised to UTC on the way in and tagged UTC on the way out.
    """

    impl = DateTime(timezone=True)
    # The type holds no state, so SQLAlchemy may cache the statements that use it.
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            # Refused rather than guessed: a naive value may be local time, and a guess would shift it by hours.
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        # SQLite keeps text without an offset; as every stored value is UTC, they still sort and compare correctly.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            # Naive values come back from SQLite only, and were stored as UTC (above).
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def enum_column(enum_class, length=24):
    """An enum stored as its value in a plain string column (portable, easy to migrate)."""
    return Enum(
        enum_class,
        native_enum=False,
        length=length,
        values_callable=lambda members: [m.value for m in members],
        # An unknown string is refused on write, instead of being stored and failing on every later read.
        validate_strings=True,
    )


class StateEnum(str, enum.Enum):
    """A state stored as its value, with `is_<member>` tests for templates and views.

    `post.state.is_held` reads better than comparing strings and fails loudly
    on a typo: an unknown `is_…` name raises ValueError (Jinja would turn an
    AttributeError into a silent, false Undefined).
    """

    def __getattr__(self, name):
        if name.startswith("is_") and not name.startswith("is__"):
            member = name[3:]
            if member not in type(self).__members__:
                raise ValueError(f"{type(self).__name__} has no state {member!r}")
            return self.value == type(self).__members__[member].value
        # Any other name stays an AttributeError, so hasattr(), copy and pickle behave as usual.
        raise AttributeError(name)

    @classmethod
    def from_arg(cls, value):
        """The member named in a query string, or None for a missing or unknown one."""
        try:
            return cls(value) if value else None
        except ValueError:
            return None
