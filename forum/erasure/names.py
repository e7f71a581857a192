"""How erased things are named to readers: in the reader's language, computed when shown."""

from flask_babel import gettext as _


def former_member_name(user):
    """ "Former delegate of France" (or of no state, or a former guest), in the current locale."""
    return former_name(user.role, user.member_state.name if user.member_state is not None else None)


def former_name(role, state_name):
    """`former_member_name` from an erased account's role and its member state's name (None without one), for
    what reads rows rather than accounts (a thread page's posts)."""
    from forum.accounts.models import Role

    if role == Role.guest:
        return _("Former guest")
    if state_name is not None:
        return _("Former delegate of %(state)s", state=state_name)
    return _("Former member")


def erased_thread_title():
    """The title an erased thread keeps (worded in the locale in force when it is erased)."""
    return _("Removed at the author's request")
