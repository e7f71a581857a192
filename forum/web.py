"""Helpers every blueprint's views share: running an act, paging, safe redirects.

A view that changes something reads load → check → act → respond:

    thread = get_thread_or_404(thread_id)
    policy.require(policy.can_post(current_user, thread))
    if form.validate_on_submit():
        done = run_act(lambda: service.reply(...), success=_("Your reply is posted."))
        if done:
            return redirect(url_for("threads.goto_post", post_id=done.value.id))
    return render_template(...)

`run_act` is the only place a view commits a service's work.
"""

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from flask import abort, current_app, flash, request
from werkzeug.routing import IntegerConverter

from forum.errors import Invalid, NotAllowed
from forum.extensions import db

# Query-string page numbers beyond this are treated as the last page: a
# 30-digit number must not reach the database as an OFFSET.
MAX_PAGE = 100_000
# The largest id the database's integer columns hold (PostgreSQL `integer`).
MAX_ID = 2**31 - 1


class BoundedIntConverter(IntegerConverter):
    """`<int:…>` in every route: an id beyond the database's range does not match (a 404 like any unknown id)."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


@dataclass(frozen=True)
class ActResult:
    """What `run_act` returns: true when the act was committed, with what it returned."""

    ok: bool
    value: Any = None
    # The `Invalid` error that stopped the act, for views that show more than its message.
    error: Any = None

    def __bool__(self):
        return self.ok


def background(view):
    """Mark a view that a page calls by itself (the live poll): it does not renew the session cookie, so a tab
    left open does not keep the session alive (`forum.security.SessionCookies`), and its reader is loaded without
    the figures a page's header and forms ask (`forum.accounts.service.load_user_from_session_id`)."""
    view.background = True
    return view


def is_background_request():
    """Whether the current request is for a `background` view."""
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    return getattr(view, "background", False)


def run_act(act, *, success=None, field=None):
    """Run one service act for a view and commit once.

    `NotAllowed` rolls back and answers 403; `Invalid` rolls back, flashes its
    (translated) message and returns a false result so the view can show the
    form again with what the user typed; otherwise the session is committed,
    `success` is flashed (a message, or a function of the act's return value
    that makes one), and the result carries the act's return value. With
    `field`, an `Invalid` message is shown under that form field instead of
    being flashed.
    """
    try:
        value = act()
    except NotAllowed:
        db.session.rollback()
        abort(403)
    except Invalid as error:
        db.session.rollback()
        if field is not None:
            field.errors = [*field.errors, str(error)]
        else:
            flash(str(error), "error")
        return ActResult(False, error=error)
    db.session.commit()
    if callable(success):
        success = success(value)
    if success:
        flash(success, "success")
    return ActResult(True, value)


def page_arg(name="page"):
    """A page number from the query string: a positive integer, 1 for anything else."""
    page = request.args.get(name, 1, type=int)
    if not page or page < 1:
        return 1
    return min(page, MAX_PAGE)


def int_arg(name, default=None, *, limit=MAX_ID):
    """An integer from the query string (or a submitted form), or `default` when absent, malformed or out of range."""
    # A GET has no form to parse (the live poll asks on every request).
    value = (request.args if request.method == "GET" else request.values).get(name, type=int)
    if value is None or abs(value) > limit:
        return default
    return value


def form_int(name):
    """An id from the submitted form: a whole number within the database's range, or None."""
    return id_or_none(request.form.get(name))


def id_or_none(value):
    """A submitted id as an int within the database's range, or None for anything else."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number <= MAX_ID else None


def last_page(total, per_page):
    """The number of the last page of `total` items (1 when there are none)."""
    return max((total - 1) // per_page + 1, 1)


def safe_next(target):
    """`target` if it is a path on this site, else None (no open redirects)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target
