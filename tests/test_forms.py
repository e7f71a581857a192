"""Form fields render their attributes through `forum.forms.html_params`, exactly as WTForms' own would."""

import contextlib

import pytest
import wtforms.widgets.core
from flask_babel import lazy_gettext
from markupsafe import Markup
from werkzeug.datastructures import MultiDict
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    EmailField,
    FileField,
    HiddenField,
    IntegerField,
    PasswordField,
    RadioField,
    SearchField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms import widgets as wtforms_widgets
from wtforms.fields.choices import SelectChoice

from forum import forms
from tests.hostile_inputs import BROKEN_AND_NESTED, EVENT_HANDLERS, SCRIPT_TAGS

HOSTILE = [*SCRIPT_TAGS[:5], *EVENT_HANDLERS[:5], *BROKEN_AND_NESTED[:6], "a & b", "' \" < > `", "é ü 中文 عربي"]


@contextlib.contextmanager
def wtforms_own_html_params():
    """WTForms' html_params in place of the forum's for the duration (the widgets as WTForms ships them)."""
    saved = {cls: vars(cls)["html_params"] for cls in _widget_classes()}
    wtforms.widgets.core.html_params = wtforms_widgets.html_params = forms.WTFORMS_HTML_PARAMS
    for cls in saved:
        cls.html_params = staticmethod(forms.WTFORMS_HTML_PARAMS)
    try:
        yield
    finally:
        forms.use_fast_html_params()


def _widget_classes():
    return [c for c in vars(wtforms.widgets.core).values() if isinstance(c, type) and "html_params" in vars(c)]


def test_the_forum_renders_attributes_with_its_own_html_params(app):
    assert wtforms.widgets.core.html_params is forms.html_params
    assert wtforms_widgets.html_params is forms.html_params
    classes = _widget_classes()
    assert wtforms.widgets.core.Input in classes
    assert all(vars(c)["html_params"].__func__ is forms.html_params for c in classes)


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_attribute_values_are_escaped_as_wtforms_escapes_them(value):
    attributes = {"value": value, "title": value, "data_value": value, "aria_label": value, "class_": value}
    ours = forms.html_params(**attributes)
    assert ours == forms.WTFORMS_HTML_PARAMS(**attributes)
    assert isinstance(ours, Markup)
    # Nothing in a value can close its attribute or open a tag.
    for part in ours.split('" '):
        assert "<" not in part and ">" not in part
    assert ours.count('"') == 10


def test_odd_attributes_render_as_wtforms_renders_them(app):
    with app.test_request_context():
        cases = [
            {},
            {"required": True, "disabled": False, "name": "body"},
            {"for_": "x", "class_": "primary", "data_count": "body-count", "aria_describedby": "body-help"},
            {"maxlength": 5000, "rows": 8, "step": 0.5, "value": None},
            {"value": Markup('<b title="x">trusted</b>')},
            {"value": lazy_gettext("Post reply"), "label": lazy_gettext("Reply")},
            {'on"click': "alert(1)", "<b>": "x", "a b": True},
        ]
        for attributes in cases:
            assert forms.html_params(**attributes) == forms.WTFORMS_HTML_PARAMS(**attributes), attributes


class EveryKindOfField(forms.Form):
    boolean = BooleanField("Boolean <b>", render_kw={"data-x": '"><script>'})
    date = DateField("Date")
    moment = DateTimeLocalField("Moment")
    email = EmailField("E-mail")
    upload = FileField("File")
    hidden = HiddenField()
    number = IntegerField("Number")
    checkboxes = forms.MultiCheckboxField(
        "Several", choices=[SelectChoice("1", "One <i>"), SelectChoice("2", 'Two "2"')]
    )
    password = PasswordField("Password")
    radio = RadioField("Radio", choices=[SelectChoice("a", "A & A"), SelectChoice("b", "B")])
    search = SearchField("Search")
    select = SelectField("Select", choices=[SelectChoice("x", "<x>"), SelectChoice("y", '"y"')])
    several = SelectMultipleField("Multiple", choices=[SelectChoice("x", "X"), SelectChoice("y", "Y")])
    text = StringField("Text")
    body = TextAreaField("Body", description="Help")
    submit = SubmitField("Send & go")


@pytest.mark.parametrize("value", ["", *HOSTILE[:8]])
def test_every_kind_of_field_renders_exactly_as_with_wtforms_own_html_params(app, value):
    data = {
        "boolean": "y",
        "hidden": value,
        "number": value,
        "checkboxes": ["2"],
        "password": value,
        "radio": "a",
        "search": value,
        "select": "y",
        "several": ["x"],
        "text": value,
        "body": value,
        "email": value,
        "date": value,
        "moment": value,
    }
    formdata = MultiDict(
        [(k, v) for k, values in data.items() for v in (values if isinstance(values, list) else [values])]
    )
    with app.test_request_context(method="POST"):
        form = EveryKindOfField(formdata=formdata, meta={"csrf": False})
        form.validate()
        render_kw = {"class_": "x", "required": True, "aria_invalid": "true", "data_count": value}

        def render():
            return [(str(field(**render_kw)), str(field.label())) for field in form] + [str(form.hidden_tag())]

        ours = render()
        with wtforms_own_html_params():
            theirs = render()
    assert ours == theirs
