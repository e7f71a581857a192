from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, IntegerField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length
from wtforms.widgets import HiddenInput

from forum.forms import Form


class AcceptForm(Form):
    # The version the reader saw: accepting fails if a newer one was published meanwhile.
    version = IntegerField(widget=HiddenInput(), validators=[InputRequired()])
    next = HiddenField()
    confirm = BooleanField(
        _l("I have read the usage protocol and accept it."),
        validators=[DataRequired(message=_l("Tick the box to accept the protocol."))],
    )
    submit = SubmitField(_l("Accept the protocol"))


class PublishForm(Form):
    """The change note; one text area per active language is added by the view (see `text_field_name`)."""

    change_note = TextAreaField(
        _l("What changed in this version"),
        validators=[DataRequired(message=_l("Say what changed in this version.")), Length(max=2000)],
        description=_l("Shown with the new version to everyone asked to accept it."),
    )
    submit = SubmitField(_l("Publish this version"))


def text_field_name(language_code):
    return f"text_{language_code}"
