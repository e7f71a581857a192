"""Room pages, and marking a room read."""

from flask import Blueprint, current_app, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from forum import policy
from forum.i18n import current_locale_code
from forum.rooms import fragments, service
from forum.web import last_page, page_arg, run_act

bp = Blueprint("rooms", __name__)


@bp.route("/rooms/<slug>")
def room(slug):
    """A room's threads, pinned first, then by latest activity; 404 if unknown or not readable."""
    room = service.get_room(slug)
    user = current_user._get_current_object()
    # Unknown and unreadable alike answer 404: a slug reveals nothing about inactive languages.
    policy.require_visible(room is not None and policy.can_read_room(user, room))
    per_page = current_app.config["THREADS_PER_PAGE"]
    page = page_arg()
    total, threads = service.room_threads(room, user, page, per_page)
    return render_template(
        "rooms/room.html",
        room=room,
        head=fragments.room_head(user, room, has_threads=bool(threads)),
        threads=threads,
        page=page,
        last_page=last_page(total, per_page),
        total=total,
        locale=current_locale_code(),
    )


@bp.route("/rooms/<slug>/read", methods=["POST"])
def mark_read(slug):
    """Mark every thread of a room as read; 404 if the room is unknown or not readable."""
    room = service.get_room(slug)
    policy.require_visible(room is not None and policy.can_read_room(current_user, room))
    run_act(
        lambda: service.mark_all_read(current_user, room=room),
        success=_("All threads of this room are marked as read."),
    )
    return redirect(url_for("rooms.room", slug=room.slug))
