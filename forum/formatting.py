"""Jinja filters that format dates, times and numbers for the reader's locale and time zone."""
from flask_babel import format_datetime, format_decimal, format_timedelta
from flask_babel import gettext as _

from forum import clock


def when(value, format="medium"):
    """A timestamp in the reader's time zone and locale."""
    if value is None:
        return ""
    return format_datetime(value, format)


def ago(value):
    """"3 hours ago" in the reader's language."""
    if value is None:
        return ""
    return _("%(duration)s ago", duration=format_timedelta(clock.now() - value, granularity="minute"))


def iso(value):
    return value.isoformat() if value is not None else ""


def register(app):
    app.add_template_filter(when)
    app.add_template_filter(ago)
    app.add_template_filter(iso)
    app.add_template_filter(format_decimal, "number")
