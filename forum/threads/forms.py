from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

from forum.forms import MARKDOWN_HELP, Form, TextLength


class PostForm(Form):
    body = TextAreaField(
        _l("Your message"),
        validators=[DataRequired(message=_l("The message is empty.")), TextLength()],
        description=MARKDOWN_HELP,
    )
    reply_to = HiddenField()
    # A random key per rendered form: a resent form finds the post it already made.
    submission_key = HiddenField()
    preview = SubmitField(_l("Preview"))
    submit = SubmitField(_l("Post reply"))


class ThreadForm(Form):
    title = StringField(_l("Title"), validators=[DataRequired(message=_l("A title is required.")), Length(max=200)])
    body = TextAreaField(
        _l("First message"),
        validators=[DataRequired(message=_l("The message is empty.")), TextLength()],
        description=MARKDOWN_HELP,
    )
    # As in PostForm: a resent form finds the thread it already started.
    submission_key = HiddenField()
    preview = SubmitField(_l("Preview"))
    submit = SubmitField(_l("Start thread"))


class EditPostForm(Form):
    body = TextAreaField(_l("Message"), validators=[DataRequired(message=_l("The message is empty.")), TextLength()])
    preview = SubmitField(_l("Preview"))
    submit = SubmitField(_l("Save changes"))


class MoveThreadForm(Form):
    room = SelectField(_l("Move to room"), coerce=int)
    submit = SubmitField(_l("Move"))
