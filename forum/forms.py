"""Form pieces several features share: text length from the configuration, id choices, help text.

Choice fields across the forum do not validate their choices in the form: an
unknown category, language or expert reaches the service, which refuses it
with a translated message (the same message a CLI caller or a test gets).
"""

from functools import lru_cache

import wtforms.widgets.core
from babel import support
from flask import current_app
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from wtforms import SelectMultipleField, widgets
from wtforms.i18n import messages_path
from wtforms.validators import ValidationError

from forum.web import id_or_none

# Mentions (forum.content, forum.notifications.mentions): the name as shown on posts, in @[…].
MARKDOWN_HELP = _l(
    "Markdown: **bold**, *italic*, > quote, - list, [link](https://…). "
    "Mention someone who can read the thread: @[Their display name]."
)


class Form(FlaskForm):
    """Every form of the forum: Flask-WTF's (CSRF on every form), with WTForms' own messages ("This field
    is required.") in the reader's language from a catalog read once per process and language, where
    Flask-WTF reads it from disk again on every request that builds a form."""

    class Meta:
        def get_translations(self, form):
            return wtforms_catalog(str(get_locale()))


@lru_cache(maxsize=32)
def wtforms_catalog(locale):
    return support.Translations.load(messages_path(), [locale], domain="wtforms")


def int_or_none(value):
    """Coerce a submitted id: anything that is not a whole number within the database's range becomes None."""
    return id_or_none(value)


class TextLength:
    """The configured maximum message length (`POST_MAX_LENGTH`), with a translated message.

    Its flag makes the `field` macro add `maxlength` and a live character
    count, so a browser never sends more than the forum accepts.
    """

    field_flags = {"text_length": True}

    def __call__(self, form, field):
        maximum = current_app.config["POST_MAX_LENGTH"]
        if field.data and len(field.data) > maximum:
            raise ValidationError(_l("The message is too long (at most %(count)d characters).", count=maximum))


class MultiCheckboxField(SelectMultipleField):
    """A multiple choice shown as checkboxes (usable without JavaScript)."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


# Rendering fields' attributes ------------------------------------------------

WTFORMS_HTML_PARAMS = wtforms.widgets.core.html_params


def html_params(**attributes):
    """WTForms' `html_params`, with the same output and escaping, in a tenth of the time.

    WTForms 3.3 builds each attribute with `Markup.format`, which took 13% of a thread page (its reply form's
    seven attributes-heavy tags). Keys and values are escaped as there, double quotes in values too (a Markup
    value is trusted but its quotes still cannot end the attribute); True gives a bare attribute, False none.
    """
    params = []
    for key, value in sorted(attributes.items()):
        key = escape(wtforms.widgets.core.clean_key(key))
        if value is True:
            params.append(key)
        elif value is not False:
            params.append(f'{key}="{str(escape(value)).replace(chr(34), "&quot;")}"')
    return Markup(" ".join(params))


def use_fast_html_params():
    """Have every WTForms widget and label render attributes with `html_params` (idempotent, process-wide):
    the module's function, which TextArea, Select and labels call, and the widgets that keep it as a method.
    tests/test_forms.py compares both functions' output on hostile attributes and every field type the forum uses."""
    wtforms.widgets.core.html_params = widgets.html_params = html_params
    for widget in vars(wtforms.widgets.core).values():
        if isinstance(widget, type) and "html_params" in vars(widget):
            widget.html_params = staticmethod(html_params)
