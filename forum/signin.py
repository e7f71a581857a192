"""The session side of signing in, shared by every way in (password, code, security key).

A password alone establishes a session only for accounts without a second
factor; otherwise the session holds a short-lived *pending* marker (who, with
which session secret, since when, going where) and nobody is signed in until
the second step calls `complete_sign_in`. Whatever the way in, the session is
started afresh, so nothing planted in it before survives.
"""

from flask import session
from flask_login import login_user

from forum import clock, database
from forum.accounts.models import User
from forum.extensions import db
from forum.twofactor import service as twofactor
from forum.web import safe_next

PENDING_KEY = "second_factor_pending"


def sign_in(user, *, method="password", updates=None):
    """Start a fresh session for `user` and record the success (one short write of its own).

    `updates`, if given, makes the account's own sign-in writes (a rehashed
    password, a language) in that same write transaction.
    """
    session.clear()
    login_user(user)
    session.permanent = True
    with database.write_transaction():
        if updates is not None:
            updates()
        if method == "password":
            twofactor.record_event("login.success", user)
        else:
            twofactor.record_event("login.success", user, second_factor=method)


def keep_this_session(user):
    """The user's session secret changed (their other sessions end); this session carries on signed in."""
    login_user(user)
    session.permanent = True


def start_pending_login(user, next_url):
    """After the password: remember who is half-way through signing in (not signed in yet)."""
    session.clear()
    session[PENDING_KEY] = {
        "user": user.id,
        # A password change or sign-out everywhere between the two steps voids the marker.
        "version": user.session_secret,
        "at": clock.now().timestamp(),
        "next": safe_next(next_url),
    }


def pending_user():
    """(user, marker) of the sign-in half-way through, or (None, None) when there is none or it ran out."""
    pending = session.get(PENDING_KEY)
    if not isinstance(pending, dict) or twofactor.pending_login_expired(pending.get("at", 0)):
        return None, None
    user = db.session.get(User, pending.get("user"))
    if user is None or not user.active or user.session_secret != pending.get("version"):
        return None, None
    return user, pending


def pending_account_key():
    """The rate-limit key of the account half-way through signing in."""
    pending = session.get(PENDING_KEY)
    return f"second-factor:{pending.get('user') if isinstance(pending, dict) else ''}"


def forget_pending():
    session.pop(PENDING_KEY, None)
