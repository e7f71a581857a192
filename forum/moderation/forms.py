from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from forum.forms import Form

REASON_REQUIRED = _l("Give a reason: the person concerned and the audit trail will show it.")


def _clause_field(label=None):
    # Choices come from the protocol in force (set by the view); the service
    # validates the citation, so an unknown clause gets its own clear message.
    return SelectField(label or _l("Clause of the protocol"), validate_choice=False)


def _reason_field(label=None, required=True):
    validators = [DataRequired(message=REASON_REQUIRED)] if required else [Optional()]
    return TextAreaField(label or _l("Reason"), validators=validators + [Length(max=2000)])


class FlagForm(Form):
    clause = _clause_field(_l("Which clause of the protocol does it breach?"))
    note = TextAreaField(
        _l("Note for the moderators (optional)"),
        validators=[Optional(), Length(max=1000)],
        description=_l("Only moderators see it."),
    )
    submit = SubmitField(_l("Report to the moderators"))


class HideForm(Form):
    clause = _clause_field()
    reason = _reason_field(_l("Reason (shown to the author)"))
    submit = SubmitField(_l("Hide the message"))


class RestoreForm(Form):
    reason = _reason_field()
    submit = SubmitField(_l("Restore the message"))


class ApproveForm(Form):
    reason = _reason_field(_l("Note (optional)"), required=False)
    submit = SubmitField(_l("Publish the message"))


class DismissForm(Form):
    reason = _reason_field(_l("Note (optional)"), required=False)
    submit = SubmitField(_l("Dismiss the reports"))


class WarnForm(Form):
    clause = _clause_field()
    reason = _reason_field(_l("Message to the user"))
    submit = SubmitField(_l("Send the warning"))


class SuspendForm(Form):
    clause = _clause_field()
    reason = _reason_field(_l("Reason (shown to the user)"))
    # "0" is "until lifted"; the view fills in translated labels.
    duration = SelectField(_l("Duration"), choices=[], validate_choice=True)
    submit = SubmitField(_l("Suspend the account"))


class LiftForm(Form):
    reason = _reason_field()
    submit = SubmitField(_l("Lift the suspension"))


class ReverseForm(Form):
    reason = _reason_field(_l("Reason for the reversal"))
    submit = SubmitField(_l("Reverse this act"))


class AuditFilterForm(Form):
    """Filters of the audit log, read from the query string (a GET form: no CSRF token)."""

    class Meta:
        csrf = False

    actor = SelectField(_l("Actor"), choices=[], validate_choice=False)
    action = SelectField(_l("Action"), choices=[], validate_choice=False)
    user = StringField(_l("User concerned (e-mail address)"), validators=[Optional(), Length(max=254)])
    since = DateField(_l("From"), validators=[Optional()])
    until = DateField(_l("Until"), validators=[Optional()])
