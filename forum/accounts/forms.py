from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, ValidationError

from forum.forms import Form


class LoginForm(Form):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1024)])
    next = HiddenField()


class PasswordResetRequestForm(Form):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Length(max=254)])


class NewPasswordForm(Form):
    password = PasswordField(
        _l("New password"),
        validators=[DataRequired(), Length(max=1024)],
        description=_l("At least 12 characters. A sentence of several words works well."),
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The two passwords are not the same."))],
    )


class ChangePasswordForm(NewPasswordForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=1024)])


class ProfileForm(Form):
    display_name = StringField(_l("Display name"), validators=[DataRequired(), Length(max=120)])
    locale = SelectField(_l("Interface language"))
    # Choices grouped by region (forum.accounts.timezones.zone_choices); an unknown zone gets our own message.
    timezone = SelectField(_l("Time zone"), validate_choice=False)
    listed_in_directory = BooleanField(
        _l("List my name in the directory of delegations"),
        description=_l("Members of the forum then see your name beside your member state; never your e-mail address."),
    )

    def validate_timezone(self, field):
        offered = {zone for options in field.choices.values() for zone, _label in options}
        if field.data not in offered:
            raise ValidationError(_l("Unknown time zone."))
