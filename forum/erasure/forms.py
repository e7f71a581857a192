from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from forum.forms import Form

REASON_REQUIRED = _l("Say why: the moderators read it before deciding.")


class RequestForm(Form):
    reason = TextAreaField(
        _l("Why do you ask for the deletion?"),
        validators=[DataRequired(message=REASON_REQUIRED), Length(max=2000)],
    )
    # Shown for an account only (the view removes it otherwise).
    include_posts = BooleanField(_l("Delete my messages as well (otherwise they stay, shown as a former delegate's)"))
    submit = SubmitField(_l("Send the request"))


class RecordForm(Form):
    # Choices are the scopes' labels, set by the view.
    scope = SelectField(_l("What is to be deleted"))
    target_id = IntegerField(
        _l("Number of the message or thread (from its address: /p/123 or /t/45)"),
        validators=[Optional(), NumberRange(min=1, max=2**31 - 1)],
    )
    email = StringField(_l("E-mail address of the account (for an account)"), validators=[Optional(), Length(max=254)])
    include_posts = BooleanField(_l("Delete the account's messages as well"))
    received_by = StringField(
        _l("Received by (e-mail, letter, from whom, on what date)"),
        validators=[
            DataRequired(message=_l("Say how the request was received (e-mail, letter, from whom).")),
            Length(max=200),
        ],
    )
    reason = TextAreaField(_l("Reason given"), validators=[DataRequired(message=REASON_REQUIRED), Length(max=2000)])
    submit = SubmitField(_l("Record the request"))


class CarryOutForm(Form):
    note = TextAreaField(_l("Note for the member (optional)"), validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("Carry out the deletion"))


class PartlyForm(Form):
    post_ids = SelectMultipleField(_l("Messages to erase"), coerce=int, validate_choice=False)
    note = TextAreaField(
        _l("What is not carried out, and why (shown to the member)"),
        validators=[
            DataRequired(message=_l("Say what was not carried out and why: the member will read it.")),
            Length(max=2000),
        ],
    )
    submit = SubmitField(_l("Carry out in part"))


class RefuseForm(Form):
    # Choices come from the protocol in force (set by the view); the service checks the citation.
    clause = SelectField(_l("Clause of the protocol"), validate_choice=False)
    reason = TextAreaField(
        _l("Reason (shown to the member)"),
        validators=[DataRequired(message=_l("Give a reason: the member will read it.")), Length(max=2000)],
    )
    submit = SubmitField(_l("Refuse the request"))


class FilterForm(Form):
    class Meta:
        csrf = False

    status = SelectField(_l("Status"), validate_choice=False)
