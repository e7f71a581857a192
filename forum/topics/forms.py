"""Forms of weekly discussions and topic proposals.

Choice fields do not validate their choices here: an unknown category or
language reaches the service, which refuses it with a translated message
(the same message a CLI caller or a test gets).
"""
from flask import current_app
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
    widgets,
)
from wtforms.fields import DateTimeLocalField
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from forum.i18n import language_name

MARKDOWN_HELP = _l("Markdown: **bold**, *italic*, > quote, - list, [link](https://…).")
TIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]
INVALID_TIME = _l("Give a date and time, e.g. 2026-03-02 09:00.")


def int_or_none(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class _TextLength:
    """The configured maximum text length, with a translated message."""

    def __call__(self, form, field):
        maximum = current_app.config["POST_MAX_LENGTH"]
        if field.data and len(field.data) > maximum:
            raise ValidationError(_l("The message is too long (at most %(count)d characters).", count=maximum))


class OptionalDateTimeLocalField(DateTimeLocalField):
    """Empty means "no time" (the form decides whether that is allowed), not an unreadable value."""

    def process_formdata(self, valuelist):
        if valuelist and not "".join(valuelist).strip():
            self.data = None
            return
        super().process_formdata(valuelist)


class ScheduleFields:
    """Opening and closing times, entered in the reader's time zone."""

    opens_at = DateTimeLocalField(
        _l("Opens at"), format=TIME_FORMATS, invalid_value_message=INVALID_TIME,
        validators=[InputRequired(message=_l("Give an opening time."))],
    )
    closes_at = OptionalDateTimeLocalField(_l("Closes at"), format=TIME_FORMATS, invalid_value_message=INVALID_TIME)
    open_ended = BooleanField(_l("Open-ended (no closing time)"))

    def validate_closes_at(self, field):
        if not self.open_ended.data and field.data is None:
            raise ValidationError(_l("Give a closing time, or choose open-ended."))


class _DiscussionBase(FlaskForm):
    category = SelectField(_l("Category"), coerce=int_or_none, validate_choice=False)
    submit = SubmitField(_l("Save"))


class NewDiscussionForm(_DiscussionBase, ScheduleFields):
    submit = SubmitField(_l("Schedule the discussion"))


class EditDiscussionForm(_DiscussionBase):
    submit = SubmitField(_l("Save changes"))


def title_field(code):
    return f"title_{code}"


def body_field(code):
    return f"body_{code}"


def discussion_form(form_class, languages, **kwargs):
    """`form_class` with a title and an opening message for each of `languages` (all optional)."""

    class DiscussionForm(form_class):
        pass

    for language in languages:
        # The language's name in the reader's language, worked out when the label is shown.
        name = LazyString(language_name, language.code)
        setattr(
            DiscussionForm, title_field(language.code),
            StringField(
                _l("Title in %(language)s", language=name),
                validators=[Length(max=200, message=_l("The title is too long (at most %(count)d characters).", count=200))],
            ),
        )
        setattr(
            DiscussionForm, body_field(language.code),
            TextAreaField(
                _l("Opening message in %(language)s", language=name),
                validators=[_TextLength()], description=MARKDOWN_HELP,
            ),
        )
    return DiscussionForm(**kwargs)


class RescheduleForm(FlaskForm, ScheduleFields):
    submit = SubmitField(_l("Save the times"))


class SummaryForm(FlaskForm):
    summary = TextAreaField(
        _l("Summary"), validators=[_TextLength()],
        description=_l("Leave empty to remove the summary. Markdown: **bold**, *italic*, > quote, - list, [link](https://…)."),
    )
    submit = SubmitField(_l("Save the summary"))


class InviteExpertForm(FlaskForm):
    expert = SelectField(_l("Secretariat expert"), coerce=int_or_none, validate_choice=False)
    submit = SubmitField(_l("Invite"))


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class ProposalForm(FlaskForm):
    title = StringField(
        _l("Title"),
        validators=[DataRequired(message=_l("A title is required.")),
                    Length(max=200, message=_l("The title is too long (at most %(count)d characters).", count=200))],
    )
    description = TextAreaField(
        _l("Description"), validators=[DataRequired(message=_l("Describe the topic.")), _TextLength()],
        description=MARKDOWN_HELP,
    )
    category = SelectField(_l("Category"), coerce=int_or_none, validate_choice=False)
    aims = TextAreaField(_l("Aims"), validators=[_TextLength()], description=_l("What should the discussion achieve?"))
    audience = StringField(
        _l("Target audience"),
        validators=[Length(max=300, message=_l("The audience is too long (at most %(count)d characters).", count=300))],
        description=_l("For example: heads of patent offices, policy makers, examiners."),
    )
    languages = MultiCheckboxField(_l("Preferred languages"), validate_choice=False)
    for_group = BooleanField(_l("On behalf of my regional group"))
    submit = SubmitField(_l("Submit the proposal"))


class NoteForm(FlaskForm):
    note = TextAreaField(
        _l("Note (shown with the proposal)"),
        validators=[Length(max=2000, message=_l("The note is too long (at most %(count)d characters).", count=2000))],
    )


class DeclineForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason (the proposer will see it)"),
        validators=[DataRequired(message=_l("Give the reason for declining: the proposer will see it.")), _TextLength()],
    )
    submit = SubmitField(_l("Decline"))
