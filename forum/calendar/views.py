"""Calendar feeds (/calendar/<token>.ics), one discussion's .ics file, and the profile's calendar link."""

from dataclasses import dataclass

from flask import Blueprint, Response, abort, redirect, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from forum import policy
from forum.calendar import service
from forum.calendar.forms import CalendarLinkForm
from forum.discussions import service as discussions
from forum.web import run_act

bp = Blueprint("calendar", __name__)

# A new link's token, kept in the (signed, HTTP-only) session only until the profile shows it once.
NEW_TOKEN_KEY = "calendar_new_token"
# Calendar apps poll; a few minutes in the app's own cache is enough, and no shared cache may keep a private feed.
FEED_CACHE_CONTROL = "private, max-age=300"


def _ics(body, cache_control):
    response = Response(body, mimetype="text/calendar")
    response.headers["Cache-Control"] = cache_control
    # The address is a secret: search engines must not list what a leaked one shows.
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@bp.route("/calendar/<token>.ics")
def feed(token):
    """A private calendar feed, without sign-in (the token is the credential); 404 for an unknown or revoked token."""
    found = service.find_feed(token)
    policy.require_visible(found is not None)
    return _ics(service.feed_calendar(found.user), FEED_CACHE_CONTROL)


@bp.route("/topics/discussions/<int:discussion_id>.ics")
def discussion_file(discussion_id):
    """One weekly discussion as an .ics file; 404 if unknown or not one the reader may see (guests always)."""
    discussion = discussions.get_discussion(discussion_id)
    policy.require_visible(discussion is not None and policy.can_see_discussion(current_user, discussion))
    response = _ics(service.discussion_calendar(discussion, current_user), "private, no-store")
    response.headers["Content-Disposition"] = f'attachment; filename="discussion-{discussion.id}.ics"'
    return response


def _checked_form():
    """The button's form; a failure is a missing or stale CSRF token (only the profile posts it), so 400."""
    policy.require(policy.can_have_calendar_feed(current_user))
    if not CalendarLinkForm().validate_on_submit():
        abort(400)


def _to_profile():
    return redirect(url_for("accounts.profile", _anchor="calendar"))


@bp.route("/profile/calendar", methods=["POST"])
def create_link():
    """Create a private calendar link, replacing any earlier one; 403 for those who may not have one, 400 if forged."""
    _checked_form()
    done = run_act(
        lambda: service.create_feed(by=current_user),
        success=_("Your calendar link is ready. Copy it now: it is shown only once."),
    )
    if done:
        session[NEW_TOKEN_KEY] = done.value[1]
    return _to_profile()


@bp.route("/profile/calendar/revoke", methods=["POST"])
def revoke_link():
    """Revoke the private calendar link (its address answers 404); 403 for those who may not have one, 400 if forged."""
    _checked_form()
    session.pop(NEW_TOKEN_KEY, None)
    run_act(lambda: service.revoke_feed(by=current_user), success=_("Your calendar link is revoked."))
    return _to_profile()


@dataclass
class ProfileSection:
    feed: object
    # Only right after the link was created: the token is not stored anywhere else.
    address: str | None = None
    subscribe_address: str | None = None


@bp.app_template_global("calendar_section")
def calendar_section():
    """What the profile's calendar section shows (templates/calendar/_profile_section.html), for the signed-in user."""
    token = session.pop(NEW_TOKEN_KEY, None)
    feed = service.feed_of(current_user)
    section = ProfileSection(feed=feed)
    # A token left from before a revocation or a newer link elsewhere does not match the stored hash: not shown.
    if token and feed is not None and service.find_feed(token) is feed:
        section.address = service.feed_address(token)
        section.subscribe_address = service.subscribe_address(section.address)
    return section
