"""The statistics filters: a GET form read from the query string (nothing changes, so no CSRF token)."""

from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from forum.forms import Form
from forum.stats.service import PRESETS


class StatsFilterForm(Form):
    class Meta:
        csrf = False

    period = SelectField(
        _l("Period"), choices=[SelectChoice(key, label) for key, label in PRESETS.items()], default="4weeks"
    )
    first = DateField(_l("From"), validators=[Optional()])
    last = DateField(_l("Until"), validators=[Optional()])
    group = SelectField(_l("Regional group"), choices=[], validate_choice=False)
    language = SelectField(_l("Language"), choices=[], validate_choice=False)
    category = SelectField(_l("Category"), choices=[], validate_choice=False)
    room = SelectField(_l("Room"), choices=[], validate_choice=False)
    discussion = SelectField(_l("Weekly discussion"), choices=[], validate_choice=False)
