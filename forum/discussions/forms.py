"""Forms of weekly discussions: texts per language, times, summaries, experts."""

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields import DateTimeLocalField
from wtforms.validators import InputRequired, Length, ValidationError

from forum.forms import MARKDOWN_HELP, Form, TextLength, int_or_none
from forum.i18n import language_name

# Some browsers send seconds in a datetime-local value; both forms are accepted.
TIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]
INVALID_TIME = _l("Give a date and time, e.g. 2026-03-02 09:00.")


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
        _l("Opens at"),
        format=TIME_FORMATS,
        invalid_value_message=INVALID_TIME,
        validators=[InputRequired(message=_l("Give an opening time."))],
    )
    closes_at = OptionalDateTimeLocalField(_l("Closes at"), format=TIME_FORMATS, invalid_value_message=INVALID_TIME)
    open_ended = BooleanField(_l("Open-ended (no closing time)"))

    def validate_closes_at(self, field):
        if not self.open_ended.data and field.data is None:
            raise ValidationError(_l("Give a closing time, or choose open-ended."))


class _DiscussionBase(Form):
    # No choice validation here: the service refuses an unknown category with its own message.
    category = SelectField(_l("Category"), coerce=int_or_none, validate_choice=False)
    same_text_ok = BooleanField(_l("The same text in several languages is intended"))
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

    # A fresh subclass per call: the fields added below must not stick to the shared form class.
    class DiscussionForm(form_class):
        pass

    for language in languages:
        # The language's name in the reader's language, worked out when the label is shown.
        name = LazyString(language_name, language.code)
        setattr(
            DiscussionForm,
            title_field(language.code),
            StringField(
                _l("Title in %(language)s", language=name),
                validators=[
                    Length(max=200, message=_l("The title is too long (at most %(count)d characters).", count=200))
                ],
            ),
        )
        setattr(
            DiscussionForm,
            body_field(language.code),
            TextAreaField(
                _l("Opening message in %(language)s", language=name),
                validators=[TextLength()],
                description=MARKDOWN_HELP,
            ),
        )
    return DiscussionForm(**kwargs)


class RescheduleForm(Form, ScheduleFields):
    submit = SubmitField(_l("Save the times"))


class SummaryForm(Form):
    summary = TextAreaField(
        _l("Summary"),
        validators=[TextLength()],
        description=_l(
            "Leave empty to remove the summary. Markdown: **bold**, *italic*, > quote, - list, [link](https://…)."
        ),
    )
    submit = SubmitField(_l("Save the summary"))


class InviteExpertForm(Form):
    expert = SelectField(_l("Secretariat expert"), coerce=int_or_none, validate_choice=False)
    submit = SubmitField(_l("Invite"))


class CancelDiscussionForm(Form):
    # Required by the service (with its own message), so a missing reason is refused the same way from anywhere.
    reason = TextAreaField(
        _l("Reason"),
        description=_l("Shown on the discussion's page and kept in the audit log."),
    )
    submit = SubmitField(_l("Cancel the discussion"))
