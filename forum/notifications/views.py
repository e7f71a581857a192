"""Notification settings (own account only) and the one-click unsubscribe links of e-mails."""

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from forum import policy
from forum.extensions import csrf
from forum.notifications import preferences
from forum.notifications.forms import settings_form
from forum.notifications.kinds import Group
from forum.web import run_act

bp = Blueprint("notifications", __name__)


@bp.route("/profile/notifications", methods=["GET", "POST"])
def settings():
    """What the signed-in user receives by e-mail, per group of notifications. Own account only: never 403 or 404."""
    form = settings_form()
    if request.method == "GET":
        for group, delivery in preferences.deliveries(current_user).items():
            form[group.value].data = delivery.value
        form.follow_on_reply.data = preferences.follows_on_reply(current_user)
    elif form.validate_on_submit():
        done = run_act(
            lambda: preferences.update_settings(
                current_user,
                choices={group.value: form[group.value].data for group in Group},
                follow_on_reply=form.follow_on_reply.data,
            ),
            success=_("Your notification settings are saved."),
        )
        if done:
            return redirect(url_for("notifications.settings"))
    status = 400 if request.method == "POST" else 200
    return render_template("notifications/settings.html", form=form, groups=list(Group)), status


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
# Mail clients POST "List-Unsubscribe=One-Click" (RFC 8058) with no session and no CSRF token: the signed
# token in the address is what authorises the change, and it can only stop e-mails.
@csrf.exempt
def unsubscribe(token):
    """Stop one group of e-mails (or a digest) from a link, without signing in; 404 for a forged or unknown token."""
    found = policy.found(preferences.read_unsubscribe_token(token))
    if request.method == "POST":
        run_act(lambda: preferences.unsubscribe(found))
        return render_template("notifications/unsubscribed.html", found=found)
    return render_template("notifications/unsubscribe.html", found=found, token=token)
