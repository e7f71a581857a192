"""The administrators' member-state forms (/admin/member-states)."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from forum.forms import Form
from forum.members.service import NAME_LANGUAGES, NAME_MAX_LENGTH


def _name_field(label):
    # Length is checked by the service too, with the same limit; the form keeps what was typed.
    return StringField(label, validators=[Optional(), Length(max=NAME_MAX_LENGTH)])


class _Names:
    # The UN's six languages; an empty field means "the UN's name".
    name_en = _name_field(_l("Name in English"))
    name_fr = _name_field(_l("Name in French"))
    name_es = _name_field(_l("Name in Spanish"))
    name_ar = _name_field(_l("Name in Arabic"))
    name_zh = _name_field(_l("Name in Chinese"))
    name_ru = _name_field(_l("Name in Russian"))

    def names(self):
        return {language: self[f"name_{language}"].data or "" for language in NAME_LANGUAGES}

    def name_fields(self):
        return [(language, self[f"name_{language}"]) for language in NAME_LANGUAGES]


class NewMemberStateForm(_Names, Form):
    code = StringField(
        _l("ISO 3166-1 alpha-3 code"), validators=[DataRequired(), Length(max=3)], description=_l("For example SSD.")
    )
    # Unknown groups are refused by the service with a translated message (not WTForms' "Not a valid choice").
    group = SelectField(_l("Regional group"), validate_choice=False)


class EditMemberStateForm(_Names, Form):
    group = SelectField(_l("Regional group"), validate_choice=False)
    active = BooleanField(
        _l("Offered for new accounts"),
        description=_l("An inactive state stays on the accounts that have it."),
    )
