from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError


class _BodyLength:
    """The configured maximum post length, with a translated message."""

    def __call__(self, form, field):
        maximum = current_app.config["POST_MAX_LENGTH"]
        if field.data and len(field.data) > maximum:
            raise ValidationError(_l("The message is too long (at most %(count)d characters).", count=maximum))


class PostForm(FlaskForm):
    body = TextAreaField(
        _l("Your message"),
        validators=[DataRequired(message=_l("The message is empty.")), _BodyLength()],
        description=_l("Markdown: **bold**, *italic*, > quote, - list, [link](https://…)."),
    )
    reply_to = HiddenField()
    # A random key per rendered form: a resent form finds the post it already made.
    submission_key = HiddenField()
    preview = SubmitField(_l("Preview"))
    submit = SubmitField(_l("Post reply"))


class ThreadForm(FlaskForm):
    title = StringField(
        _l("Title"), validators=[DataRequired(message=_l("A title is required.")), Length(max=200)]
    )
    body = TextAreaField(
        _l("First message"),
        validators=[DataRequired(message=_l("The message is empty.")), _BodyLength()],
        description=_l("Markdown: **bold**, *italic*, > quote, - list, [link](https://…)."),
    )
    submission_key = HiddenField()
    preview = SubmitField(_l("Preview"))
    submit = SubmitField(_l("Start thread"))


class EditPostForm(FlaskForm):
    body = TextAreaField(
        _l("Message"), validators=[DataRequired(message=_l("The message is empty.")), _BodyLength()]
    )
    preview = SubmitField(_l("Preview"))
    submit = SubmitField(_l("Save changes"))


class MoveThreadForm(FlaskForm):
    room = SelectField(_l("Move to room"), coerce=int)
    submit = SubmitField(_l("Move"))
