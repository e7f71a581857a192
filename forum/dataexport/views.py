"""Downloading personal data: one's own from the profile, anyone's from the administrators' account page."""

import io

from flask import Blueprint, abort, current_app, send_file
from flask_login import current_user

from forum import policy
from forum.accounts import service as accounts
from forum.dataexport import service
from forum.dataexport.forms import DataExportForm
from forum.extensions import limiter
from forum.web import run_act

bp = Blueprint("dataexport", __name__)


def _per_account():
    """Each signed-in account has its own allowance, whichever address it comes from."""
    return f"data-export:{current_user.get_id() if current_user.is_authenticated else ''}"


def _limit():
    return current_app.config["DATA_EXPORT_LIMIT"]


def _download(user):
    # A failure is a missing or stale CSRF token (only the forum's own pages post here), so 400.
    if not DataExportForm().validate_on_submit():
        abort(400)
    done = run_act(lambda: service.export_user_data(user, by=current_user))
    archive = done.value
    response = send_file(
        io.BytesIO(archive.content),
        mimetype="application/zip",
        as_attachment=True,
        download_name=archive.filename,
    )
    # Personal data: never kept by a browser or proxy cache.
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/profile/data-export", methods=["POST"])
@limiter.limit(_limit, key_func=_per_account, scope="data-export")
def download():
    """Download one's own data as a ZIP; 400 without a valid form, 429 when asked too often; never 403 or 404."""
    return _download(current_user._get_current_object())


@bp.route("/admin/accounts/<int:user_id>/data-export", methods=["POST"])
@limiter.limit(_limit, key_func=_per_account, scope="data-export")
def download_for(user_id):
    """An administrator downloads an account's data (audited); 403 for non-administrators, then 404 if unknown."""
    # Refused before the lookup: a non-administrator learns nothing about which ids exist.
    policy.require(policy.can_manage_accounts(current_user))
    user = policy.found(accounts.get_user(user_id))
    policy.require(policy.can_export_data(current_user, user))
    return _download(user)
