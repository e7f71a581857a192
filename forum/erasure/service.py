"""Deletion requests (usage protocol, clause 1.6): asking, recording, deciding, and erasing for good.

Erasing is not hiding. A post's text and every revision of it are removed
from the database; the row stays as a tombstone (`Post.erased_at`, state
`removed`) so that numbering and replies still make sense. Everything that
copied the text goes in the same transaction: its search entry, pending
e-mails that quote it, notification parameters that repeat a title or a name.
The audit trail keeps who decided what, and ids, never the erased text.

Services only flush; the view (or CLI command) commits.
"""

import json
import re
from dataclasses import dataclass, field
from datetime import timedelta

from flask import current_app
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from sqlalchemy import String, cast, delete, func, or_, select, update
from sqlalchemy.orm import joinedload

from forum import audit, clock, policy
from forum.accounts.models import AccountToken, Role, User
from forum.content import plain_excerpt
from forum.database import claim_transition
from forum.erasure.models import DeletionRequest, DeletionScope, DeletionStatus
from forum.erasure.names import erased_thread_title
from forum.errors import Invalid, NotAllowed
from forum.extensions import db
from forum.moderation.models import Flag, FlagStatus
from forum.notifications.kinds import Reader
from forum.notifications.models import (
    Digest,
    EmailStatus,
    Mention,
    Notification,
    NotificationPreferences,
    NotificationSetting,
    OutgoingEmail,
)
from forum.notifications.service import notify, queue_email_for
from forum.protocol import service as protocol
from forum.search import service as search
from forum.search.models import SearchEntry
from forum.threads.models import Post, PostRevision, PostState, ReadMarker, Thread, Watch
from forum.urls import absolute_url, site_path

REASON_MAX = 2000
RECEIVED_BY_MAX = 200
# A line of an erased post this long or longer, found in another post, counts as a quote of it.
QUOTE_FRAGMENT = 24


def _reason(reason, message=None):
    reason = (reason or "").strip()
    if not reason:
        raise Invalid(message or _("Say why: the moderators read it before deciding."))
    if len(reason) > REASON_MAX:
        raise Invalid(_("The text is too long (at most %(count)d characters).", count=REASON_MAX))
    return reason


def _requests_link():
    return site_path("erasure.mine")


def _tell(request, kind, **params):
    """The requester hears of each step, in the forum and by e-mail (notifications.notify)."""
    requester = request.requester
    if requester.is_erased:
        return None
    return notify(requester, kind, link=_requests_link(), request_id=request.id, scope=request.scope.value, **params)


# Asking ------------------------------------------------------------------------


def _scope_of(target):
    if isinstance(target, Post):
        return DeletionScope.post
    if isinstance(target, Thread):
        return DeletionScope.thread
    if isinstance(target, User):
        return DeletionScope.account
    raise Invalid(_("Choose a message, a thread or an account."))


def _owner_of(target):
    return target if isinstance(target, User) else db.session.get(User, target.author_id)


def _target_columns(target):
    if isinstance(target, Post):
        return {"post_id": target.id, "thread_id": target.thread_id}
    if isinstance(target, Thread):
        return {"thread_id": target.id}
    return {}


def _refuse_duplicate(scope, requester, columns):
    condition = [
        DeletionRequest.status == DeletionStatus.pending,
        DeletionRequest.scope == scope,
        DeletionRequest.requester_id == requester.id,
    ]
    if scope == DeletionScope.post:
        condition.append(DeletionRequest.post_id == columns["post_id"])
    elif scope == DeletionScope.thread:
        condition.append(DeletionRequest.thread_id == columns["thread_id"])
    if db.session.scalar(select(DeletionRequest.id).where(*condition)) is not None:
        raise Invalid(_("A request for this is already waiting for a decision."))


def _create(target, *, requester, reason, include_posts=False, recorded_by=None, received_by=None):
    scope = _scope_of(target)
    columns = _target_columns(target)
    _refuse_duplicate(scope, requester, columns)
    request = DeletionRequest(
        scope=scope,
        requester_id=requester.id,
        requester=requester,
        include_posts=bool(include_posts) and scope == DeletionScope.account,
        recorded_by_id=recorded_by.id if recorded_by is not None else None,
        received_by=received_by,
        reason=reason,
        created_at=clock.now(),
        **columns,
    )
    db.session.add(request)
    db.session.flush()
    return request


def request_deletion(target, *, by, reason, include_posts=False):
    """A member asks for their own post, thread or account to be erased; NotAllowed for anything else."""
    if not policy.can_request_deletion(by, target):
        raise NotAllowed(_("You cannot do this."))
    reason = _reason(reason)
    request = _create(target, requester=by, reason=reason, include_posts=include_posts)
    _tell(request, "deletion_requested")
    return request


def record_deletion_request(target, *, by, reason, received_by, include_posts=False):
    """A chief moderator or admin records a request received by e-mail or letter for the target's owner."""
    if not policy.can_record_deletion_request(by):
        raise NotAllowed(_("You cannot do this."))
    if target is None or (isinstance(target, User) and target.is_erased):
        raise Invalid(_("There is no such message, thread or account."))
    if isinstance(target, Post) and target.is_erased:
        raise Invalid(_("This message was removed at its author's request."))
    received_by = (received_by or "").strip()
    if not received_by:
        raise Invalid(_("Say how the request was received (e-mail, letter, from whom)."))
    if len(received_by) > RECEIVED_BY_MAX:
        raise Invalid(_("The text is too long (at most %(count)d characters).", count=RECEIVED_BY_MAX))
    reason = _reason(reason)
    owner = _owner_of(target)
    request = _create(
        target,
        requester=owner,
        reason=reason,
        include_posts=include_posts,
        recorded_by=by,
        received_by=received_by,
    )
    audit.record(
        by, "deletion.record", request, scope=request.scope.value, requester_id=owner.id, **_target_columns(target)
    )
    _tell(request, "deletion_recorded")
    db.session.flush()
    return request


# Reading -----------------------------------------------------------------------


def get_request(request_id):
    return db.session.get(DeletionRequest, request_id)


def queue(status=None):
    """The deciders' list: pending requests first, then the others, oldest first within each."""
    query = select(DeletionRequest).options(
        joinedload(DeletionRequest.requester), joinedload(DeletionRequest.recorded_by)
    )
    if status is not None:
        query = query.where(DeletionRequest.status == status)
    pending_first = (DeletionRequest.status != DeletionStatus.pending).label("decided")
    return db.session.scalars(query.order_by(pending_first, DeletionRequest.created_at, DeletionRequest.id)).all()


def requests_of(user):
    """A member's own requests, newest first."""
    return db.session.scalars(
        select(DeletionRequest)
        .where(DeletionRequest.requester_id == user.id)
        .order_by(DeletionRequest.created_at.desc(), DeletionRequest.id.desc())
    ).all()


def posts_concerned(request):
    """The posts a request would erase, in thread order (none for an account without its posts)."""
    if request.scope == DeletionScope.post:
        return [request.post] if request.post is not None else []
    if request.scope == DeletionScope.thread:
        if request.thread_id is None:
            return []
        condition = Post.thread_id == request.thread_id
    elif request.include_posts:
        condition = Post.author_id == request.requester_id
    else:
        return []
    return db.session.scalars(
        select(Post).where(condition).options(joinedload(Post.thread)).order_by(Post.thread_id, Post.number)
    ).all()


def quoting_posts(request):
    """Other posts that quote or link to the posts of the request (before or after it is carried out)."""
    ids = request.quoting_post_ids or []
    if not ids:
        return []
    return db.session.scalars(
        select(Post).where(Post.id.in_(ids)).options(joinedload(Post.thread)).order_by(Post.thread_id, Post.number)
    ).all()


# Deciding ----------------------------------------------------------------------


@dataclass
class Decision:
    """What a decision did: the request, the posts erased and the posts that quote them (for the moderator)."""

    request: DeletionRequest
    erased_posts: list = field(default_factory=list)
    quoting_post_ids: list = field(default_factory=list)


def _claim(request, by, status, **values):
    if not policy.can_decide_deletion(by):
        raise NotAllowed(_("You cannot do this."))
    now = clock.now()
    won = claim_transition(
        request, "status", DeletionStatus.pending, status=status, decided_by_id=by.id, decided_at=now, **values
    )
    if not won:
        raise Invalid(_("This request has already been decided."))
    return now


def carry_out(request, *, by, note=None):
    """Erase everything the request asks for; the requester is told. NotAllowed for non-deciders."""
    note = (note or "").strip() or None
    if note is not None and len(note) > REASON_MAX:
        raise Invalid(_("The text is too long (at most %(count)d characters).", count=REASON_MAX))
    posts = posts_concerned(request)
    return _decide(request, by, DeletionStatus.carried_out, note, posts, whole=True)


def carry_out_partly(request, *, by, note, post_ids):
    """Erase only the chosen posts of a thread or account request (an account's personal data always go)."""
    note = _reason(note, _("Say what was not carried out and why: the member will read it."))
    if request.scope == DeletionScope.post:
        raise Invalid(_("A single message is either erased or not: carry out or refuse the request."))
    chosen = {int(post_id) for post_id in post_ids or ()}
    posts = [post for post in posts_concerned(request) if post.id in chosen]
    if not posts and request.scope == DeletionScope.thread:
        raise Invalid(_("Choose the messages to erase."))
    return _decide(request, by, DeletionStatus.partly_carried_out, note, posts, whole=False)


def _decide(request, by, status, note, posts, *, whole):
    posts = [post for post in posts if not post.is_erased]
    quoting = find_quoting_posts(posts)
    now = _claim(request, by, status, decision_note=note, quoting_post_ids=quoting)
    erased_ids = [post.id for post in posts]
    for post in posts:
        erase_post(post, now=now)
    thread = request.thread if request.scope == DeletionScope.thread else None
    title_erased = False
    if thread is not None and (whole or any(post.number == 1 for post in posts)):
        erase_thread_title(thread)
        title_erased = True
    account_erased = False
    if request.scope == DeletionScope.account and not request.requester.is_erased:
        _tell_before_account_goes(request, status, note)
        erase_account(request.requester, now=now)
        account_erased = True
    audit.record(
        by,
        "deletion.carry_out" if whole else "deletion.carry_out_partly",
        request,
        reason=note,
        scope=request.scope.value,
        requester_id=request.requester_id,
        post_ids=erased_ids,
        thread_id=request.thread_id,
        title_erased=title_erased,
        account_erased=account_erased,
        quoting_post_ids=quoting,
    )
    if not account_erased:
        _tell(request, "deletion_carried_out" if whole else "deletion_partly_carried_out", note=note or "")
    db.session.flush()
    return Decision(request, erased_ids, quoting)


def refuse(request, *, by, reason, clause):
    """Refuse a request, giving a reason and citing a clause of the usage protocol; the requester is told."""
    if not policy.can_decide_deletion(by):
        raise NotAllowed(_("You cannot do this."))
    reason = _reason(reason, _("Give a reason: the member will read it."))
    clause, version = protocol.check_clause(clause)
    _claim(request, by, DeletionStatus.refused, decision_note=reason, clause=clause, protocol_version=version.number)
    audit.record(
        by,
        "deletion.refuse",
        request,
        reason=reason,
        clause=clause,
        protocol_version=version.number,
        scope=request.scope.value,
        requester_id=request.requester_id,
    )
    _tell(request, "deletion_refused", reason=reason, clause=clause)
    db.session.flush()
    return Decision(request)


def _tell_before_account_goes(request, status, note):
    """An erased account has no address left: the last e-mail goes before the erasure, to no account."""
    user = request.requester

    def subject():
        return _("CDIP forum: your account is deleted")

    def body():
        text = _(
            "As you asked, your account on the CDIP forum and your personal data have been deleted. "
            "Your messages are shown as those of a former delegate of your member state."
        )
        if request.include_posts:
            text = _(
                "As you asked, your account on the CDIP forum, your personal data and your messages have been deleted."
            )
        return f"{text}\n\n{note}\n" if note else f"{text}\n"

    message = queue_email_for(user, subject, body, kind="deletion_carried_out")
    # Not linked to the account: the row must not keep pointing at a person who asked to be forgotten.
    message.user_id = None
    return message


# Finding quotes ------------------------------------------------------------------


def _like_fragment(text):
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _quote_fragments(post):
    """Lines of the post long enough that finding one in another post means it was quoted."""
    lines = [" ".join(line.split()) for line in (post.source or "").splitlines()]
    return [line[:80] for line in lines if len(line) >= QUOTE_FRAGMENT][:3]


def find_quoting_posts(posts):
    """Ids of other, unerased posts that quote or link to `posts` (a reply with quote, a link, a copied line)."""
    if not posts:
        return []
    ids = [post.id for post in posts]
    conditions = [Post.reply_to_id.in_(ids)]
    for post in posts:
        conditions.append(Post.source.like(f"%/p/{post.id}%"))
        conditions.extend(Post.source.like(_like_fragment(line), escape="\\") for line in _quote_fragments(post))
    found = db.session.scalars(
        select(Post).where(or_(*conditions), Post.id.not_in(ids), Post.erased_at.is_(None)).order_by(Post.id)
    ).all()
    return [candidate.id for candidate in found if _quotes_any(candidate, posts)]


def _quotes_any(candidate, posts):
    source = candidate.source or ""
    flat = " ".join(source.split())
    for post in posts:
        if re.search(rf"/p/{post.id}(?!\d)", source):
            return True
        if candidate.reply_to_id == post.id and re.search(r"^\s*>", source, re.MULTILINE):
            return True
        if any(fragment in flat for fragment in _quote_fragments(post)):
            return True
    return False


# Erasing -------------------------------------------------------------------------


def erase_post(post, *, now=None):
    """Erase a post's text and its revisions for good, leaving a tombstone; other copies of it go too.

    Other branches may call this; `Post.erased_at` (and `Post.is_erased`) say a post was erased.
    """
    now = now or clock.now()
    _scrub_pending_emails(post)
    db.session.execute(delete(PostRevision).where(PostRevision.post_id == post.id))
    db.session.execute(delete(Mention).where(Mention.post_id == post.id))
    # Reports about a text that no longer exists have nothing left for a moderator to judge.
    db.session.execute(
        update(Flag)
        .where(Flag.post_id == post.id, Flag.status == FlagStatus.open)
        .values(status=FlagStatus.dismissed, handled_at=now)
    )
    post.source = ""
    post.html = ""
    post.state = PostState.removed
    post.state_reason = None
    post.state_clause = None
    post.erased_at = now
    db.session.flush()
    # An erased post has no search entry at all.
    search.forget_post(post)
    return post


def erase_thread_title(thread):
    """Replace a thread's title by the tombstone title, in the room's language; notifications follow."""
    old_title = thread.title
    room_locale = thread.room.language_code
    locale = room_locale if room_locale in current_app.config.get("FORUM_UI_LOCALES", ()) else "en"
    with force_locale(locale):
        new_title = erased_thread_title()
    thread.title = new_title
    _rewrite_notification_params(old_title, lambda reader: new_title)
    _scrub_pending_emails_containing(old_title)
    db.session.flush()
    # The flush reindexed the thread's posts under the new title, erased ones included: those go again.
    erased = select(Post.id).where(Post.thread_id == thread.id, Post.erased_at.is_not(None))
    db.session.execute(delete(SearchEntry).where(SearchEntry.post_id.in_(erased)))
    return thread


def erase_account(user, *, now=None):
    """Remove a member's personal data; their posts stay, shown as "Former delegate of <member state>".

    The row stays (posts need an author); the name, the address, the password,
    the second factor, tokens, settings, feeds, watches and sessions go.
    """
    from forum.calendar.models import CalendarFeed
    from forum.members.models import DirectoryListing
    from forum.twofactor.models import RecoveryCode, TotpFactor, WebAuthnCredential

    now = now or clock.now()
    old_name = user.stored_display_name
    placeholder = f"erased-{user.id}@erased.invalid"
    for model in (
        AccountToken, TotpFactor, WebAuthnCredential, RecoveryCode, CalendarFeed, NotificationSetting,
        NotificationPreferences, Digest, Mention, Watch, ReadMarker, DirectoryListing, Notification,
    ):  # fmt: skip
        db.session.execute(delete(model).where(model.user_id == user.id))
    db.session.execute(
        delete(OutgoingEmail).where(OutgoingEmail.user_id == user.id, OutgoingEmail.status == EmailStatus.pending)
    )
    db.session.execute(update(OutgoingEmail).where(OutgoingEmail.user_id == user.id).values(to=placeholder))
    user.email = placeholder
    user.stored_display_name = ""
    user.password_hash = None
    user.second_factor_enabled = False
    user.organisation = None
    user.locale = None
    user.timezone = None
    user.active = False
    user.is_coordinator = False
    user.erased_at = now
    user.end_sessions()
    db.session.flush()
    if old_name:
        # Others' notifications named them ("X replied…"): each now reads the placeholder in its reader's language.
        _rewrite_notification_params(old_name, _former_name_for(user))
        _scrub_pending_emails_containing(old_name)
    return user


def _former_name_for(user):
    from forum.erasure.names import former_member_name

    def name(reader):
        with force_locale(reader.locale):
            return former_member_name(user)

    return name


def _rewrite_notification_params(old_value, new_value_for):
    """Notifications whose parameters repeat `old_value` (a title, a name) get `new_value_for(recipient)` instead."""
    if not old_value:
        return
    # Stored JSON escapes non-ASCII characters; look for the value as JSON writes it.
    escaped = json.dumps(old_value)[1:-1]
    params_text = cast(Notification.params, String)
    found = db.session.scalars(
        select(Notification).where(
            or_(
                params_text.like(_like_fragment(escaped), escape="\\"),
                params_text.like(_like_fragment(old_value), escape="\\"),
            )
        )
    ).all()
    for notification in found:
        params = dict(notification.params or {})
        replacement = new_value_for(Reader.of(db.session.get(User, notification.user_id)))
        changed = {key: replacement for key, value in params.items() if value == old_value}
        if changed:
            notification.params = {**params, **changed}


def _scrub_pending_emails(post):
    """Pending e-mails that show the post (a notification, a digest) are withdrawn: the text must not leave."""
    link = re.compile(rf"/p/{post.id}(?!\d)")
    fragments = _email_fragments(post)
    for message in _pending_emails():
        texts = (message.body or "", message.html_body or "", message.redacted_body or "")
        if any(link.search(text) for text in texts) or any(f in text for f in fragments for text in texts):
            db.session.delete(message)


def _email_fragments(post):
    excerpt = plain_excerpt(post.source or "", 60).rstrip("…").strip()
    return [excerpt] if len(excerpt) >= 8 else []


def _scrub_pending_emails_containing(text):
    if not text or len(text) < 4:
        return
    for message in _pending_emails():
        if any(text in (part or "") for part in (message.subject, message.body, message.html_body)):
            db.session.delete(message)


def _pending_emails():
    return db.session.scalars(select(OutgoingEmail).where(OutgoingEmail.status == EmailStatus.pending)).all()


# Reminders -----------------------------------------------------------------------


def deciders():
    """Who decides deletion requests: active chief moderators and administrators."""
    return db.session.scalars(
        select(User).where(User.role.in_((Role.moderator, Role.admin)), User.active, User.erased_at.is_(None))
    ).all()


def remind_deciders(now):
    """E-mail the deciders once about each request waiting more than DELETION_REMINDER_DAYS; returns those."""
    days = current_app.config.get("DELETION_REMINDER_DAYS", 14)
    waiting = db.session.scalars(
        select(DeletionRequest)
        .where(
            DeletionRequest.status == DeletionStatus.pending,
            DeletionRequest.reminder_sent_at.is_(None),
            DeletionRequest.created_at <= now - timedelta(days=days),
        )
        .order_by(DeletionRequest.created_at, DeletionRequest.id)
    ).all()
    # Claimed one by one, so two workers running at once never remind twice about the same request.
    claimed = [
        request for request in waiting if claim_transition(request, "reminder_sent_at", None, reminder_sent_at=now)
    ]
    if not claimed:
        return []
    link = absolute_url("erasure.queue")

    def body():
        waiting_text = ngettext(
            "%(num)d deletion request has waited more than %(days)d days for a decision.",
            "%(num)d deletion requests have waited more than %(days)d days for a decision.",
            len(claimed),
            days=days,
        )
        return f"{waiting_text}\n\n{link}\n"

    for user in deciders():
        if policy.can_receive_email(user):
            queue_email_for(
                user, lambda: _("CDIP forum: deletion requests are waiting"), body, kind="deletion_reminder"
            )
    return claimed


def waiting_count():
    return db.session.scalar(
        select(func.count(DeletionRequest.id)).where(DeletionRequest.status == DeletionStatus.pending)
    )
