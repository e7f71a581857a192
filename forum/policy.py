"""Who may do what: every permission question in the forum is a function here.

Services, views and templates (through a context processor) ask these
predicates and nothing else, so the rules of DESIGN.md §3 can be read and
audited in one place. Each predicate takes the acting user first; an
anonymous user (Flask-Login's AnonymousUserMixin) is always refused.
"""
from flask import abort

from forum.accounts.models import Role
from forum.discussions.models import PostState, ThreadStatus

MODERATOR_ROLES = {Role.moderator, Role.admin}
MEMBER_ROLES = {Role.delegate, Role.staff, Role.language_moderator, Role.moderator, Role.admin}


def _signed_in(user):
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.active)


def is_member(user):
    """Member-state delegates and Secretariat accounts: everyone but guests."""
    return _signed_in(user) and user.role in MEMBER_ROLES


def is_guest(user):
    return _signed_in(user) and user.role == Role.guest


def is_chief_moderator(user):
    return _signed_in(user) and user.role in MODERATOR_ROLES


def is_admin(user):
    return _signed_in(user) and user.role == Role.admin


def can_write(user):
    """Signed in, activated and not suspended: may create content at all."""
    return _signed_in(user) and user.is_activated and not user.is_suspended


# Rooms and threads -----------------------------------------------------------


def can_read_room(user, room):
    return is_member(user) and (room.language.active or can_moderate_room(user, room))


def can_read_thread(user, thread):
    if not can_read_room(user, thread.room):
        return False
    if thread.status == ThreadStatus.scheduled:
        # Scheduled weekly discussions are prepared in private by moderators.
        return can_moderate_room(user, thread.room)
    return True


def can_start_thread(user, room):
    if not (can_write(user) and can_read_room(user, room)):
        return False
    if room.closed or room.moderators_only:
        return can_moderate_room(user, room)
    return True


def can_post(user, thread):
    """May reply: the thread is open, the room is open and the user may write."""
    return (
        can_write(user)
        and can_read_thread(user, thread)
        and thread.status == ThreadStatus.open
        and not thread.room.closed
    )


def can_edit_post(user, post):
    return (
        can_write(user)
        and post.author_id == user.id
        and post.state in (PostState.visible, PostState.held)
        and can_post(user, post.thread)
    )


def can_see_revisions(user, post):
    return _signed_in(user) and (post.author_id == user.id or can_moderate_room(user, post.thread.room))


def can_see_post_body(user, post):
    """Hidden and held posts are shown only to their author and the room's moderators."""
    if post.state == PostState.visible:
        return True
    if post.state == PostState.removed:
        return False
    return _signed_in(user) and (post.author_id == user.id or can_moderate_room(user, post.thread.room))


# Moderation ------------------------------------------------------------------


def can_moderate_language(user, language_code):
    if is_chief_moderator(user):
        return True
    return (
        _signed_in(user)
        and user.role == Role.language_moderator
        and language_code in user.moderated_language_codes
    )


def can_moderate_room(user, room):
    return can_moderate_language(user, room.language_code)


def can_moderate_thread(user, thread):
    return can_moderate_room(user, thread.room)


def can_move_thread(user, thread, target_room):
    return can_moderate_thread(user, thread) and can_moderate_room(user, target_room)


def is_moderator_of_any_language(user):
    return is_chief_moderator(user) or (
        _signed_in(user) and user.role == Role.language_moderator and bool(user.moderated_languages)
    )


# Administration --------------------------------------------------------------


def can_manage_accounts(user):
    return is_admin(user)


def can_view_outbox(user):
    return is_admin(user)


def can_manage_languages(user):
    return is_admin(user)


# Helpers ---------------------------------------------------------------------


def require(allowed):
    """Turn a refused permission into 403."""
    if not allowed:
        abort(403)


def require_visible(allowed):
    """Turn a refused permission into 404, so ids reveal nothing (DESIGN.md §6)."""
    if not allowed:
        abort(404)


# Guests ----------------------------------------------------------------------

# Endpoints a guest may request at all; the objects behind them are checked
# again by the predicates above. Everything else answers 404 to a guest.
GUEST_ENDPOINTS = {
    "accounts.logout",
    "accounts.profile",
    "main.home",
    "main.set_language",
}


def guest_may_use(endpoint):
    return endpoint in GUEST_ENDPOINTS


# What templates may ask.
TEMPLATE_PREDICATES = {
    name: value
    for name, value in dict(globals()).items()
    if name.startswith(("can_", "is_")) and callable(value)
}
