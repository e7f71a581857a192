from flask_babel import lazy_gettext as _l
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from forum.forms import Form


class CodeForm(Form):
    code = StringField(
        _l("Code"),
        validators=[DataRequired(), Length(max=64)],
        description=_l("The six digits your authenticator app shows, or one of your recovery codes."),
    )


class ConfirmForm(Form):
    code = StringField(
        _l("Code from the app"),
        validators=[DataRequired(), Length(max=64)],
        description=_l("Type the six digits the app shows now."),
    )


class ResetForm(Form):
    reason = TextAreaField(_l("Reason for the reset"), validators=[DataRequired(), Length(max=2000)])
