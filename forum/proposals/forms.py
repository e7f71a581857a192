"""Forms of topic proposals and the moderators' decisions on them."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

from forum.forms import MARKDOWN_HELP, Form, MultiCheckboxField, TextLength, int_or_none


class ProposalForm(Form):
    title = StringField(
        _l("Title"),
        validators=[
            DataRequired(message=_l("A title is required.")),
            Length(max=200, message=_l("The title is too long (at most %(count)d characters).", count=200)),
        ],
    )
    description = TextAreaField(
        _l("Description"),
        validators=[DataRequired(message=_l("Describe the topic.")), TextLength()],
        description=MARKDOWN_HELP,
    )
    category = SelectField(_l("Category"), coerce=int_or_none, validate_choice=False)
    aims = TextAreaField(_l("Aims"), validators=[TextLength()], description=_l("What should the discussion achieve?"))
    audience = StringField(
        _l("Target audience"),
        validators=[Length(max=300, message=_l("The audience is too long (at most %(count)d characters).", count=300))],
        description=_l("For example: heads of patent offices, policy makers, examiners."),
    )
    languages = MultiCheckboxField(_l("Preferred languages"), validate_choice=False)
    for_group = BooleanField(_l("On behalf of my regional group"))
    submit = SubmitField(_l("Submit the proposal"))


class NoteForm(Form):
    note = TextAreaField(
        _l("Note (shown with the proposal)"),
        validators=[Length(max=2000, message=_l("The note is too long (at most %(count)d characters).", count=2000))],
    )


class DeclineForm(Form):
    reason = TextAreaField(
        _l("Reason (the proposer will see it)"),
        validators=[DataRequired(message=_l("Give the reason for declining: the proposer will see it.")), TextLength()],
    )
    submit = SubmitField(_l("Decline"))
