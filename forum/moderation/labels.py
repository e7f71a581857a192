"""Readable, translated names for audit actions and notification kinds of the moderation features."""
from flask_babel import lazy_gettext as _l

ACTION_LABELS = {
    "post.hide": _l("Hid a message"),
    "post.restore": _l("Restored a message"),
    "post.approve": _l("Published a held message"),
    "post.hold": _l("Held a message for moderation (blocked term)"),
    "flags.dismiss": _l("Dismissed reports"),
    "user.warn": _l("Warned a user"),
    "user.suspend": _l("Suspended a user"),
    "user.unsuspend": _l("Lifted a suspension"),
    "act.reverse": _l("Reversed a language moderator's act"),
    "protocol.publish": _l("Published a version of the protocol"),
    "thread.pin": _l("Pinned a thread"),
    "thread.unpin": _l("Unpinned a thread"),
    "thread.lock": _l("Closed a thread"),
    "thread.reopen": _l("Reopened a thread"),
    "thread.move": _l("Moved a thread"),
    "account.create": _l("Created an account"),
    "account.update": _l("Changed an account"),
    "account.languages": _l("Changed the languages a moderator moderates"),
    "account.import": _l("Imported accounts"),
    "account.activation_sent": _l("Sent an activation link"),
    "language.add": _l("Added a content language"),
    "language.activate": _l("Activated a content language"),
    "language.deactivate": _l("Deactivated a content language"),
}


def action_label(action):
    label = ACTION_LABELS.get(action)
    return str(label) if label is not None else action
