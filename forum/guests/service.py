"""Guest invitations: request, assess, decide, send, accept, revoke and expire; a guest's access.

Each operation checks `forum.policy`, refuses bad input with a translated
Invalid before writing anything, changes the invitation's state, writes one
audit event per state change and only flushes: the caller commits.
"""

from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from forum import audit, clock, policy
from forum.accounts import service as accounts
from forum.accounts.models import Role, User
from forum.accounts.passwords import hash_password, password_problems
from forum.audit import AuditEvent
from forum.database import claim_transition
from forum.discussions.models import Discussion
from forum.errors import Invalid, NotAllowed
from forum.extensions import db
from forum.guests.models import (
    PENDING_STATUSES,
    GuestInvitation,
    InvitationStatus,
    OrganisationKind,
    running_guest_access,
)
from forum.notifications.service import notify, queue_email
from forum.protocol import service as protocol
from forum.rooms.models import Language, Room
from forum.threads.models import Thread, ThreadStatus
from forum.tokens import hash_token, new_token
from forum.urls import absolute_url, site_path

DEFAULT_TOKEN_DAYS = 14
NAME_MAX = 120
ORGANISATION_MAX = 200
TEXT_MAX = 5000


def token_days():
    return current_app.config.get("GUEST_INVITATION_DAYS", DEFAULT_TOKEN_DAYS)


def _iso(moment):
    return moment.isoformat() if moment is not None else None


def _title(discussion, locale):
    text = discussion.text_for(locale or "en")
    return text.title if text is not None else ""


def _clean(value, maximum, missing, too_long):
    value = (value or "").strip()
    if not value:
        raise Invalid(missing)
    if len(value) > maximum:
        raise Invalid(too_long)
    return value


def _clean_reason(reason, missing):
    return _clean(
        reason, TEXT_MAX, missing, _("The reason is too long (at most %(count)d characters).", count=TEXT_MAX)
    )


NOT_AT_THAT_STEP = _l("This request is no longer at that step: reload the page to see where it stands.")


def _require_status(invitation, allowed, moment=None):
    if invitation.effective_status(moment) not in allowed:
        raise Invalid(str(NOT_AT_THAT_STEP))


def _claim(invitation, column, expected, **values):
    """Move the invitation on atomically from what this request saw: of two simultaneous decisions one wins."""
    if not claim_transition(invitation, column, expected, **values):
        raise Invalid(str(NOT_AT_THAT_STEP))


def _member_account(email):
    """The account of a member (anyone but a guest) using this address, or None."""
    user = accounts.find_user_by_email(email)
    return user if user is not None and user.role != Role.guest else None


def _notify_requester(invitation, kind, **params):
    requester = invitation.requested_by
    notify(
        requester,
        kind,
        link=site_path("guests.detail", invitation_id=invitation.id),
        name=invitation.guest_name,
        title=_title(invitation.discussion, requester.locale),
        **params,
    )


def _notify_role(role, kind, invitation):
    for user in db.session.scalars(select(User).where(User.role == role, User.active)):
        notify(
            user,
            kind,
            link=site_path("guests.detail", invitation_id=invitation.id),
            name=invitation.guest_name,
            organisation=invitation.organisation,
            title=_title(invitation.discussion, user.locale),
        )


# Requesting ------------------------------------------------------------------


def request_guest(
    discussion,
    *,
    by,
    guest_name,
    email,
    organisation,
    organisation_kind,
    justification,
    languages=(),
    ends_at=None,
):
    """A member asks for an external stakeholder in one discussion; the chief moderators are notified.

    Raises NotAllowed (403) or Invalid: closed discussion, bad input, an
    address of a member account, or a request already under way for this
    person and discussion.
    """
    if not policy.can_request_guest(by):
        raise NotAllowed(_("You cannot ask for guests."))
    now = clock.now()
    if discussion.status_at(now) == ThreadStatus.closed:
        raise Invalid(_("This discussion is closed: guests can no longer be invited to it."))
    if discussion.is_cancelled:
        raise Invalid(_("This discussion is cancelled: guests can no longer be invited to it."))
    guest_name = _clean(
        guest_name,
        NAME_MAX,
        _("Give the guest's name."),
        _("The name is too long (at most %(count)d characters).", count=NAME_MAX),
    )
    try:
        email = accounts.check_email(email)
    except Invalid as error:
        raise Invalid(str(error)) from None
    organisation = _clean(
        organisation,
        ORGANISATION_MAX,
        _("Give the guest's organisation."),
        _("The organisation's name is too long (at most %(count)d characters).", count=ORGANISATION_MAX),
    )
    try:
        kind = OrganisationKind(organisation_kind)
    except ValueError:
        raise Invalid(_("Choose the kind of organisation.")) from None
    justification = _clean(
        justification,
        TEXT_MAX,
        _("Explain why this guest should take part."),
        _("The justification is too long (at most %(count)d characters).", count=TEXT_MAX),
    )
    codes = _clean_languages(discussion, languages)
    if ends_at is not None and ends_at <= now:
        raise Invalid(_("The end of access must be in the future."))
    if _member_account(email) is not None:
        raise Invalid(_("This e-mail address belongs to a member account: members take part without an invitation."))
    if _under_way(email, discussion, now):
        raise Invalid(_("A request for this person in this discussion is already under way."))
    invitation = GuestInvitation(
        discussion_id=discussion.id,
        discussion=discussion,
        requested_by_id=by.id,
        requested_by=by,
        requested_at=now,
        guest_name=guest_name,
        email=email,
        organisation=organisation,
        organisation_kind=kind,
        justification=justification,
        languages=codes,
        ends_at=ends_at,
        status=InvitationStatus.requested,
    )
    db.session.add(invitation)
    db.session.flush()
    audit.record(
        by,
        "guest.request",
        invitation,
        discussion=discussion.id,
        guest=guest_name,
        organisation=organisation,
        languages=codes,
        ends_at=_iso(ends_at),
    )
    _notify_role(Role.moderator, "guest_requested", invitation)
    db.session.flush()
    return invitation


def _clean_languages(discussion, languages):
    """The chosen codes in the discussion's order; [] when none or all of its languages are chosen."""
    order = [text.language_code for text in discussion.ordered_texts]
    chosen = set(languages or ())
    if chosen - set(order):
        raise Invalid(_("Choose among the languages of this discussion."))
    if chosen == set(order):
        return []
    return [code for code in order if code in chosen]


def _under_way(email, discussion, now):
    """True if a request for this address and discussion is pending, or an invitation still runs."""
    others = db.session.scalars(
        select(GuestInvitation).where(
            GuestInvitation.email == email,
            GuestInvitation.discussion_id == discussion.id,
            GuestInvitation.status.in_((*PENDING_STATUSES, InvitationStatus.accepted)),
        )
    ).all()
    return any(other.effective_status(now) in (*PENDING_STATUSES, InvitationStatus.accepted) for other in others)


# Assessing and deciding ------------------------------------------------------


def assess_request(invitation, *, by, recommend, clause, reason):
    """The chief moderator recommends or rejects a request, citing a clause of the protocol and a reason.

    The requester is told; on a recommendation the administrators are asked to decide.
    """
    if not policy.can_assess_guest_request(by):
        raise NotAllowed(_("Only the moderators assess guest requests."))
    _require_status(invitation, (InvitationStatus.requested,))
    reason = _clean_reason(reason, _("Give the reason for your assessment: the requester will see it."))
    try:
        clause, version = protocol.check_clause(clause)
    except Invalid as error:
        raise Invalid(str(error)) from None
    _claim(
        invitation,
        "status",
        InvitationStatus.requested,
        status=InvitationStatus.recommended if recommend else InvitationStatus.rejected,
        assessment_clause=clause,
        assessment_reason=reason,
        assessed_by_id=by.id,
        assessed_at=clock.now(),
    )
    audit.record(
        by,
        "guest.recommend" if recommend else "guest.reject",
        invitation,
        reason=reason,
        clause=clause,
        stage="assessment",
        protocol_version=version.number,
    )
    _notify_requester(
        invitation,
        "guest_recommended" if recommend else "guest_rejected",
        clause=clause,
        reason=reason,
    )
    if recommend:
        _notify_role(Role.admin, "guest_awaiting_approval", invitation)
    db.session.flush()
    return invitation


def decide_request(invitation, *, by, approve, reason=None):
    """An administrator approves a recommended request (the link is sent at once) or rejects it with a reason."""
    if not policy.can_approve_guest(by):
        raise NotAllowed(_("Only administrators approve guests."))
    now = clock.now()
    _require_status(invitation, (InvitationStatus.recommended,), now)
    reason = (reason or "").strip() or None
    if reason is not None and len(reason) > TEXT_MAX:
        raise Invalid(_("The reason is too long (at most %(count)d characters).", count=TEXT_MAX))
    if not approve and reason is None:
        raise Invalid(_("Give the reason for the rejection: the requester will see it."))
    if approve:
        _check_can_still_run(invitation, now)
    _claim(
        invitation,
        "status",
        InvitationStatus.recommended,
        status=InvitationStatus.approved if approve else InvitationStatus.rejected,
        decision_reason=reason,
        decided_by_id=by.id,
        decided_at=now,
    )
    if not approve:
        audit.record(by, "guest.reject", invitation, reason=reason, stage="decision")
        _notify_requester(invitation, "guest_declined", reason=reason)
        db.session.flush()
        return invitation
    audit.record(by, "guest.approve", invitation, reason=reason)
    _notify_requester(invitation, "guest_approved")
    send_invitation(invitation, by=by)
    return invitation


def _check_can_still_run(invitation, now):
    if invitation.access_ended_at(now):
        raise Invalid(_("The discussion is closed or the end date of the invitation has passed."))
    if _member_account(invitation.email) is not None:
        raise Invalid(_("This e-mail address belongs to a member account: members take part without an invitation."))


# The link --------------------------------------------------------------------


def send_invitation(invitation, *, by):
    """E-mail the guest a one-time link (a new one on resending: earlier links stop working); returns the raw token.

    Allowed once approved, and again while the invitation has not been accepted
    (a lost or expired link).
    """
    if not policy.can_approve_guest(by):
        raise NotAllowed(_("Only administrators approve guests."))
    now = clock.now()
    resending = invitation.status != InvitationStatus.approved
    if not (invitation.status == InvitationStatus.approved or invitation.resendable(now)):
        raise Invalid(_("This request is no longer at that step: reload the page to see where it stands."))
    _check_can_still_run(invitation, now)
    raw, token_hash = new_token()
    # Claimed on the link this request saw: two administrators resending at
    # once cannot both send a working link.
    _claim(
        invitation,
        "token_hash",
        invitation.token_hash,
        token_hash=token_hash,
        token_expires_at=now + timedelta(days=token_days()),
        sent_at=now,
        expired_at=None,
        status=InvitationStatus.sent,
    )
    audit.record(by, "guest.send", invitation, expires_at=_iso(invitation.token_expires_at), resent=resending)
    _email_invitation(invitation, raw)
    db.session.flush()
    return raw


def _email_locale(invitation):
    """The guest's own interface language if they have an account, else the discussion's first chosen language."""
    ui_locales = current_app.config["FORUM_UI_LOCALES"]
    existing = accounts.find_user_by_email(invitation.email)
    if existing is not None and existing.locale in ui_locales:
        return existing.locale
    codes = invitation.languages or [text.language_code for text in invitation.discussion.ordered_texts]
    return next((code for code in codes if code in ui_locales), "en")


def _email_invitation(invitation, raw):
    link = absolute_url("guests.accept", token=raw)
    requester = invitation.requested_by
    locale = _email_locale(invitation)
    with force_locale(locale):
        title = _title(invitation.discussion, locale)
        subject = _("Invitation to a discussion of the CDIP technical-assistance forum")
        body = _(
            "Hello %(name)s,\n\n%(requester)s asked for you to take part, as a guest representing "
            "%(organisation)s, in the "
            "discussion “%(title)s” of the forum of the member states of the Committee on Development and "
            "Intellectual Property (CDIP).\n\nAccept the invitation here (the link works once, for %(days)d days):"
            "\n\n%(link)s\n\nYou will choose a password, or sign in with your guest account if you already have "
            "one, and accept the forum's usage protocol.\n",
            name=invitation.guest_name,
            requester=_requester_label(requester),
            organisation=invitation.organisation,
            title=title,
            days=token_days(),
            link=link,
        )
        return queue_email(invitation.email, subject, body, one_time_links=[link])


def _requester_label(requester):
    if requester.member_state is not None:
        return f"{requester.display_name} ({requester.member_state.name})"
    return requester.display_name


def find_invitation_by_token(raw):
    """The invitation a link opens, or None: unknown, spent, expired, revoked and ended links all look the same."""
    if not raw or len(raw) > 128:
        return None
    invitation = db.session.scalar(select(GuestInvitation).where(GuestInvitation.token_hash == hash_token(raw)))
    if invitation is None or invitation.effective_status() != InvitationStatus.sent:
        return None
    return invitation


# Accepting -------------------------------------------------------------------


def account_for(invitation):
    """The guest account already using the invitation's address, or None. Invalid for a member's address."""
    user = accounts.find_user_by_email(invitation.email)
    if user is None:
        return None
    if user.role != Role.guest or not user.active:
        raise Invalid(_("This invitation can no longer be accepted. Please contact the forum's moderators."))
    return user


def find_acceptable_invitation(token):
    """(invitation, the guest's existing account or None) for a link still to be accepted; (None, None) otherwise."""
    invitation = find_invitation_by_token(token)
    if invitation is None:
        return None, None
    try:
        return invitation, account_for(invitation)
    except Invalid:
        return None, None


def accept_invitation(invitation, *, existing, password, display_name=None, locale="en"):
    """Accept with a new guest account, or by signing in to the guest's existing one.

    Returns (user, id of the thread to land on or None); Invalid for a wrong
    password or an invitation that can no longer be accepted.
    """
    if existing is not None:
        user = accounts.authenticate(invitation.email, password)
        if user is None:
            raise Invalid(_("The password is not correct."))
        accept_as_existing_guest(invitation, user=user)
    else:
        user = accept_as_new_guest(invitation, display_name=display_name, password=password)
    return user, landing_thread_id(invitation, user.locale or locale)


def accept_as_new_guest(invitation, *, display_name, password):
    """Create the guest's account with their password and accept; returns the user."""
    if account_for(invitation) is not None:
        raise Invalid(_("You already have a guest account: sign in with its password to accept."))
    display_name = _clean(
        display_name,
        NAME_MAX,
        _("A display name is required."),
        _("The display name is too long (at most %(count)d characters).", count=NAME_MAX),
    )
    problems = password_problems(password or "", invitation.email)
    if problems:
        raise Invalid(" ".join(problems))
    now = clock.now()
    user = User(
        email=invitation.email,
        display_name=display_name,
        role=Role.guest,
        password_hash=hash_password(password),
        created_at=now,
        activated_at=now,
    )
    db.session.add(user)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        # The same link submitted twice at once: the first submission made the account.
        raise Invalid(_("This invitation can no longer be accepted. Please contact the forum's moderators.")) from None
    audit.record(None, "account.create", user, role=Role.guest.value, member_state=None, invitation=invitation.id)
    return _accept(invitation, user)


def accept_as_existing_guest(invitation, *, user):
    """Accept with the guest account of the invitation's address (the caller checked its password)."""
    owner = account_for(invitation)
    if owner is None or user.id != owner.id:
        raise Invalid(_("This invitation is for another e-mail address."))
    return _accept(invitation, user)


def _accept(invitation, user):
    now = clock.now()
    if invitation.effective_status(now) != InvitationStatus.sent:
        raise Invalid(_("This invitation can no longer be accepted. Please contact the forum's moderators."))
    # Single use, even for two submissions at once: only one of them moves the row on from "sent".
    claimed = db.session.execute(
        update(GuestInvitation)
        .where(
            GuestInvitation.id == invitation.id,
            GuestInvitation.status == InvitationStatus.sent,
            GuestInvitation.token_hash == invitation.token_hash,
        )
        .values(status=InvitationStatus.accepted, guest_user_id=user.id, accepted_at=now, token_hash=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        raise Invalid(_("This invitation can no longer be accepted. Please contact the forum's moderators."))
    set_committed_value(invitation, "status", InvitationStatus.accepted)
    set_committed_value(invitation, "guest_user_id", user.id)
    set_committed_value(invitation, "accepted_at", now)
    set_committed_value(invitation, "token_hash", None)
    invitation.guest_user = user
    # One organisation per guest: the latest invitation's is shown on their posts.
    user.organisation = invitation.organisation
    audit.record(user, "guest.accept", invitation, guest=user.id)
    _notify_requester(invitation, "guest_accepted")
    db.session.flush()
    return user


def landing_thread_id(invitation, locale):
    """The thread a guest lands in: in their language if the invitation covers it, else the first one allowed.

    None (the guest's home page) while the discussion has not opened yet.
    """
    if invitation.discussion.status_at(clock.now()) == ThreadStatus.scheduled:
        return None
    threads = db.session.execute(
        select(Thread.id, Room.language_code)
        .join(Room, Room.id == Thread.room_id)
        .join(Language, Language.code == Room.language_code)
        .where(Thread.discussion_id == invitation.discussion_id, Language.active)
        .order_by(Language.position)
    ).all()
    allowed = [
        (thread_id, code) for thread_id, code in threads if not invitation.languages or code in invitation.languages
    ]
    for thread_id, code in allowed:
        if code == locale:
            return thread_id
    return allowed[0][0] if allowed else None


# Ending ----------------------------------------------------------------------


def revoke_invitation(invitation, *, by, reason):
    """End an invitation now (approved, sent or accepted); the guest loses access on their next request."""
    if not policy.can_revoke_guest(by):
        raise NotAllowed(_("Only the moderators revoke invitations."))
    _require_status(invitation, (InvitationStatus.approved, InvitationStatus.sent, InvitationStatus.accepted))
    reason = _clean_reason(reason, _("Give the reason for revoking the invitation."))
    previous = invitation.status
    _claim(
        invitation,
        "status",
        previous,
        status=InvitationStatus.revoked,
        token_hash=None,
        revoked_by_id=by.id,
        revoked_at=clock.now(),
        revoke_reason=reason,
    )
    audit.record(by, "guest.revoke", invitation, reason=reason, previous=previous.value)
    _notify_requester(invitation, "guest_revoked", reason=reason)
    db.session.flush()
    return invitation


def expire_due(now):
    """Record as expired the invitations whose link or access ran out (for `tick`); returns them.

    Access already ends with time (see `valid_access`); this only writes the
    state and its audit event, once, even if two ticks overlap.
    """
    candidates = db.session.scalars(
        select(GuestInvitation)
        .join(Discussion, Discussion.id == GuestInvitation.discussion_id)
        .where(
            GuestInvitation.status.in_((InvitationStatus.sent, InvitationStatus.accepted)),
            or_(
                and_(GuestInvitation.status == InvitationStatus.sent, GuestInvitation.token_expires_at <= now),
                GuestInvitation.ends_at <= now,
                Discussion.closes_at <= now,
            ),
        )
    ).all()
    expired = []
    for invitation in candidates:
        previous = invitation.status
        if invitation.effective_status(now) != InvitationStatus.expired:
            continue
        claimed = db.session.execute(
            update(GuestInvitation)
            .where(GuestInvitation.id == invitation.id, GuestInvitation.status == previous)
            .values(status=InvitationStatus.expired, expired_at=now, token_hash=None)
            .execution_options(synchronize_session=False)
        ).rowcount
        if not claimed:
            continue
        db.session.refresh(invitation)
        audit.record(None, "guest.expire", invitation, previous=previous.value)
        expired.append(invitation)
    db.session.flush()
    return expired


# A guest's access --------------------------------------------------------------


def valid_access(user, now):
    """{discussion id: frozenset of language codes, empty meaning all} of the guest's running invitations; one query."""
    return running_guest_access(user.id, now)


@dataclass
class GuestThread:
    thread_id: int
    title: str
    language_code: str
    language_name: str
    status: ThreadStatus
    opens_at: object


@dataclass
class GuestDiscussion:
    discussion_id: int
    threads: list


def guest_home(user):
    """(discussions the guest may use now with their threads, whether an earlier access has ended); two queries."""
    access = policy.guest_access(user)
    discussions = []
    if access:
        rows = db.session.scalars(
            select(Thread)
            .join(Room, Room.id == Thread.room_id)
            .join(Language, Language.code == Room.language_code)
            .where(Thread.discussion_id.in_(list(access)), Language.active)
            .order_by(Thread.discussion_id, Language.position)
        ).all()
        by_discussion = {}
        for thread in rows:
            languages = access[thread.discussion_id]
            if languages and thread.room.language_code not in languages:
                continue
            by_discussion.setdefault(thread.discussion_id, []).append(
                GuestThread(
                    thread.id,
                    thread.title,
                    thread.room.language_code,
                    thread.room.language.native_name,
                    thread.status,
                    thread.opens_at,
                )
            )
        discussions = [GuestDiscussion(discussion_id, threads) for discussion_id, threads in by_discussion.items()]
        return discussions, False
    ended = bool(
        db.session.scalar(select(func.count(GuestInvitation.id)).where(GuestInvitation.guest_user_id == user.id))
    )
    return discussions, ended


# Lists and pages ---------------------------------------------------------------


def _scope(user):
    if policy.can_see_all_guest_requests(user):
        return True
    return GuestInvitation.requested_by_id == user.id


def requests_page(user, status, page, per_page):
    """(total, requests) the user may see (chief moderators: all; others: their own), of one status or all."""
    condition = _scope(user)
    if status is not None:
        condition = and_(condition, GuestInvitation.status == status)
    pages = db.paginate(
        select(GuestInvitation)
        .where(condition)
        .order_by(GuestInvitation.requested_at.desc(), GuestInvitation.id.desc()),
        page=page,
        per_page=per_page,
        error_out=False,
    )
    _load_discussions(pages.items)
    return pages.total, pages.items


def _load_discussions(invitations):
    """Load the invitations' discussions (with their texts) in one query, not one per row."""
    ids = {invitation.discussion_id for invitation in invitations}
    if ids:
        db.session.scalars(select(Discussion).where(Discussion.id.in_(ids))).all()


def status_counts(user):
    """{status: count} of the requests the user may see, in one grouped query."""
    rows = db.session.execute(
        select(GuestInvitation.status, func.count(GuestInvitation.id))
        .where(_scope(user))
        .group_by(GuestInvitation.status)
    ).all()
    return dict(rows)


def get_invitation(invitation_id):
    return db.session.get(GuestInvitation, invitation_id)


def events_for(invitation):
    """The audit trail of one request, oldest first."""
    return db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.target_type == GuestInvitation.__tablename__, AuditEvent.target_id == invitation.id)
        .order_by(AuditEvent.at, AuditEvent.id)
    ).all()


def history_for_email(invitation):
    """The same address's other requests and invitations, newest first (for the approval page)."""
    others = db.session.scalars(
        select(GuestInvitation)
        .where(GuestInvitation.email == invitation.email, GuestInvitation.id != invitation.id)
        .order_by(GuestInvitation.requested_at.desc(), GuestInvitation.id.desc())
    ).all()
    _load_discussions(others)
    return others
