"""Login, logout, activation, password reset and the profile page."""

from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import refresh
from flask_login import current_user, logout_user

from forum import signin
from forum.accounts import service, timezones
from forum.accounts.forms import (
    ChangePasswordForm,
    LoginForm,
    NewPasswordForm,
    PasswordResetRequestForm,
    ProfileForm,
)
from forum.accounts.models import TokenPurpose
from forum.database import write_transaction
from forum.extensions import db, limiter
from forum.i18n import current_locale_code, native_name
from forum.members import service as members
from forum.twofactor.service import record_event
from forum.web import run_act, safe_next

bp = Blueprint("accounts", __name__)


def _login_failed(response):
    return bool(g.get("login_failed"))


def _record_lockout(limit):
    """Too many failed sign-ins: the 429 is a security event (one short insert)."""
    db.session.rollback()
    with write_transaction():
        record_event("login.lockout", email=service.normalise_email(request.form.get("email", ""))[:254])


def _account_key():
    return "login-account:" + service.normalise_email(request.form.get("email", ""))


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"],
    methods=["POST"],
    deduct_when=_login_failed,
    scope="login-address",
    on_breach=_record_lockout,
)
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"],
    key_func=_account_key,
    methods=["POST"],
    deduct_when=_login_failed,
    scope="login-account",
    on_breach=_record_lockout,
)
def login():
    """Sign in with e-mail and password; failures all look the same. Public; never 403 or 404."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if request.method == "GET":
        form.next.data = safe_next(request.args.get("next"))
    if request.method == "POST":
        # The password check is slow: read without the write lock, then write one short event.
        g.write_transaction = False
    if form.validate_on_submit():
        user = service.authenticate(form.email.data, form.password.data, defer_writes=True)
        if user is not None:
            locale = session.get("locale")
            if user.second_factor_enabled:
                with write_transaction():
                    service.apply_sign_in_updates(user, locale)
                # Not signed in yet: the second step (forum.twofactor) calls login_user.
                signin.start_pending_login(user, form.next.data)
                return redirect(url_for("twofactor.verify"))
            signin.sign_in(user, updates=lambda: service.apply_sign_in_updates(user, locale))
            return redirect(safe_next(form.next.data) or url_for("main.home"))
        g.login_failed = True
        db.session.rollback()
        with write_transaction():
            record_event("login.failure", email=service.normalise_email(form.email.data)[:254])
        flash(_("The e-mail address or password is not correct."), "error")
    elif request.method == "POST":
        g.login_failed = True
    return render_template("accounts/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout():
    """End the session here and everywhere the same cookie was copied to; never 403 or 404."""
    user = current_user._get_current_object()
    run_act(lambda: service.end_session(user), success=_("You have signed out."))
    logout_user()
    return redirect(url_for("accounts.login"))


@bp.route("/activate/<token>", methods=["GET", "POST"])
def activate(token):
    """Choose a first password from the one-time link; 404 (with a way forward) for a spent or expired link."""
    return _password_from_token(token, TokenPurpose.activation)


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset(token):
    """Choose a new password from a reset link; 404 (with a way forward) for a spent or expired link."""
    return _password_from_token(token, TokenPurpose.reset)


def _password_from_token(raw, purpose):
    # Opening a link signs nobody out: only setting the password does (below).
    found = service.find_valid_token(raw, purpose)
    if found is None:
        return render_template("accounts/token_invalid.html", purpose=purpose.value), 404
    form = NewPasswordForm()
    if form.validate_on_submit():
        set_password = service.activate_account if purpose == TokenPurpose.activation else service.reset_password
        if run_act(
            lambda: set_password(found, form.password.data),
            success=_("Your password is set. You can now sign in."),
            field=form.password,
        ):
            # Whoever was signed in here (the password change ended their own
            # sessions anyway), the next session starts with the new password.
            logout_user()
            return redirect(url_for("accounts.login"))
    return render_template("accounts/set_password.html", form=form, purpose=purpose.value, user=found.user)


@bp.route("/reset", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"], scope="reset-request")
def reset_request():
    """Ask for a reset link; the answer is the same whether the address exists or not (never 404)."""
    form = PasswordResetRequestForm()
    if form.validate_on_submit():
        run_act(
            lambda: service.request_password_reset(form.email.data),
            success=_("If this address belongs to an account, a message with a link is on its way."),
        )
        return redirect(url_for("accounts.login"))
    return render_template("accounts/reset_request.html", form=form)


@bp.route("/profile", methods=["GET", "POST"])
def profile():
    """Display name, interface language and time zone; password change. Own account only: never 403 or 404."""
    form = ProfileForm(obj=current_user, prefix="profile")
    form.locale.choices = [(code, native_name(code)) for code in current_app.config["FORUM_UI_LOCALES"]]
    form.timezone.choices = timezones.zone_choices(current=current_user.timezone)
    if request.method == "GET":
        form.locale.data = current_user.locale or current_locale_code()
        form.timezone.data = current_user.timezone or current_app.config["FORUM_TIMEZONE"]
        form.listed_in_directory.data = members.is_listed(current_user)
    password_form = ChangePasswordForm(prefix="password")
    if request.method == "POST" and "profile-display_name" in request.form and form.validate():
        if run_act(
            lambda: service.update_profile(
                current_user,
                display_name=form.display_name.data,
                locale=form.locale.data,
                timezone=form.timezone.data,
                listed_in_directory=form.listed_in_directory.data,
            ),
            success=_("Your profile is saved."),
        ):
            refresh()
            return redirect(url_for("accounts.profile"))
    elif request.method == "POST" and "password-password" in request.form and password_form.validate():
        if run_act(
            lambda: service.change_password(
                current_user, password_form.current_password.data, password_form.password.data
            ),
            success=_("Your password is changed. Please sign in again."),
            field=password_form.password,
        ):
            # The session version moved on; sign in again with the new password.
            logout_user()
            return redirect(url_for("accounts.login"))
    return render_template("accounts/profile.html", form=form, password_form=password_form)
