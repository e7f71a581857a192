"""The download button's form: nothing to fill in but the CSRF token."""

from forum.forms import Form


class DataExportForm(Form):
    """Download one's data (or, for an administrator, an account's): a POST, so a link cannot trigger it."""
