"""Forms of the calendar link: buttons only, each carrying its CSRF token."""

from flask_wtf import FlaskForm


class CalendarLinkForm(FlaskForm):
    """Create (or replace) or revoke the private calendar link: nothing to fill in but the CSRF token."""
