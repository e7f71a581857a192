"""Jinja filters that format dates, times, numbers and language names for the reader's locale and time zone."""

from datetime import UTC, datetime, timedelta
from functools import lru_cache

from babel import Locale
from babel import dates as babel_dates
from babel.lists import format_list
from flask import has_request_context, request
from flask_babel import format_date, format_decimal, format_timedelta, get_locale
from flask_babel import gettext as _

from forum import clock
from forum.i18n import current_locale_code, format_locale, language_name, native_name, reader_zone

# Within this of now, a timestamp reads "3 hours ago" / "in 2 days"; the exact time is in its title.
RELATIVE_WITHIN = timedelta(days=6)


def when(value, format="medium", *, formats=None):
    """A timestamp in the reader's time zone and locale, to the minute ("30 Nov 2026, 14:05" in en-GB).

    `format` is the date's length (short, medium, long, full); the time is
    always short: seconds are noise to a reader. `formats` is `reader_formats()`,
    for a caller formatting many timestamps.
    """
    if value is None:
        return ""
    locale, zone = formats or reader_formats()
    return format_moment(value, format, locale=locale, zone=zone)


def reader_formats():
    """(locale, zone) of the reader, worked out once per request: a page formats dozens of timestamps.

    Finding the request's answer still asks Flask-Babel for the language: a list that formats a timestamp per row
    asks once and passes the answer to `when` and `relative` (`formats=`)."""
    if not has_request_context():
        return format_locale(), reader_zone()
    locale = format_locale()
    cached = request.environ.get("forum.reader_formats")
    # Keyed by the locale too: switching language within a request must not keep the old one.
    if cached is None or cached[0] is not locale:
        cached = (locale, reader_zone())
        request.environ["forum.reader_formats"] = cached
    return cached


# A thread page formats the same post times for every reader of a language and zone: kept, not redone.
@lru_cache(maxsize=4096)
def format_moment(value, format, *, locale, zone):
    """`value` as a date of length `format` and a short time, in `zone` and `locale` (pages and e-mails)."""
    date_pattern, time_pattern, combined = _moment_patterns(str(locale), format)
    if value.tzinfo is None:
        # Stored timestamps are UTC; a naive one is read as such (as Babel's format_time does).
        value = value.replace(tzinfo=UTC)
    local = value.astimezone(zone)
    locale = _locale(str(locale))
    return combined.replace("{0}", time_pattern.apply(local, locale)).replace("{1}", date_pattern.apply(local, locale))


@lru_cache(maxsize=64)
def _locale(identifier):
    return Locale.parse(identifier)


@lru_cache(maxsize=256)
def _moment_patterns(identifier, format):
    # Parsed once per process and locale, not once per timestamp (Babel parses the pattern on every call).
    locale = _locale(identifier)
    return (
        babel_dates.parse_pattern(babel_dates.get_date_format(format, locale=locale)),
        babel_dates.parse_pattern(babel_dates.get_time_format("short", locale=locale)),
        babel_dates.get_datetime_format(format, locale=locale).replace("'", ""),
    )


def relative(value, within=RELATIVE_WITHIN, *, formats=None):
    """ "3 hours ago", "in 2 days" for times near now, else the date and time as `when` writes it.

    `within=None` words any distance ("in 3 weeks"), for sentences such as "Closes in …".
    Babel rounds as people say it: 2 days 20 hours reads "in 3 days". `formats` as for `when`.
    """
    if value is None:
        return ""
    delta = value - clock.now()
    if within is not None and abs(delta) >= within:
        return when(value, formats=formats)
    if abs(delta) < timedelta(minutes=1):
        return _("just now")
    locale = formats[0] if formats else format_locale()
    # To the minute, as it reads: every post of a page then has its words from the cache for a minute.
    return _words_for(round(delta.total_seconds() / 60), str(locale))


@lru_cache(maxsize=4096)
def _words_for(minutes, locale):
    return babel_dates.format_timedelta(
        timedelta(minutes=minutes), granularity="minute", add_direction=True, locale=_locale(locale)
    )


def ago(value):
    """ "3 hours ago" in the reader's language."""
    if value is None:
        return ""
    # To the minute: "34 seconds ago" would be noise in lists and make every page load differ.
    return _("%(duration)s ago", duration=format_timedelta(clock.now() - value, granularity="minute"))


def language_list(codes):
    """ "English, French and Spanish": content languages named in the reader's language, joined by its rules."""
    locale = get_locale() or Locale("en")
    # Babel's names as they stand inside a sentence ("anglais, français et espagnol"), not capitalised as labels.
    names = [language_name(code, str(locale), capitalised=False) for code in codes]
    return format_list(names, locale=locale)


def iso(value):
    # For machine-readable attributes (<time datetime>): always UTC, whatever the reader's time zone.
    return value.isoformat() if value is not None else ""


def language_native(code):
    """A content language's name in itself."""
    return native_name(code)


def language_label(code):
    """A content language's name in the reader's language (for sentences of the interface)."""
    return language_name(code)


def local_date(value, format="full"):
    """A calendar day (a date) in the reader's locale."""
    return format_date(value, format)


def from_iso(value):
    """An ISO 8601 timestamp kept in a notification's parameters, back as a datetime for `|when`."""
    try:
        # JSON has no datetime type, hence the string; a malformed one shows nothing rather than breaking the page.
        return datetime.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None


def notification_text(notification):
    """A notification's sentence in the reader's language and time zone (worded by forum.notifications.kinds)."""
    from forum.notifications.kinds import Reader, describe

    return describe(notification, Reader(current_locale_code(), reader_zone()))


def register(app):
    """Every Jinja filter of the forum, registered in one place."""
    app.add_template_filter(language_native)
    app.add_template_filter(language_label)
    app.add_template_filter(local_date)
    app.add_template_filter(from_iso)
    app.add_template_filter(when)
    app.add_template_filter(relative)
    app.add_template_filter(ago)
    app.add_template_filter(language_list)
    app.add_template_filter(iso)
    app.add_template_filter(notification_text)
    app.add_template_filter(format_decimal, "number")
