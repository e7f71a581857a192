from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    EmailField,
    PasswordField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from forum.forms import Form
from forum.guests.models import ORGANISATION_KIND_LABELS

# The services check lengths and required values again, with their own messages.
TEXT_MAX = 5000


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class GuestRequestForm(Form):
    guest_name = StringField(_l("Guest's name"), validators=[DataRequired(), Length(max=120)])
    email = EmailField(_l("Guest's e-mail address"), validators=[DataRequired(), Length(max=254)])
    organisation = StringField(_l("Organisation"), validators=[DataRequired(), Length(max=200)])
    organisation_kind = SelectField(
        _l("Kind of organisation"),
        choices=[SelectChoice(kind.value, label) for kind, label in ORGANISATION_KIND_LABELS.items()],
    )
    justification = TextAreaField(
        _l("Why should this guest take part?"),
        validators=[DataRequired(), Length(max=TEXT_MAX)],
        description=_l("The moderator assesses the request against the usage protocol; the administrators decide."),
    )
    # Choices: the discussion's languages (set by the view). None ticked: all of them.
    languages = CheckboxesField(
        _l("Languages the guest may use"),
        validate_choice=False,
        description=_l("Leave all unticked to let the guest take part in every language of the discussion."),
    )
    ends_at = DateField(
        _l("Access ends on (optional)"),
        validators=[Optional()],
        description=_l("Without a date, access ends when the discussion closes."),
    )


class AssessForm(Form):
    decision = RadioField(
        _l("Assessment"),
        choices=[SelectChoice("recommend", _l("Recommend")), SelectChoice("reject", _l("Reject"))],
        validators=[DataRequired(message=_l("Choose to recommend or to reject the request."))],
    )
    # Choices come from the protocol in force (set by the view); the service validates the citation.
    clause = SelectField(_l("Clause of the protocol"), validate_choice=False)
    reason = TextAreaField(_l("Reason (shown to the requester)"), validators=[Length(max=TEXT_MAX)])


class DecisionForm(Form):
    decision = RadioField(
        _l("Decision"),
        choices=[SelectChoice("approve", _l("Approve and send the invitation")), SelectChoice("reject", _l("Reject"))],
        validators=[DataRequired(message=_l("Choose to approve or to reject the request."))],
    )
    reason = TextAreaField(
        _l("Reason"),
        validators=[Length(max=TEXT_MAX)],
        description=_l("Required for a rejection; the requester sees it."),
    )


class RevokeForm(Form):
    reason = TextAreaField(_l("Reason for revoking"), validators=[Length(max=TEXT_MAX)])


class ResendForm(Form):
    pass


class AcceptNewForm(Form):
    display_name = StringField(_l("Your name as others will see it"), validators=[DataRequired(), Length(max=120)])
    password = PasswordField(
        _l("Choose a password"),
        validators=[DataRequired(), Length(max=1024)],
        description=_l("At least 12 characters. A sentence of several words works well."),
    )
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The two passwords are not the same."))],
    )


class AcceptExistingForm(Form):
    password = PasswordField(_l("Password of your guest account"), validators=[DataRequired(), Length(max=1024)])
