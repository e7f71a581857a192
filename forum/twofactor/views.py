"""Two-factor sign-in: enrolment, the second sign-in step, recovery codes, admin reset, security events."""

import io

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from forum import clock, csvsafe, database, policy, signin
from forum.accounts.models import User
from forum.extensions import db, limiter
from forum.moderation.labels import action_label
from forum.twofactor import keys, service
from forum.twofactor.forms import CodeForm, ConfirmForm, ResetForm
from forum.web import last_page, page_arg, run_act

bp = Blueprint("twofactor", __name__)

CHALLENGE_KEY = "webauthn_challenge"
EVENTS_PER_PAGE = 50

# Reachable while a staff account still has to set up its second factor.
ENROLMENT_ENDPOINTS = {
    "accounts.logout",
    "twofactor.setup",
    "twofactor.qr",
    "twofactor.recovery_codes",
    "twofactor.key_options",
    "twofactor.key_register",
    "static",
    "protocol.view",
    "main.health",
    "main.set_language",
}


def _verify_failed(response):
    return bool(g.get("second_factor_failed"))


# Wrong codes and refused security keys count against the same budget per account.
_second_factor_limit = limiter.shared_limit(
    lambda: current_app.config["SECOND_FACTOR_LIMIT_PER_ACCOUNT"],
    scope="second-factor-account",
    key_func=signin.pending_account_key,
    methods=["POST"],
    deduct_when=_verify_failed,
)


def _complete_sign_in(user, pending, method):
    """The second factor is accepted (code, recovery code or security key): sign in; returns where to go."""
    signin.sign_in(user, method=method)
    if method == "recovery":
        flash(_("You used a recovery code. It will not work again."), "info")
    return pending.get("next") or url_for("main.home")


@bp.route("/login/second-factor", methods=["GET", "POST"])
@_second_factor_limit
def verify():
    """The second step of signing in: a code from the app or a recovery code. Public; never 403 or 404."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    user, pending = signin.pending_user()
    if user is None:
        signin.forget_pending()
        flash(_("Please sign in again."), "info")
        return redirect(url_for("accounts.login"))
    form = CodeForm()
    if form.validate_on_submit():
        done = run_act(lambda: service.verify_second_factor(user, form.code.data))
        if done.value:
            return redirect(_complete_sign_in(user, pending, done.value))
        g.second_factor_failed = True
        form.code.errors = [*form.code.errors, _("This code is not correct.")]
    elif request.method == "POST":
        g.second_factor_failed = True
    return render_template("twofactor/verify.html", form=form, has_keys=keys.has_keys(user))


@bp.route("/account/second-factor", methods=["GET", "POST"])
def setup():
    """Set up an authenticator app (scan the code or type the key, confirm a first code); 403 if one may not enrol."""
    policy.require(policy.can_enrol_second_factor(current_user))
    if current_user.second_factor_enabled:
        return render_template(
            "twofactor/manage.html",
            remaining=service.remaining_recovery_codes(current_user),
            required=policy.is_second_factor_required(current_user),
            totp=service.totp_factor(current_user) is not None,
            keys=keys.user_keys(current_user),
        )
    form = ConfirmForm()
    user = current_user._get_current_object()
    if form.validate_on_submit():
        done = run_act(lambda: service.confirm_totp(user, form.code.data), field=form.code)
        if done:
            signin.keep_this_session(user)
            session["recovery_codes"] = done.value
            flash(_("Your second factor is set up."), "success")
            return redirect(url_for("twofactor.recovery_codes"))
    with database.write_transaction():
        factor = service.start_totp(user)
    return render_template(
        "twofactor/setup.html",
        form=form,
        secret=factor.secret,
        required=policy.must_enrol_second_factor(user),
    )


@bp.route("/account/second-factor/qr.svg")
def qr():
    """The QR code of the key being set up, drawn on the server; 403 for those who may not enrol, 404 if none."""
    policy.require(policy.can_enrol_second_factor(current_user))
    factor = service.totp_factor(current_user, confirmed=False)
    if factor is None or factor.confirmed_at is not None:
        abort(404)
    return Response(service.qr_svg(current_user, factor), mimetype="image/svg+xml")


@bp.route("/account/second-factor/recovery-codes", methods=["GET", "POST"])
def recovery_codes():
    """Recovery codes, shown once: right after enrolment or after making new ones; 403 if one may not enrol."""
    policy.require(policy.can_enrol_second_factor(current_user))
    if request.method == "POST":
        user = current_user._get_current_object()
        done = run_act(lambda: service.regenerate_recovery_codes(user), success=_("Your new recovery codes are ready."))
        if done:
            session["recovery_codes"] = done.value
        return redirect(url_for("twofactor.recovery_codes"))
    codes = session.pop("recovery_codes", None)
    if not codes:
        return redirect(url_for("twofactor.setup"))
    return render_template("twofactor/recovery_codes.html", codes=codes)


@bp.route("/account/second-factor/remove", methods=["POST"])
def remove():
    """Remove one's own second factor (other sessions end); 403 for those who may not enrol. Never 404."""
    policy.require(policy.can_enrol_second_factor(current_user))
    user = current_user._get_current_object()
    done = run_act(lambda: service.remove_own_factor(user), success=_("Your second factor is removed."))
    if done:
        signin.keep_this_session(user)
    return redirect(
        url_for("twofactor.setup") if policy.is_second_factor_required(user) else url_for("accounts.profile")
    )


@bp.route("/admin/accounts/<int:user_id>/second-factor/reset", methods=["POST"])
def admin_reset(user_id):
    """An administrator resets an account's second factor, with a reason; 403 for non-admins, 404 if unknown."""
    policy.require(policy.can_manage_accounts(current_user))
    target = db.get_or_404(User, user_id)
    form = ResetForm()
    if not form.validate_on_submit():
        flash(_("Give a reason for the reset."), "error")
        return redirect(url_for("admin.account_edit", user_id=target.id))
    run_act(
        lambda: service.reset_factor(target, by=current_user, reason=form.reason.data),
        success=_("The second factor of this account is reset."),
    )
    return redirect(url_for("admin.account_edit", user_id=target.id))


# Security keys (WebAuthn) ----------------------------------------------------------


def _keep_challenge(purpose, challenge):
    """One challenge at a time, for one purpose: a new request replaces the old one."""
    session[CHALLENGE_KEY] = {
        "purpose": purpose,
        "challenge": keys.challenge_text(challenge),
        "at": clock.now().timestamp(),
    }


def _take_challenge(purpose):
    """The kept challenge, used up; None if there is none, it is for something else, or it is too old."""
    kept = session.pop(CHALLENGE_KEY, None)
    if not isinstance(kept, dict) or kept.get("purpose") != purpose:
        return None
    if clock.now().timestamp() - float(kept.get("at") or 0) > keys.CHALLENGE_SECONDS:
        return None
    return keys.challenge_bytes(kept.get("challenge"))


def _payload():
    payload = request.get_json(silent=True)
    return payload if isinstance(payload, dict) else {}


def _json_options(options):
    return Response(options, mimetype="application/json", headers={"Cache-Control": "no-store"})


@bp.route("/account/second-factor/keys/options", methods=["POST"])
def key_options():
    """Options for navigator.credentials.create (challenge kept in the session); 403 if one may not enrol."""
    policy.require(policy.can_enrol_second_factor(current_user))
    options, challenge = keys.registration_options(current_user)
    _keep_challenge("register", challenge)
    return _json_options(options)


@bp.route("/account/second-factor/keys", methods=["POST"])
def key_register():
    """The browser's answer to the registration options: check it and keep the key; 403 if one may not enrol."""
    policy.require(policy.can_enrol_second_factor(current_user))
    user = current_user._get_current_object()
    payload = _payload()
    challenge = _take_challenge("register")
    done = run_act(
        lambda: keys.register_key(user, payload.get("credential"), challenge, payload.get("name")),
        success=_("Your security key is added."),
    )
    if not done:
        return jsonify(redirect=url_for("twofactor.setup")), 400
    signin.keep_this_session(user)
    if done.value:
        session["recovery_codes"] = done.value
        return jsonify(redirect=url_for("twofactor.recovery_codes"))
    return jsonify(redirect=url_for("twofactor.setup"))


@bp.route("/account/second-factor/keys/<int:key_id>/remove", methods=["POST"])
def key_remove(key_id):
    """Remove one of one's own security keys; 403 for those who may not enrol, and another's key is refused."""
    policy.require(policy.can_enrol_second_factor(current_user))
    user = current_user._get_current_object()
    done = run_act(lambda: keys.remove_key(user, key_id), success=_("The security key is removed."))
    if done:
        signin.keep_this_session(user)
    if user.second_factor_enabled or policy.is_second_factor_required(user):
        return redirect(url_for("twofactor.setup"))
    return redirect(url_for("accounts.profile"))


@bp.route("/login/second-factor/key/options", methods=["POST"])
def key_sign_in_options():
    """Options for navigator.credentials.get, for the account half-way through signing in; never 403 or 404."""
    user, _pending = signin.pending_user()
    if user is None or not keys.has_keys(user):
        return jsonify(redirect=url_for("accounts.login")), 400
    options, challenge = keys.authentication_options(user)
    _keep_challenge("sign-in", challenge)
    return _json_options(options)


@bp.route("/login/second-factor/key", methods=["POST"])
@_second_factor_limit
def key_sign_in():
    """The second step with a security key, ending as with a code; never 403 or 404 (a refusal is a 400)."""
    if current_user.is_authenticated:
        return jsonify(redirect=url_for("main.home"))
    user, pending = signin.pending_user()
    if user is None:
        signin.forget_pending()
        flash(_("Please sign in again."), "info")
        return jsonify(redirect=url_for("accounts.login")), 400
    payload = _payload()
    challenge = _take_challenge("sign-in")
    done = run_act(lambda: keys.verify_key(user, payload.get("credential"), challenge))
    if done.value:
        return jsonify(redirect=_complete_sign_in(user, pending, done.value))
    g.second_factor_failed = True
    flash(_("Your security key was not accepted. Try again, or type a code."), "error")
    return jsonify(redirect=url_for("twofactor.verify")), 400


# Security events -------------------------------------------------------------------


def _event_filters():
    """The filters of the security events page from the query string; unknown values filter nothing out."""
    return service.EventFilters.from_args(request.args)


@bp.route("/admin/security-events")
def security_events():
    """Sign-in and second-factor events, newest first, filterable; 403 for all but administrators."""
    policy.require(policy.can_view_security_events(current_user))
    filters = _event_filters()
    total, events = service.security_events_page(filters, page=page_arg(), per_page=EVENTS_PER_PAGE)
    last = last_page(total, EVENTS_PER_PAGE)
    return render_template(
        "twofactor/security_events.html",
        events=events,
        filters=filters.as_args(),
        kinds=[(kind, action_label(kind)) for kind in service.EVENT_KINDS],
        page=min(page_arg(), last),
        last=last,
        total=total,
        label=action_label,
    )


@bp.route("/admin/security-events.csv")
def security_events_csv():
    """The filtered security events as CSV (cells formula-safe, no secrets); 403 for all but administrators."""
    policy.require(policy.can_view_security_events(current_user))
    buffer = io.StringIO()
    writer = csvsafe.writer(buffer)
    writer.writerow(["time_utc", "kind", "email", "user_id", "ip", "details"])
    for event_ in service.security_events_for_export(_event_filters()):
        details = ";".join(f"{key}={value}" for key, value in sorted((event_.details or {}).items()))
        writer.writerow([event_.at.isoformat(), event_.kind, event_.email, event_.user_id or "", event_.ip, details])
    return Response(
        buffer.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=security-events.csv"},
    )
