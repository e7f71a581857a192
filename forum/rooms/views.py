"""The home page (categories and their rooms) and room pages."""

from flask import Blueprint, current_app, render_template
from flask_login import current_user

from forum import policy
from forum.i18n import current_locale_code
from forum.rooms import service
from forum.web import last_page, page_arg

bp = Blueprint("rooms", __name__)


@bp.route("/rooms/<slug>")
def room(slug):
    """A room's threads, pinned first, then by latest activity; 404 if unknown or not readable."""
    room = service.get_room(slug)
    # Unknown and unreadable alike answer 404: a slug reveals nothing about inactive languages.
    policy.require_visible(room is not None and policy.can_read_room(current_user, room))
    per_page = current_app.config["THREADS_PER_PAGE"]
    page = page_arg()
    total, threads = service.room_threads(room, current_user, page, per_page)
    return render_template(
        "rooms/room.html",
        room=room,
        threads=threads,
        page=page,
        last_page=last_page(total, per_page),
        total=total,
        locale=current_locale_code(),
    )
