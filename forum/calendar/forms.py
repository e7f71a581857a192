"""Forms of the calendar link: buttons only, each carrying its CSRF token."""

from forum.forms import Form


class CalendarLinkForm(Form):
    """Create (or replace) or revoke the private calendar link: nothing to fill in but the CSRF token."""
