"""Home, health check, language switcher and notifications."""

from flask import (
    Blueprint,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import refresh
from flask_login import current_user
from sqlalchemy import select, text

from forum import clock, database, policy
from forum.extensions import db, limiter
from forum.notifications.models import Notification
from forum.web import safe_next

bp = Blueprint("main", __name__)


@bp.route("/")
def home():
    """Members see the rooms; guests see the discussions they were invited to."""
    if policy.is_guest(current_user):
        from forum.guests.service import guest_home

        discussions, ended = guest_home(current_user)
        return render_template("main/guest_home.html", discussions=discussions, access_ended=ended)
    from forum.rooms.views import home as rooms_home

    return rooms_home()


@bp.route("/health")
@limiter.exempt
def health():
    """For load balancers: 200 when the database answers."""
    db.session.execute(text("SELECT 1"))
    return {"status": "ok", "time": clock.now().isoformat()}


@bp.route("/language", methods=["POST"])
def set_language():
    """Switch the interface language; remembered on the account (or in the session before login)."""
    code = request.form.get("locale", "")
    if code in current_app.config["FORUM_UI_LOCALES"]:
        session["locale"] = code
        if current_user.is_authenticated:
            current_user.locale = code
            db.session.commit()
        refresh()
    return redirect(safe_next(request.form.get("next")) or url_for("main.home"))


@bp.route("/notifications")
def notifications():
    """The user's notifications, newest first; viewing them marks them read."""
    items = db.session.scalars(
        select(Notification).where(Notification.user_id == current_user.id).order_by(Notification.id.desc()).limit(100)
    ).all()
    unread = [n for n in items if n.read_at is None]
    response = render_template("main/notifications.html", items=items)
    if unread:
        now = clock.now()
        with database.write_transaction():
            for notification in unread:
                notification.read_at = now
    return response
