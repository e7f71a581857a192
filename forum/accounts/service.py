"""Account operations: creation, activation, login, password reset, profile, CSV import."""

import csv
import hmac
import io
from datetime import timedelta
from functools import cache

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import bindparam, func, or_, select
from sqlalchemy.orm import lazyload

from forum import audit, clock, policy
from forum.accounts import timezones
from forum.accounts.models import AccountToken, Role, TokenPurpose, User
from forum.accounts.passwords import (
    burn_time,
    hash_password,
    password_problems,
    verify_password,
)
from forum.content import clean_line
from forum.errors import Invalid
from forum.extensions import db
from forum.main.counts import UNREAD_NOTIFICATIONS, remember_unread_notifications
from forum.members.service import check_offered, find_state, set_directory_listing
from forum.notifications.service import queue_email_for
from forum.protocol.models import accepted_current_version_statement
from forum.tokens import hash_token, new_token
from forum.urls import absolute_url


def normalise_email(email):
    return (email or "").strip().lower()


def check_email(email):
    """The normalised address, or Invalid with a translated message."""
    try:
        # Deliverability is not checked: delegates' domains are often intranet-only.
        return normalise_email(validate_email(email, check_deliverability=False).normalized)
    except EmailNotValidError:
        raise Invalid(_("This is not a valid e-mail address.")) from None


def find_user_by_email(email):
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def load_user_from_session_id(session_id, *, page_figures=True):
    """Flask-Login's loader: the session names a user *and* a session version. With `page_figures`, what every
    page asks of its reader comes in the same statement; a request no page shows (the live poll) does without."""
    try:
        user_id, secret = session_id.split(":")
        user_id = int(user_id)
    except (ValueError, AttributeError):
        return None
    if not secret or len(secret) > 64 or user_id < 1 or user_id > 2**31 - 1:
        return None
    if page_figures:
        row = db.session.execute(_reader_statement(), {"user_id": user_id, "reader": user_id, "acceptor": user_id})
    else:
        row = db.session.execute(_BARE_READER, {"user_id": user_id})
    row = row.first()
    if row is None:
        return None
    user = row[0]
    if not user.active or not user.session_secret:
        return None
    if not hmac.compare_digest(user.session_secret.encode(), secret.encode()):
        return None
    if page_figures:
        # What every page asks of its reader, answered by the statement that loaded them (one query, not three).
        remember_unread_notifications(user.id, row[1])
        policy.remember_protocol_answer(user.id, bool(row[2]))
    return user


@cache
def _reader_statement():
    """The user, their unread notifications (the header's count) and whether they accepted the usage protocol in
    force (every page with a form asks): built once, with the user as parameter."""
    return (
        select(
            User,
            UNREAD_NOTIFICATIONS.scalar_subquery(),
            accepted_current_version_statement().scalar_subquery(),
        )
        .where(User.id == bindparam("user_id"))
        # Without their member state, which no page asks of its reader (one lazy query where one does).
        .options(lazyload(User.member_state))
    )


_BARE_READER = select(User).where(User.id == bindparam("user_id")).options(lazyload(User.member_state))


# Creating accounts -----------------------------------------------------------

MEMBER_STATE_ROLES = {Role.delegate}
ROLES_AN_ADMIN_CREATES = (Role.delegate, Role.staff, Role.language_moderator, Role.moderator, Role.admin)


def create_account(
    *, email, display_name, role, member_state=None, by, is_coordinator=False, send_activation=True, locale=None
):
    """Create an account and (by default) queue its activation e-mail, in `locale` if given; audited."""
    email = check_email(email)
    display_name = clean_line(display_name)
    if not display_name:
        raise Invalid(_("A display name is required."))
    if len(display_name) > 120:
        raise Invalid(_("The display name is too long."))
    if role in MEMBER_STATE_ROLES and member_state is None:
        raise Invalid(_("A delegate must belong to a member state."))
    if role not in MEMBER_STATE_ROLES and role != Role.guest:
        member_state = None
    check_offered(member_state)
    if find_user_by_email(email) is not None:
        raise Invalid(_("An account with this e-mail address already exists."))
    user = User(
        email=email,
        display_name=display_name,
        role=role,
        member_state_id=member_state.id if member_state else None,
        is_coordinator=is_coordinator and role == Role.delegate,
        # The capital's zone until the person chooses theirs on the profile page.
        timezone=timezones.capital_zone(member_state.code) if member_state else None,
        locale=locale,
        created_at=clock.now(),
    )
    db.session.add(user)
    db.session.flush()
    audit.record(by, "account.create", user, role=role.value, member_state=member_state.code if member_state else None)
    if send_activation:
        send_activation_email(user)
    return user


def issue_token(user, purpose):
    """A fresh one-time token for `user`; earlier unused ones of the same purpose stop working."""
    now = clock.now()
    for old in db.session.scalars(
        select(AccountToken).where(
            AccountToken.user_id == user.id, AccountToken.purpose == purpose, AccountToken.used_at.is_(None)
        )
    ):
        old.used_at = now
    if purpose == TokenPurpose.activation:
        lifetime = timedelta(days=current_app.config["ACTIVATION_TOKEN_DAYS"])
    else:
        lifetime = timedelta(hours=current_app.config["RESET_TOKEN_HOURS"])
    raw, token_hash = new_token()
    db.session.add(
        AccountToken(user_id=user.id, purpose=purpose, token_hash=token_hash, created_at=now, expires_at=now + lifetime)
    )
    db.session.flush()
    return raw


def find_valid_token(raw, purpose):
    """The unused, unexpired token matching `raw`, or None."""
    if not raw or len(raw) > 128:
        return None
    token = db.session.scalar(select(AccountToken).where(AccountToken.token_hash == hash_token(raw)))
    if token is None or token.purpose != purpose or token.used_at is not None:
        return None
    if token.expires_at <= clock.now() or not token.user.active:
        return None
    return token


def send_activation_email(user):
    raw = issue_token(user, TokenPurpose.activation)
    link = absolute_url("accounts.activate", token=raw)
    days = current_app.config["ACTIVATION_TOKEN_DAYS"]
    queue_email_for(
        user,
        lambda: _("Your account on the CDIP technical-assistance forum"),
        lambda: _(
            "Hello %(name)s,\n\nAn account has been created for you on the CDIP technical-assistance forum.\n"
            "Choose your password here (the link works once, for %(days)d days):\n\n%(link)s\n",
            name=user.display_name,
            days=days,
            link=link,
        ),
        one_time_links=[link],
    )
    return raw


def _set_password(user, password):
    problems = password_problems(password, user.email)
    if problems:
        raise Invalid(" ".join(problems))
    user.password_hash = hash_password(password)
    # Every session opened with the old password ends.
    user.end_sessions()


def activate_account(token, password):
    """Set the first password from an activation token; the token is spent."""
    user = token.user
    _set_password(user, password)
    user.activated_at = clock.now()
    token.used_at = clock.now()
    db.session.flush()
    return user


def request_password_reset(email):
    """Queue a reset link if the address belongs to an active account; say nothing either way."""
    user = find_user_by_email(email)
    if user is None or not user.active:
        return None
    raw = issue_token(user, TokenPurpose.reset)
    link = absolute_url("accounts.reset", token=raw)
    hours = current_app.config["RESET_TOKEN_HOURS"]
    queue_email_for(
        user,
        lambda: _("Reset your password"),
        lambda: _(
            "Hello %(name)s,\n\nSomeone (hopefully you) asked to reset your password on the CDIP "
            "technical-assistance forum. Choose a new password here (the link works once, for %(hours)d hours):"
            "\n\n%(link)s\n\nIf it was not you, ignore this message.\n",
            name=user.display_name,
            hours=hours,
            link=link,
        ),
        one_time_links=[link],
    )
    return raw


def reset_password(token, password):
    user = token.user
    _set_password(user, password)
    if user.activated_at is None:
        user.activated_at = clock.now()
    token.used_at = clock.now()
    db.session.flush()
    return user


def change_password(user, current_password, new_password):
    """The user changes their own password; every session ends, and the change is a security event."""
    from forum.twofactor.service import record_event

    matches, _ignored = verify_password(user.password_hash, current_password)
    if not matches:
        raise Invalid(_("Your current password is not correct."))
    _set_password(user, new_password)
    record_event("password.change", user)
    db.session.flush()


def authenticate(email, password, *, defer_writes=False):
    """The active, activated user with these credentials, or None (same answer and time for every failure).

    A hash made with older parameters is replaced. With `defer_writes` (the
    login page, which checks the password without holding the write lock) the
    new hash is only kept on the object, and `apply_sign_in_updates` writes it
    later inside a write transaction: on SQLite, writing at the end of a read
    transaction can fail when another writer committed meanwhile.
    """
    user = find_user_by_email(email)
    if user is None or not user.password_hash:
        burn_time(password or "")
        return None
    matches, new_hash = verify_password(user.password_hash, password or "")
    if not matches or not user.active:
        return None
    if new_hash and defer_writes:
        user.pending_password_hash = new_hash
    elif new_hash:
        user.password_hash = new_hash
    return user


def apply_sign_in_updates(user, session_locale=None):
    """What signing in writes to the account: a rehashed password, the language picked before signing in."""
    new_hash = getattr(user, "pending_password_hash", None)
    if new_hash:
        user.password_hash = new_hash
        user.pending_password_hash = None
    adopt_session_language(user, session_locale)


def end_session(user):
    """Logout: any copy of the session cookie stops working; a security event."""
    from forum.twofactor.service import record_event

    user.end_sessions()
    record_event("session.logout", user)
    db.session.flush()


# Profile ---------------------------------------------------------------------


def update_profile(user, *, display_name, locale, timezone, listed_in_directory=None):
    """Save the user's own name, language, time zone and (given) directory listing."""
    display_name = clean_line(display_name)
    if not display_name:
        raise Invalid(_("A display name is required."))
    if locale not in current_app.config["FORUM_UI_LOCALES"]:
        raise Invalid(_("Unknown language."))
    if not timezones.is_offered(timezone, current=user.timezone):
        raise Invalid(_("Unknown time zone."))
    user.display_name = display_name[:120]
    user.locale = locale
    user.timezone = timezone
    if listed_in_directory is not None:
        set_directory_listing(user, listed_in_directory)
    db.session.flush()


def set_interface_language(user, code):
    """Remember the interface language on the account; Invalid for one the forum does not offer."""
    if code not in current_app.config["FORUM_UI_LOCALES"]:
        raise Invalid(_("Unknown language."))
    user.locale = code
    db.session.flush()


def adopt_session_language(user, code):
    """At sign-in, a language picked before signing in becomes the account's, if it has none yet."""
    if user.locale is None and code in current_app.config["FORUM_UI_LOCALES"]:
        user.locale = code


# Administration ---------------------------------------------------------------


def get_user(user_id):
    return db.session.get(User, user_id)


def search_accounts(text="", *, role=None, page=1, per_page=50):
    """(total, accounts) whose name or e-mail contains `text`, of one role (None: all), by name."""
    query = select(User).order_by(User.display_name, User.id)
    if text:
        pattern = f"%{text.lower()}%"
        query = query.where(or_(func.lower(User.email).like(pattern), func.lower(User.display_name).like(pattern)))
    if role is not None:
        query = query.where(User.role == role)
    pagination = db.paginate(query, page=page, per_page=per_page, error_out=False)
    return pagination.total, pagination.items


def resend_activation(user, *, by):
    """Send a new activation link (the old one stops working); audited."""
    send_activation_email(user)
    audit.record(by, "account.activation_sent", user)
    db.session.flush()


def update_account(user, *, by, role, member_state, active, is_coordinator, display_name, moderated_languages=None):
    """An administrator changes an account; each changed field is in the audit trail.

    `moderated_languages` (a list of Language), when given, is what a
    language moderator moderates afterwards (other roles keep none).
    """
    if role in MEMBER_STATE_ROLES and member_state is None:
        raise Invalid(_("A delegate must belong to a member state."))
    if user.id == by.id and (role != user.role or not active):
        raise Invalid(_("You cannot change your own role or deactivate yourself."))
    check_offered(member_state, keeping=user.member_state)
    changes = {}
    new_state_id = member_state.id if (member_state and role in MEMBER_STATE_ROLES | {Role.guest}) else None
    for field, value in (
        ("display_name", (display_name or "").strip()[:120] or user.display_name),
        ("role", role),
        ("member_state_id", new_state_id),
        ("active", active),
        ("is_coordinator", bool(is_coordinator and role == Role.delegate)),
    ):
        old = getattr(user, field)
        if old != value:
            changes[field] = [_plain(old), _plain(value)]
            setattr(user, field, value)
    if "active" in changes and not active:
        user.end_sessions()
    if changes:
        audit.record(by, "account.update", user, **changes)
    if moderated_languages is not None:
        set_moderated_languages(user, moderated_languages, by=by)
    db.session.flush()
    return changes


def _plain(value):
    return value.value if isinstance(value, Role) else value


def set_moderated_languages(user, languages, *, by):
    """Assign the languages a language moderator moderates (other roles keep none); audited."""
    if user.role != Role.language_moderator:
        languages = []
    old = sorted(user.moderated_language_codes)
    user.moderated_languages = list(languages)
    new = sorted(language.code for language in languages)
    if old != new:
        audit.record(by, "account.languages", user, before=old, after=new)
    db.session.flush()


class ImportRejected(Invalid):
    """A CSV file with bad rows: nothing was imported; `errors` lists (line number, message)."""

    def __init__(self, errors):
        super().__init__(_("The file has errors: nothing was imported."))
        self.errors = errors


CSV_COLUMNS = ("email", "display_name", "member_state", "role", "language")


def _import_language(row):
    """The optional interface language of a new account (its e-mails too): an offered locale, or None."""
    code = (row.get("language") or "").strip()
    if not code:
        return None
    offered = current_app.config["FORUM_UI_LOCALES"]
    if code.lower() not in offered:
        raise Invalid(
            _("Unknown language “%(language)s”: use one of %(codes)s.", language=code, codes=", ".join(offered))
        )
    return code.lower()


def _import_row(row, seen):
    """(email, display name, role, member state, language) of one CSV row; Invalid says what is wrong with it."""
    if row.get(None):
        raise Invalid(_("Too many fields on this line."))
    address = (row.get("email") or "").strip()
    # Looked up before the syntax check: an existing account's address (the demo's end in the reserved
    # .test) is "already has an account", the useful answer, not "not a valid address".
    if address and find_user_by_email(address) is not None:
        raise Invalid(_("An account with this e-mail address already exists."))
    email = check_email(address)
    role_name = (row.get("role") or "delegate").strip().lower() or "delegate"
    role = Role.from_arg(role_name)
    if role not in ROLES_AN_ADMIN_CREATES:
        raise Invalid(_("Unknown role “%(role)s”.", role=role_name))
    state = find_state(row.get("member_state"))
    if role in MEMBER_STATE_ROLES and state is None:
        raise Invalid(_("Unknown member state “%(state)s”.", state=(row.get("member_state") or "").strip()[:200]))
    if role in MEMBER_STATE_ROLES:
        check_offered(state)
    name = (row.get("display_name") or "").strip()
    if not name:
        raise Invalid(_("A display name is required."))
    if email in seen:
        raise Invalid(_("This e-mail address appears twice in the file."))
    if find_user_by_email(email) is not None:
        raise Invalid(_("An account with this e-mail address already exists."))
    return email, name, role, state, _import_language(row)


def import_delegates(text, *, by):
    """Create accounts from CSV text and return them; on any bad row, ImportRejected and nothing is created.

    Columns: email, display_name, member_state (alpha-3 or alpha-2 code, or the
    name as the UN writes it in any of its six languages, or ISO's), role
    (optional; default delegate), language (optional: the interface language
    of the account and its e-mails, one of FORUM_UI_LOCALES). Line numbers in
    errors count the header as line 1.
    """
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [name.strip().lower() for name in (reader.fieldnames or [])]
    missing = [column for column in CSV_COLUMNS[:3] if column not in header]
    if missing:
        raise ImportRejected([(1, _("Missing columns: %(columns)s", columns=", ".join(missing)))])
    reader.fieldnames = header
    rows, errors, seen = [], [], set()
    for line_number, row in enumerate(reader, start=2):
        if not row.get(None) and not any((value or "").strip() for value in row.values()):
            continue  # a blank line
        try:
            account = _import_row(row, seen)
        except Invalid as error:
            errors.append((line_number, str(error)))
            continue
        seen.add(account[0])
        rows.append(account)
    if not rows and not errors:
        errors.append((1, _("The file contains no accounts.")))
    if errors:
        raise ImportRejected(errors)
    created = [
        create_account(email=email, display_name=name, role=role, member_state=state, by=by, locale=language)
        for email, name, role, state, language in rows
    ]
    audit.record(by, "account.import", None, count=len(created))
    return created


def create_admin(email, display_name, password):
    """Bootstrap an administrator from the command line (no actor)."""
    user = create_account(email=email, display_name=display_name, role=Role.admin, by=None, send_activation=False)
    _set_password(user, password)
    user.activated_at = clock.now()
    db.session.flush()
    return user
