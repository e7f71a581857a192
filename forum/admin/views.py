"""Administration: accounts, CSV import, content languages and the e-mail outbox."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, or_, select

from forum import audit, policy
from forum.accounts import service as accounts
from forum.accounts.models import Role, User
from forum.admin.forms import (
    AccountForm,
    CategoryForm,
    CategoryTextForm,
    EditAccountForm,
    ImportForm,
    LanguageForm,
)
from forum.extensions import db
from forum.i18n import language_name
from forum.members.models import MemberState
from forum.members.service import states_sorted_by_name
from forum.notifications.models import OutgoingEmail
from forum.rooms import service as rooms
from forum.rooms.models import Category, Language

bp = Blueprint("admin", __name__, url_prefix="/admin")

ACCOUNTS_PER_PAGE = 50


@bp.before_request
def only_admins():
    policy.require(policy.can_manage_accounts(current_user))


def _state_choices():
    return [("", _("— none —"))] + [(s.code, f"{s.name} ({s.code})") for s in states_sorted_by_name()]


def _role_choices():
    return [(role.value, role.label) for role in accounts.ROLES_AN_ADMIN_CREATES]


def _state_from(code):
    if not code:
        return None
    return db.session.scalar(select(MemberState).where(MemberState.code == code))


@bp.route("/accounts")
def accounts_list():
    """All accounts, searchable by name or e-mail, filterable by role."""
    query = select(User).order_by(User.display_name, User.id)
    text = request.args.get("q", "").strip()
    if text:
        pattern = f"%{text.lower()}%"
        query = query.where(or_(func.lower(User.email).like(pattern), func.lower(User.display_name).like(pattern)))
    role = request.args.get("role", "")
    if role in {r.value for r in Role}:
        query = query.where(User.role == Role(role))
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    users = db.session.scalars(query.limit(ACCOUNTS_PER_PAGE).offset((page - 1) * ACCOUNTS_PER_PAGE)).all()
    return render_template(
        "admin/accounts.html", users=users, total=total, page=page,
        last_page=max((total - 1) // ACCOUNTS_PER_PAGE + 1, 1), q=text, role=role, roles=list(Role),
    )


@bp.route("/accounts/new", methods=["GET", "POST"])
def account_new():
    """Create one account; the person receives an activation link."""
    form = AccountForm()
    form.role.choices = _role_choices()
    form.member_state.choices = _state_choices()
    if form.validate_on_submit():
        try:
            user = accounts.create_account(
                email=form.email.data, display_name=form.display_name.data, role=Role(form.role.data),
                member_state=_state_from(form.member_state.data), is_coordinator=form.is_coordinator.data,
                by=current_user,
            )
        except accounts.AccountError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(_("The account for %(email)s is created and an activation link was sent.", email=user.email), "success")
            return redirect(url_for("admin.accounts_list"))
    return render_template("admin/account_new.html", form=form)


@bp.route("/accounts/<int:user_id>", methods=["GET", "POST"])
def account_edit(user_id):
    """Change an account's role, member state, activity and moderated languages."""
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    form = EditAccountForm(obj=user)
    form.role.choices = [(role.value, role.label) for role in Role]
    form.member_state.choices = _state_choices()
    languages = db.session.scalars(select(Language).order_by(Language.position)).all()
    form.languages.choices = [(language.code, language.native_name) for language in languages]
    if request.method == "GET":
        form.role.data = user.role.value
        form.member_state.data = user.member_state.code if user.member_state else ""
        form.languages.data = sorted(user.moderated_language_codes)
    if form.validate_on_submit():
        try:
            accounts.update_account(
                user, by=current_user, role=Role(form.role.data), member_state=_state_from(form.member_state.data),
                active=form.active.data, is_coordinator=form.is_coordinator.data, display_name=form.display_name.data,
            )
            chosen = [language for language in languages if language.code in set(form.languages.data or [])]
            accounts.set_moderated_languages(user, chosen, by=current_user)
        except accounts.AccountError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(_("The account is saved."), "success")
            return redirect(url_for("admin.account_edit", user_id=user.id))
    return render_template("admin/account_edit.html", user=user, form=form)


@bp.route("/accounts/<int:user_id>/activation", methods=["POST"])
def account_resend(user_id):
    """Send a new activation link (the old one stops working)."""
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    accounts.send_activation_email(user)
    audit.record(current_user, "account.activation_sent", user)
    db.session.commit()
    flash(_("A new activation link was sent to %(email)s.", email=user.email), "success")
    return redirect(url_for("admin.account_edit", user_id=user.id))


@bp.route("/accounts/import", methods=["GET", "POST"])
def accounts_import():
    """Create many accounts from a CSV file; a file with any bad row imports nothing."""
    form = ImportForm()
    errors = []
    if form.validate_on_submit():
        text = form.text.data or ""
        upload = form.file.data
        if upload and getattr(upload, "filename", ""):
            try:
                text = upload.read().decode("utf-8-sig")
            except UnicodeDecodeError:
                errors = [(0, _("The file is not UTF-8 text."))]
        if not errors:
            result = accounts.import_delegates(text, by=current_user)
            if result.errors:
                db.session.rollback()
                errors = result.errors
            else:
                db.session.commit()
                flash(_("%(count)d accounts were created and activation links sent.", count=len(result.created)), "success")
                return redirect(url_for("admin.accounts_list"))
    return render_template("admin/accounts_import.html", form=form, errors=errors), (400 if errors else 200)


@bp.route("/outbox")
def outbox():
    """The e-mail outbox: what the forum sent or will send.

    Bodies show only with the `console` and `outbox` backends (development,
    tests); with `smtp` the page lists recipient, subject and status.
    """
    from forum.notifications.service import shows_bodies

    messages = db.session.scalars(select(OutgoingEmail).order_by(OutgoingEmail.id.desc()).limit(100)).all()
    return render_template("admin/outbox.html", messages=messages, show_bodies=shows_bodies())


@bp.route("/languages", methods=["GET", "POST"])
def languages():
    """Content languages: add one (its rooms are created), activate or deactivate."""
    form = LanguageForm()
    if form.validate_on_submit():
        try:
            language = rooms.add_language(form.code.data, by=current_user)
        except rooms.RoomError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(_("%(language)s is active, with a room in every category.", language=language.native_name), "success")
            return redirect(url_for("admin.languages"))
    all_languages = db.session.scalars(select(Language).order_by(Language.position)).all()
    return render_template("admin/languages.html", form=form, languages=all_languages, language_name=language_name)


@bp.route("/languages/<code>/active", methods=["POST"])
def language_active(code):
    language = db.session.get(Language, code)
    if language is None:
        abort(404)
    rooms.set_language_active(language, request.form.get("active") == "1", by=current_user)
    db.session.commit()
    flash(_("The language is saved."), "success")
    return redirect(url_for("admin.languages"))


@bp.route("/categories", methods=["GET", "POST"])
def categories():
    """Categories with their names in every language; add a category (its rooms are created)."""
    form = CategoryForm()
    if form.validate_on_submit():
        try:
            category = rooms.add_category(
                form.code.data, by=current_user, name=form.name.data, description=form.description.data
            )
        except rooms.RoomError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(_("The category is added, with a room in every language."), "success")
            return redirect(url_for("admin.category", category_id=category.id))
    all_categories = db.session.scalars(select(Category).order_by(Category.position)).all()
    wanted = _translation_languages()
    missing = {c.id: [code for code in wanted if code not in {t.language_code for t in c.translations}] for c in all_categories}
    return render_template(
        "admin/categories.html", form=form, categories=all_categories, missing=missing, language_name=language_name
    )


def _translation_languages():
    """Languages a category name is needed in: every content language and every interface language."""
    from flask import current_app

    codes = [language.code for language in db.session.scalars(select(Language).order_by(Language.position))]
    return codes + [code for code in current_app.config["FORUM_UI_LOCALES"] if code not in codes]


@bp.route("/categories/<int:category_id>", methods=["GET", "POST"])
def category(category_id):
    """Translate a category's name and description into one language."""
    category = db.session.get(Category, category_id)
    if category is None:
        abort(404)
    form = CategoryTextForm()
    form.language.choices = [(code, language_name(code)) for code in _translation_languages()]
    if request.method == "GET":
        chosen = request.args.get("language") or form.language.choices[0][0]
        form.language.data = chosen
        existing = next((t for t in category.translations if t.language_code == chosen), None)
        if existing is not None:
            form.name.data, form.description.data = existing.name, existing.description
    if form.validate_on_submit():
        try:
            rooms.set_category_text(
                category, form.language.data, by=current_user, name=form.name.data, description=form.description.data
            )
        except rooms.RoomError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(_("The translation is saved."), "success")
            return redirect(url_for("admin.categories"))
    return render_template("admin/category.html", category=category, form=form, language_name=language_name)
