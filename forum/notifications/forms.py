"""The notification settings form: one choice per group of kinds, built from the registry."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectField
from wtforms.fields.choices import SelectChoice

from forum.forms import Form
from forum.notifications.kinds import DELIVERY_LABELS, GROUP_LABELS, Group


class _SettingsForm(Form):
    follow_on_reply = BooleanField(
        _l("Follow the threads I start or reply to"),
        description=_l("You can still follow or stop following any thread from its page."),
    )


def settings_form(**kwargs):
    """A form with a delivery choice named after each group (`form[group.value]`)."""

    class SettingsForm(_SettingsForm):
        pass

    for group in Group:
        # Choices are not checked here: the service refuses an unknown value with a translated message,
        # the same one a test or another caller gets.
        field = SelectField(
            GROUP_LABELS[group],
            choices=[SelectChoice(delivery.value, label) for delivery, label in DELIVERY_LABELS.items()],
            validate_choice=False,
        )
        setattr(SettingsForm, group.value, field)
    return SettingsForm(**kwargs)
