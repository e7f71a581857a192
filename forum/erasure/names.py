"""How erased things are named to readers: in the reader's language, computed when shown."""

from flask_babel import gettext as _


def former_member_name(user):
    """ "Former delegate of France" (or of no state, or a former guest), in the current locale."""
    from forum.accounts.models import Role

    if user.role == Role.guest:
        return _("Former guest")
    if user.member_state is not None:
        return _("Former delegate of %(state)s", state=user.member_state.name)
    return _("Former member")


def erased_thread_title():
    """The title an erased thread keeps (worded in the locale in force when it is erased)."""
    return _("Removed at the author's request")
