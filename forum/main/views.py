"""Home, the latest activity, health check, language switcher and notifications.

Everything here answers for a signed-in user (guests included, except the
latest list and marking all read, which are for members) except the health
check and the language switch, which are public; there are no ids to be unknown.
"""

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import refresh
from flask_login import current_user
from sqlalchemy import text

from forum import clock, database, policy
from forum.accounts import service as accounts
from forum.extensions import db, limiter
from forum.guests.service import guest_home
from forum.i18n import current_locale_code
from forum.main import home as home_page
from forum.notifications import service as notifications
from forum.rooms.service import all_rooms, home_overview, mark_all_read
from forum.web import page_arg, run_act, safe_next

bp = Blueprint("main", __name__)


@bp.route("/")
def home():
    """Members see this week's discussions, the latest activity and the rooms; guests their own. Never 403 or 404."""
    # The account, not Flask-Login's proxy: the page's permission checks read it many times.
    user = current_user._get_current_object()
    # Guests never see the rooms: their home lists only the discussions they were invited to.
    if policy.is_guest(user):
        discussions, ended = guest_home(user)
        return render_template("main/guest_home.html", discussions=discussions, access_ended=ended)
    locale = current_locale_code()
    # The rooms first: the categories they load are the ones the lists below name, so those need no query.
    overview = home_overview(user, locale)
    latest, more = home_page.latest_threads(user)
    return render_template(
        "rooms/home.html",
        overview=overview,
        locale=locale,
        week=home_page.this_week(user, locale),
        latest=latest,
        more_latest=more,
        languages=home_page.active_language_codes(overview),
    )


@bp.route("/latest")
def latest():
    """Every thread the member may read, by latest activity, page by page (404 for guests, as any member page)."""
    page = page_arg()
    # Every room with its category and language, once: the list names each thread's room from the session.
    all_rooms()
    items, more = home_page.latest_threads(current_user, page=page)
    return render_template("main/latest.html", latest=items, page=page, more=more, locale=current_locale_code())


@bp.route("/latest/read", methods=["POST"])
def mark_everything_read():
    """Mark every thread the member may read as read; 403 for anyone else (guests get 404, as any member page)."""
    policy.require(policy.can_mark_all_read(current_user))
    run_act(lambda: mark_all_read(current_user), success=_("Everything is marked as read."))
    return redirect(safe_next(request.form.get("next")) or url_for("main.home"))


@bp.route("/health")
# Not rate-limited: load balancers poll it often, all from a few addresses.
@limiter.exempt
def health():
    """For load balancers: 200 when the database answers. Public; never 403 or 404."""
    # A real query, so a lost database connection fails the check instead of passing it.
    db.session.execute(text("SELECT 1"))
    return {"status": "ok", "time": clock.now().isoformat()}


@bp.route("/language", methods=["POST"])
def set_language():
    """Switch the interface language; kept on the account (or in the session before login). Public, never 404."""
    code = request.form.get("locale", "")
    # Only offered locales are kept: the session never carries a code that has no catalogue.
    if code in current_app.config["FORUM_UI_LOCALES"]:
        session["locale"] = code
        if current_user.is_authenticated:
            run_act(lambda: accounts.set_interface_language(current_user, code))
        # Flask-Babel caches the request's locale: dropped so anything rendered from here uses the new one.
        refresh()
    # `next` comes from the form: only a path on this site is followed (no open redirect).
    return redirect(safe_next(request.form.get("next")) or url_for("main.home"))


@bp.route("/notifications", endpoint="notifications")
def notifications_page():
    """The user's notifications, newest first; viewing marks them read (one short write). Never 403 or 404."""
    items = notifications.recent_notifications(current_user)
    # Rendered before marking read, so this visit still highlights what was new.
    response = render_template("main/notifications.html", items=items)
    unread = [item for item in items if item.read_at is None]
    if unread:
        # A short write transaction of its own after the page's reads (see forum.database): a GET
        # takes the write lock only when there is something to mark.
        with database.write_transaction():
            notifications.mark_read(unread)
    return response
