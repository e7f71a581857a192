from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    EmailField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from forum.forms import Form


class AccountForm(Form):
    # 254: the longest address SMTP can carry (RFC 5321), and the column's size.
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Length(max=254)])
    display_name = StringField(_l("Display name"), validators=[DataRequired(), Length(max=120)])
    role = SelectField(_l("Role"))
    member_state = SelectField(_l("Member state"), validators=[Optional()])
    is_coordinator = BooleanField(_l("Regional group coordinator"))


class EditAccountForm(Form):
    display_name = StringField(_l("Display name"), validators=[DataRequired(), Length(max=120)])
    role = SelectField(_l("Role"))
    member_state = SelectField(_l("Member state"), validators=[Optional()])
    is_coordinator = BooleanField(_l("Regional group coordinator"))
    active = BooleanField(_l("Account active"))
    languages = SelectMultipleField(_l("Languages moderated (language moderators)"))


class ImportForm(Form):
    file = FileField(_l("CSV file"))
    # Bounded so one request cannot make the server parse and validate an unbounded CSV.
    text = TextAreaField(_l("…or paste the CSV here"), validators=[Optional(), Length(max=400_000)])


class LanguageForm(Form):
    # 12 as the Language.code column: room for a tag with a region or script ("zh-hant").
    code = StringField(_l("Language code (ISO 639-1, e.g. ar, pt)"), validators=[DataRequired(), Length(max=12)])


class CategoryForm(Form):
    # The code becomes part of every room's URL (`<code>-<language>`), hence the narrow alphabet.
    code = StringField(_l("Code (letters, digits and hyphens)"), validators=[DataRequired(), Length(max=40)])
    name = StringField(_l("Name in English"), validators=[DataRequired(), Length(max=200)])
    description = StringField(_l("One-line description in English"), validators=[Optional(), Length(max=500)])


class CategoryTextForm(Form):
    language = SelectField(_l("Language"))
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    description = StringField(_l("One-line description"), validators=[Optional(), Length(max=500)])
