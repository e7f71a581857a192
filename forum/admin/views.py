"""Administration: accounts, CSV import, content languages, categories and the e-mail outbox.

Every route here answers 403 to anyone but an administrator (`only_admins`),
and 404 for an unknown account, language or category.
"""

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from forum import policy
from forum.accounts import service as accounts
from forum.accounts.models import Role
from forum.admin.forms import (
    AccountForm,
    CategoryForm,
    CategoryTextForm,
    EditAccountForm,
    ImportForm,
    LanguageForm,
)
from forum.errors import Invalid
from forum.i18n import language_name
from forum.members.service import state_by_code, states_sorted_by_name
from forum.notifications import service as notifications
from forum.notifications.models import EmailStatus
from forum.rooms import service as rooms
from forum.web import last_page, page_arg, run_act

bp = Blueprint("admin", __name__, url_prefix="/admin")

ACCOUNTS_PER_PAGE = 50


# Checked before any lookup, so everything here answers 403 to a non-administrator:
# a 404 for an unknown account id would tell them which ids exist.
@bp.before_request
def only_admins():
    policy.require(policy.can_manage_accounts(current_user))


def _state_choices(keeping=None):
    # The empty choice: an account that represents no member state. Inactive states are offered
    # only to the account that already has one (`keeping`).
    return [("", _("— none —"))] + [(s.code, f"{s.name} ({s.code})") for s in states_sorted_by_name(include=keeping)]


def _role_choices():
    # No guest role: guests come only through a guest invitation (forum.guests).
    return [(role.value, role.label) for role in accounts.ROLES_AN_ADMIN_CREATES]


def _to_account(user):
    return redirect(url_for("admin.account_edit", user_id=user.id))


@bp.route("/accounts")
def accounts_list():
    """All accounts, searchable by name or e-mail, filterable by role; 403 for all but administrators."""
    text = request.args.get("q", "").strip()
    role = Role.from_arg(request.args.get("role"))
    page = page_arg()
    total, users = accounts.search_accounts(text, role=role, page=page, per_page=ACCOUNTS_PER_PAGE)
    return render_template(
        "admin/accounts.html",
        users=users,
        total=total,
        page=page,
        last_page=last_page(total, ACCOUNTS_PER_PAGE),
        q=text,
        role=role.value if role else "",
        roles=list(Role),
    )


@bp.route("/accounts/new", methods=["GET", "POST"])
def account_new():
    """Create one account; the person receives an activation link. 403 for all but administrators."""
    form = AccountForm()
    form.role.choices = _role_choices()
    form.member_state.choices = _state_choices()
    if form.validate_on_submit():
        done = run_act(
            lambda: accounts.create_account(
                email=form.email.data,
                display_name=form.display_name.data,
                role=Role(form.role.data),
                member_state=state_by_code(form.member_state.data),
                is_coordinator=form.is_coordinator.data,
                by=current_user,
            ),
            success=lambda user: _(
                "The account for %(email)s is created and an activation link was sent.", email=user.email
            ),
        )
        if done:
            return redirect(url_for("admin.accounts_list"))
    return render_template("admin/account_new.html", form=form)


@bp.route("/accounts/<int:user_id>", methods=["GET", "POST"])
def account_edit(user_id):
    """Change an account's role, member state, activity and moderated languages; 404 for an unknown account."""
    user = policy.found(accounts.get_user(user_id))
    form = EditAccountForm(obj=user)
    # Every role here, unlike on creation: an existing account (a guest too) must show its own role.
    form.role.choices = [(role.value, role.label) for role in Role]
    form.member_state.choices = _state_choices(keeping=user.member_state)
    languages = rooms.all_languages()
    form.languages.choices = [(language.code, language.native_name) for language in languages]
    # Filled from the account on GET only: on a POST that fails to validate, what was typed must stay.
    if request.method == "GET":
        form.role.data = user.role.value
        form.member_state.data = user.member_state.code if user.member_state else ""
        form.languages.data = sorted(user.moderated_language_codes)
    if form.validate_on_submit():
        # Known languages only, as objects: a forged code in the form is dropped, never stored.
        chosen = [language for language in languages if language.code in set(form.languages.data or [])]
        if run_act(
            lambda: accounts.update_account(
                user,
                by=current_user,
                role=Role(form.role.data),
                member_state=state_by_code(form.member_state.data),
                active=form.active.data,
                is_coordinator=form.is_coordinator.data,
                display_name=form.display_name.data,
                moderated_languages=chosen,
            ),
            success=_("The account is saved."),
        ):
            return _to_account(user)
    return render_template("admin/account_edit.html", user=user, form=form)


@bp.route("/accounts/<int:user_id>/activation", methods=["POST"])
def account_resend(user_id):
    """Send a new activation link (the old one stops working); 404 for an unknown account."""
    user = policy.found(accounts.get_user(user_id))
    run_act(
        lambda: accounts.resend_activation(user, by=current_user),
        success=_("A new activation link was sent to %(email)s.", email=user.email),
    )
    return _to_account(user)


def _uploaded_text(form):
    """The CSV text pasted or uploaded; Invalid when the file is not UTF-8."""
    upload = form.file.data
    # An empty file input still sends a part without a file name: then the pasted text is used.
    if upload and getattr(upload, "filename", ""):
        try:
            # utf-8-sig: spreadsheet programs start a UTF-8 CSV with a byte-order mark, which must not
            # end up in the first column's name.
            return upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise Invalid(_("The file is not UTF-8 text.")) from None
    return form.text.data or ""


@bp.route("/accounts/import", methods=["GET", "POST"])
def accounts_import():
    """Create many accounts from a CSV file; any bad row imports nothing (400 with the errors). 403 for non-admins."""
    form = ImportForm()
    errors = []
    if form.validate_on_submit():
        try:
            text = _uploaded_text(form)
        except Invalid as error:
            # Row 0: an error about the file as a whole, not one of its rows.
            errors = [(0, str(error))]
        else:
            done = run_act(
                lambda: accounts.import_delegates(text, by=current_user),
                success=lambda created: ngettext(
                    "%(num)d account was created and its activation link sent.",
                    "%(num)d accounts were created and activation links sent.",
                    len(created),
                ),
            )
            if done:
                return redirect(url_for("admin.accounts_list"))
            errors = done.error.errors
    # 400 with the errors: nothing was imported, and a script posting the file can tell.
    return render_template("admin/accounts_import.html", form=form, errors=errors), (400 if errors else 200)


@bp.route("/outbox")
def outbox():
    """The e-mail outbox: what the forum sent or will send; 403 for all but administrators.

    Bodies show only with the `console` and `outbox` backends (development,
    tests); with `smtp` the page lists recipient, subject, status, attempts
    and the server's last error. `?status=` shows one state only.
    """
    policy.require(policy.can_view_outbox(current_user))
    status = EmailStatus.from_arg(request.args.get("status"))
    counts = notifications.outbox_counts()
    return render_template(
        "admin/outbox.html",
        messages=notifications.recent_outbox(status=status),
        status=status,
        statuses=list(EmailStatus),
        counts=counts,
        has_failed=counts.get(EmailStatus.failed, 0) > 0,
        show_bodies=notifications.shows_bodies(),
    )


@bp.route("/outbox/<int:message_id>/retry", methods=["POST"])
def outbox_retry(message_id):
    """Send a failed or waiting message at the next run; 403 for all but administrators, 404 for an unknown message."""
    message = policy.found(notifications.get_email(message_id))
    policy.require(policy.can_retry_email(current_user))
    run_act(
        lambda: notifications.retry_email(message, by=current_user),
        success=_("The message will be sent again within a minute."),
    )
    status = EmailStatus.from_arg(request.form.get("status"))
    return redirect(url_for("admin.outbox", status=status.value if status else None))


@bp.route("/languages", methods=["GET", "POST"])
def languages():
    """Content languages: add one (its rooms are created), activate or deactivate. 403 for non-admins."""
    form = LanguageForm()
    if form.validate_on_submit():
        if run_act(
            lambda: rooms.add_language(form.code.data, by=current_user),
            success=lambda language: _(
                "%(language)s is active, with a room in every category.", language=language.native_name
            ),
        ):
            return redirect(url_for("admin.languages"))
    return render_template(
        "admin/languages.html",
        form=form,
        languages=rooms.all_languages(),
        language_name=language_name,
    )


@bp.route("/languages/<code>/active", methods=["POST"])
def language_active(code):
    """Activate or deactivate a content language (nothing is deleted); 404 for an unknown code."""
    language = policy.found(rooms.get_language(code))
    run_act(
        lambda: rooms.set_language_active(language, request.form.get("active") == "1", by=current_user),
        success=_("The language is saved."),
    )
    return redirect(url_for("admin.languages"))


@bp.route("/categories", methods=["GET", "POST"])
def categories():
    """Categories with their names in every language; add a category (its rooms are created). 403 for non-admins."""
    form = CategoryForm()
    if form.validate_on_submit():
        done = run_act(
            lambda: rooms.add_category(
                form.code.data, by=current_user, name=form.name.data, description=form.description.data
            ),
            success=_("The category is added, with a room in every language."),
        )
        if done:
            return redirect(url_for("admin.category", category_id=done.value.id))
    wanted = _translation_languages()
    all_categories = rooms.all_categories()
    missing = {c.id: [code for code in wanted if code not in c.texts] for c in all_categories}
    return render_template(
        "admin/categories.html", form=form, categories=all_categories, missing=missing, language_name=language_name
    )


def _translation_languages():
    """Languages a category name is needed in: every content language and every interface language."""
    # Interface languages count too: the home page names categories in the reader's interface
    # language, which need not be a content language (zh).
    codes = [language.code for language in rooms.all_languages()]
    return codes + [code for code in current_app.config["FORUM_UI_LOCALES"] if code not in codes]


@bp.route("/categories/<int:category_id>", methods=["GET", "POST"])
def category(category_id):
    """Translate a category's name and description into one language; 404 for an unknown category."""
    category = policy.found(rooms.get_category(category_id))
    form = CategoryTextForm()
    form.language.choices = [(code, language_name(code)) for code in _translation_languages()]
    # `?language=` opens one translation directly (the links of missing ones on the categories page).
    if request.method == "GET":
        chosen = request.args.get("language") or form.language.choices[0][0]
        form.language.data = chosen
        existing = next((t for t in category.translations if t.language_code == chosen), None)
        if existing is not None:
            form.name.data, form.description.data = existing.name, existing.description
    if form.validate_on_submit():
        if run_act(
            lambda: rooms.set_category_text(
                category, form.language.data, by=current_user, name=form.name.data, description=form.description.data
            ),
            success=_("The translation is saved."),
        ):
            return redirect(url_for("admin.categories"))
    return render_template("admin/category.html", category=category, form=form, language_name=language_name)
