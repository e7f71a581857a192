"""The search form: a GET form (bookmarkable results), so it carries no CSRF token and changes nothing."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, SearchField, SelectField, StringField
from wtforms.validators import Length, Optional

from forum.forms import Form
from forum.search.service import RELEVANCE


def _int_or_none(value):
    if value in (None, "", "None"):
        return None
    return int(value)


class SearchForm(Form):
    class Meta:
        # A read-only GET form: the results page must be linkable, and nothing changes.
        csrf = False

    q = SearchField(_l("Search for"), validators=[Optional()])
    category = SelectField(_l("Category"), coerce=_int_or_none, validators=[Optional()])
    language = SelectField(_l("Language"), validators=[Optional()])
    room = SelectField(_l("Room"), coerce=_int_or_none, validators=[Optional()])
    state = SelectField(_l("Member state"), coerce=_int_or_none, validators=[Optional()])
    group = SelectField(_l("Regional group"), coerce=_int_or_none, validators=[Optional()])
    author = StringField(_l("Author"), validators=[Optional(), Length(max=120)])
    date_from = DateField(_l("From"), validators=[Optional()])
    date_to = DateField(_l("To"), validators=[Optional()])
    weekly = BooleanField(_l("Weekly discussions only"))
    following = BooleanField(_l("Threads I follow"))
    # Choices are set by the view (forum.search.views), as for the filters.
    sort = SelectField(_l("Sort by"), default=RELEVANCE)
