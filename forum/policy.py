"""Who may do what: every permission question in the forum is a function here.

Services, views and templates (through a context processor) ask these
predicates and nothing else, so the rules of DESIGN.md §3 can be read and
audited in one place. Each predicate takes the acting user first; an
anonymous user (Flask-Login's AnonymousUserMixin) is always refused.
"""

from functools import wraps

from flask import abort, g, has_request_context
from sqlalchemy import Integer, and_, bindparam, exists, false, or_, select, true

from forum import clock
from forum.accounts.models import Role
from forum.dbtypes import UTCDateTime
from forum.discussions.models import Discussion, DiscussionText
from forum.guests.models import running_guest_access
from forum.proposals.models import ACCEPTABLE_STATUSES, CONSIDERABLE_STATUSES, DECLINABLE_STATUSES
from forum.protocol.models import has_accepted_current_version
from forum.rooms.models import Language, Room
from forum.threads.models import Post, PostState, Thread, ThreadStatus

MODERATOR_ROLES = {Role.moderator, Role.admin}
MEMBER_ROLES = {Role.delegate, Role.staff, Role.language_moderator, Role.moderator, Role.admin}


def _signed_in(user):
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.active)


def is_member(user):
    """Member-state delegates and Secretariat accounts: everyone but guests."""
    return _signed_in(user) and user.role in MEMBER_ROLES


def is_guest(user):
    return _signed_in(user) and user.role == Role.guest


def is_chief_moderator(user):
    return _signed_in(user) and user.role in MODERATOR_ROLES


def is_admin(user):
    return _signed_in(user) and user.role == Role.admin


def can_write(user):
    """Signed in, activated and not suspended: may create content at all."""
    return _signed_in(user) and user.is_activated and not user.is_suspended


def can_receive_email(user):
    """Notifications are e-mailed only to active accounts that can sign in (guests too), never to others."""
    return _signed_in(user) and user.is_activated


# Rooms and threads -----------------------------------------------------------


def can_read_room(user, room):
    return is_member(user) and (room.language.active or can_moderate_room(user, room))


def can_read_thread(user, thread):
    # A cancelled weekly discussion never opens: its prepared threads stay closed to everyone, moderators too.
    if thread.in_cancelled_discussion:
        return False
    if is_guest(user):
        return _guest_may_read_thread(user, thread)
    if not can_read_room(user, thread.room):
        return False
    if thread.status == ThreadStatus.scheduled:
        # Scheduled weekly discussions are prepared in private by moderators.
        return can_moderate_room(user, thread.room)
    return True


def can_mark_all_read(user):
    """Mark every thread one may read (or a room's) as read at once: members, who have the Latest list."""
    return is_member(user)


def can_start_thread(user, room):
    if not (can_write(user) and can_read_room(user, room)):
        return False
    if room.closed or room.moderators_only:
        return can_moderate_room(user, room)
    return True


def can_post(user, thread):
    """May reply: the thread is open, the room is open and the user may write."""
    return (
        can_write(user)
        and can_read_thread(user, thread)
        and thread.status == ThreadStatus.open
        and not thread.room.closed
    )


def can_edit_post(user, post):
    return (
        can_write(user)
        and post.author_id == user.id
        and post.state in (PostState.visible, PostState.held)
        and can_post(user, post.thread)
    )


def can_see_revisions(user, post):
    return _signed_in(user) and (post.author_id == user.id or can_moderate_room(user, post.thread.room))


def can_see_post_body(user, post):
    """Hidden and held posts are shown only to their author and the room's moderators."""
    if post.state == PostState.visible:
        return True
    if post.state == PostState.removed:
        return False
    return _signed_in(user) and (post.author_id == user.id or can_moderate_room(user, post.thread.room))


class PostActions:
    """The post predicates above for every post of one thread, with the per-thread part decided once.

    A thread page asks five questions of each of its posts; all but the post's
    own author and state depend only on the reader and the thread, so they are
    answered here once per page. Each method gives what the predicate of the
    same name gives for a post of `thread`.
    """

    def __init__(self, user, thread):
        self.user_id = user.id if _signed_in(user) else None
        self.writes = can_write(user)
        self.reads = can_read_thread(user, thread)
        self.posts = can_post(user, thread)
        self.moderates = self.user_id is not None and can_moderate_room(user, thread.room)
        self.asks_deletions = can_ask_for_deletions(user)

    def can_edit_post(self, post):
        return self.posts and post.author_id == self.user_id and post.state in (PostState.visible, PostState.held)

    def can_see_revisions(self, post):
        return self.user_id is not None and (post.author_id == self.user_id or self.moderates)

    def can_see_post_body(self, post):
        if post.state == PostState.visible:
            return True
        if post.state == PostState.removed:
            return False
        return self.user_id is not None and (post.author_id == self.user_id or self.moderates)

    def can_flag_post(self, post):
        return self.writes and post.state == PostState.visible and post.author_id != self.user_id and self.reads

    def can_moderate_post(self, post):
        return self.writes and self.moderates

    def can_request_deletion(self, post):
        return self.asks_deletions and self.reads and post.author_id == self.user_id and post.state != PostState.removed


# Moderation ------------------------------------------------------------------


def can_moderate_language(user, language_code):
    if is_chief_moderator(user):
        return True
    return _signed_in(user) and user.role == Role.language_moderator and language_code in user.moderated_language_codes


def can_moderate_room(user, room):
    return can_moderate_language(user, room.language_code)


def can_moderate_thread(user, thread):
    """Pin, close, reopen: a write, so a suspended moderator makes none."""
    return can_write(user) and can_moderate_room(user, thread.room)


def can_move_thread(user, thread, target_room):
    # Into an active room only: a thread moved into a deactivated language's room would vanish for its readers.
    return can_moderate_thread(user, thread) and can_moderate_room(user, target_room) and target_room.language.active


def _moderated_codes(user):
    """The language codes `user` moderates as a language moderator (chief moderators: see callers)."""
    if not _signed_in(user) or user.role != Role.language_moderator:
        return set()
    return user.moderated_language_codes


# The same rules in SQL, for lists and searches. Each is the exact SQL form of
# the predicate named in its docstring; tests/test_policy_scopes.py checks on a
# varied set of rooms and threads that both forms agree for every role.


def moderated_rooms(user):
    """SQL condition on Room: the rooms `user` moderates (`can_moderate_room`)."""
    if is_chief_moderator(user):
        return true()
    codes = _moderated_codes(user)
    return Room.language_code.in_(sorted(codes)) if codes else false()


def readable_rooms(user):
    """SQL condition on Room: the rooms `user` may read (`can_read_room`)."""
    if not is_member(user):
        return false()
    active = Room.language_code.in_(select(Language.code).where(Language.active))
    return or_(active, moderated_rooms(user))


def not_in_cancelled_discussion():
    """SQL condition on Thread: not a thread of a cancelled weekly discussion (`Thread.in_cancelled_discussion`).

    As a NOT IN on the few cancelled discussions rather than NOT EXISTS: PostgreSQL estimated the anti-join
    of NOT EXISTS at one row whatever the number of threads, and so sorted every thread for a page of the
    latest ones instead of walking their index.
    """
    cancelled = select(Discussion.id).where(Discussion.cancelled_at.is_not(None))
    return or_(Thread.discussion_id.is_(None), Thread.discussion_id.not_in(cancelled))


def readable_threads(user, now=None):
    """SQL condition on Thread: the threads `user` may read (`can_read_thread`), without joins."""
    now = clock.now() if now is None else now
    not_scheduled = or_(Thread.opens_at.is_(None), Thread.opens_at <= now)
    if is_guest(user):
        return and_(_guest_readable_threads(user, not_scheduled), not_in_cancelled_discussion())
    if not is_member(user):
        return false()
    readable = Thread.room_id.in_(select(Room.id).where(readable_rooms(user)))
    moderated = Thread.room_id.in_(select(Room.id).where(moderated_rooms(user)))
    return and_(readable, or_(not_scheduled, moderated), not_in_cancelled_discussion())


def readable_threads_of_listed_room(user, now=None):
    """SQL condition on Thread, correlated to the Room of an enclosing query that lists rooms a member may
    read (the home page's active rooms): `readable_threads` for that room's threads, with no subquery on
    rooms that the correlation would confuse. Members only (guests never see the list of rooms)."""
    if not is_member(user):
        return false()
    now = clock.now() if now is None else now
    not_scheduled = or_(Thread.opens_at.is_(None), Thread.opens_at <= now)
    return and_(Thread.room_id == Room.id, or_(not_scheduled, moderated_rooms(user)), not_in_cancelled_discussion())


def readable_threads_in_room(user, room, now=None, room_id=None):
    """SQL condition on Thread: `readable_threads` for the threads of one `room` the user may read
    (`can_read_room`), in the few terms that room leaves (a room page's queries). `room_id` stands for the
    room's id in the SQL (ROOM, for a statement built once: `room_scope_key`)."""
    room_id = room.id if room_id is None else room_id
    if is_guest(user) or not can_read_room(user, room):
        return and_(Thread.room_id == room_id, readable_threads(user, now))
    now = clock.now() if now is None else now
    visible = [Thread.room_id == room_id, not_in_cancelled_discussion()]
    if not can_moderate_room(user, room):
        # Scheduled threads are the room's moderators' until they open.
        visible.append(or_(Thread.opens_at.is_(None), Thread.opens_at <= now))
    return and_(*visible)


# Statements built once per kind of reader ------------------------------------
#
# A page's statements are long (the scopes above, joins, subqueries) and SQLAlchemy spends more time building
# one and deriving its cache key than SQLite spends running it: on the home page, about half of the request.
# The scopes depend on the reader only through `scope_key`, and on the reader's id and the time, which a
# statement takes as the parameters READER and NOW. So such a statement is built once per key and process.

READER = bindparam("reader", type_=Integer)
NOW = bindparam("now", type_=UTCDateTime())
ROOM = bindparam("room", type_=Integer)


def scope_key(user):
    """What the SQL scopes above depend on, besides the reader's id and the time; None for a guest, whose
    scope names their own discussions (never shared)."""
    if not _signed_in(user):
        return "nobody"
    if is_guest(user):
        return None
    if not is_member(user):
        return "nobody"
    if is_chief_moderator(user):
        return "chief moderator"
    return ("member", tuple(sorted(_moderated_codes(user))))


def room_scope_key(user, room):
    """What `readable_threads_in_room` depends on besides the room's id (ROOM) and the time (NOW): whether
    the reader moderates the room; None for anyone but a member who reads it (a guest)."""
    if not (is_member(user) and can_read_room(user, room)):
        return None
    return ("room reader", can_moderate_room(user, room))


_BUILT = {}


def built_once(key, build):
    """The statement `build()` returns, built once per `key` and process (at most 256 kept); built on every
    call when `key` is None. Whatever the statement depends on must be in `key` or among its parameters."""
    if key is None:
        return build()
    found = _BUILT.get(key)
    if found is None:
        if len(_BUILT) >= 256:
            _BUILT.clear()
        found = _BUILT[key] = build()
    return found


def built_per_scope(build):
    """Decorator for `build(user)`, which returns a statement that depends on `user` only through `scope_key`
    and the parameters READER and NOW: built once per key, and on every call for a guest (`built_once`).
    Execute the result with `scope_parameters(user, now)`."""

    @wraps(build)
    def statement(user):
        key = scope_key(user)
        return built_once(None if key is None else (build, key), lambda: build(user))

    return statement


def scope_parameters(user, now=None, **parameters):
    """The parameters of a statement from `built_per_scope`: the reader's id, the time, and any others."""
    return {"reader": user.id, "now": now or clock.now(), **parameters}


def _guest_readable_threads(user, not_scheduled, discussion_column=Thread.discussion_id, room_column=Thread.room_id):
    access = guest_access(user)
    if not access:
        return false()
    allowed = []
    for discussion_id, codes in access.items():
        rooms = select(Room.id).join(Language, Language.code == Room.language_code).where(Language.active)
        if codes:
            rooms = rooms.where(Room.language_code.in_(sorted(codes)))
        allowed.append(and_(discussion_column == discussion_id, room_column.in_(rooms)))
    return and_(or_(*allowed), not_scheduled)


# Posts, for search (forum.search) --------------------------------------------


def can_read_post(user, post):
    """May see a post's text: reads its thread, and the post is published, or theirs, or in a room they moderate."""
    return can_read_thread(user, post.thread) and can_see_post_body(user, post)


def readable_posts(user, now=None):
    """SQL condition on Post: the posts whose text `user` may see (`can_read_post`), without joins."""
    in_readable_thread = Post.thread_id.in_(select(Thread.id).where(readable_threads(user, now)))
    visible = Post.state == PostState.visible
    if _signed_in(user):
        moderated_threads = select(Thread.id).where(Thread.room_id.in_(select(Room.id).where(moderated_rooms(user))))
        # Hidden and held posts: to their author and to the room's moderators (marked as such in results).
        own_or_moderated = or_(Post.author_id == user.id, Post.thread_id.in_(moderated_threads))
        visible = or_(visible, and_(Post.state.in_((PostState.hidden, PostState.held)), own_or_moderated))
    return and_(in_readable_thread, visible)


def readable_copied_posts(user, copy, now=None):
    """SQL condition on a table holding copies of each post's facts (`can_read_post`), without joins.

    `copy` (forum.search's SearchEntry) has the columns room_id, opens_at,
    discussion_id (the thread's), post_state and author_id (the post's); a row
    whose post_state is None (a discussion's summary) is published and follows
    its thread alone. The same rules as `readable_threads` and `readable_posts`,
    on the copies: only the rooms, cancelled discussions and guests' access are
    looked up, each once per query.
    """
    now = clock.now() if now is None else now
    not_scheduled = or_(copy.opens_at.is_(None), copy.opens_at <= now)
    cancelled = select(Discussion.id).where(Discussion.cancelled_at.is_not(None))
    not_cancelled = or_(copy.discussion_id.is_(None), copy.discussion_id.not_in(cancelled))
    published = or_(copy.post_state.is_(None), copy.post_state == PostState.visible)
    if is_guest(user):
        thread = _guest_readable_threads(user, not_scheduled, copy.discussion_id, copy.room_id)
        own = and_(copy.post_state.in_((PostState.hidden, PostState.held)), copy.author_id == user.id)
        return and_(thread, not_cancelled, or_(published, own))
    if not is_member(user):
        return false()
    moderated = copy.room_id.in_(select(Room.id).where(moderated_rooms(user)))
    readable = copy.room_id.in_(select(Room.id).where(readable_rooms(user)))
    own_or_moderated = or_(copy.author_id == user.id, moderated)
    unpublished = and_(copy.post_state.in_((PostState.hidden, PostState.held)), own_or_moderated)
    return and_(readable, or_(not_scheduled, moderated), not_cancelled, or_(published, unpublished))


def is_moderator_of_any_language(user):
    return is_chief_moderator(user) or (
        _signed_in(user) and user.role == Role.language_moderator and bool(user.moderated_languages)
    )


# Weekly discussions and topic proposals (forum.discussions, forum.proposals) ------------------------
#
# The language-moderator rule: a language moderator runs a weekly discussion
# (schedules, edits, reschedules, closes, summarises, invites experts) only
# when EVERY language it runs in is one they moderate. A discussion in French
# alone is the French language moderator's; one in English and French belongs
# to the chief moderator (or to a language moderator of both). Proposals follow
# the same rule through their preferred languages; a proposal naming none is
# for the chief moderator.


def can_view_topics(user):
    return is_member(user)


def can_schedule_discussions(user):
    """May open the form for a new weekly discussion (in at least one language)."""
    return can_write(user) and is_moderator_of_any_language(user)


def can_manage_discussion_languages(user, language_codes):
    """May run a discussion (or handle a proposal) in exactly these content languages."""
    if not can_write(user):
        return False
    if is_chief_moderator(user):
        return True
    codes = set(language_codes)
    return user.role == Role.language_moderator and bool(codes) and codes <= user.moderated_language_codes


def can_manage_discussion(user, discussion):
    return can_manage_discussion_languages(user, discussion.language_codes)


def can_invite_expert(user, discussion):
    """Experts are asked into a discussion that has not closed (or been cancelled), by whoever runs it."""
    return can_manage_discussion(user, discussion) and discussion.status in (ThreadStatus.scheduled, ThreadStatus.open)


def can_have_calendar_feed(user):
    """A private calendar feed of the discussions one may know of: every activated account, guests too."""
    return (is_member(user) or is_guest(user)) and user.is_activated


def can_cancel_discussion(user, discussion):
    """Whoever may change its times calls a discussion off, as long as it has not opened."""
    return can_manage_discussion(user, discussion) and discussion.status == ThreadStatus.scheduled


def can_see_discussion(user, discussion):
    """May know of a discussion: its titles and times (calendar feeds, `.ics` downloads).

    Members, for a discussion in at least one language whose rooms they read
    (an active one, or one they moderate); a guest, for a discussion their
    running invitation covers, in an active language it names.
    """
    if is_guest(user):
        return any(
            text.language.active and guest_may_use_language(user, discussion.id, text.language_code)
            for text in discussion.texts
        )
    return is_member(user) and any(
        text.language.active or can_moderate_language(user, text.language_code) for text in discussion.texts
    )


def visible_discussions(user):
    """SQL condition on Discussion: the discussions `user` may know of (`can_see_discussion`)."""
    active = DiscussionText.language_code.in_(select(Language.code).where(Language.active))
    if is_guest(user):
        allowed = []
        for discussion_id, codes in guest_access(user).items():
            languages = and_(active, DiscussionText.language_code.in_(sorted(codes))) if codes else active
            allowed.append(and_(Discussion.id == discussion_id, _has_text(languages)))
        return or_(*allowed) if allowed else false()
    if not is_member(user):
        return false()
    if is_chief_moderator(user):
        return _has_text(true())
    codes = _moderated_codes(user)
    moderated = DiscussionText.language_code.in_(sorted(codes)) if codes else false()
    return _has_text(or_(active, moderated))


def _has_text(condition):
    return exists().where(DiscussionText.discussion_id == Discussion.id, condition)


def can_propose_topic(user):
    return can_write(user) and is_member(user)


def can_act_for_group(user):
    """A regional group coordinator (a delegate flagged by an admin) may propose and endorse for the group."""
    return (
        can_propose_topic(user)
        and user.role == Role.delegate
        and user.is_coordinator
        and user.member_state_id is not None
    )


def can_endorse(user, proposal):
    """Members support others' proposals while they are still being considered."""
    return can_write(user) and is_member(user) and proposal.is_pending and proposal.proposer_id != user.id


def can_handle_proposal(user, proposal):
    """Set under consideration, accept or decline."""
    return can_manage_discussion_languages(user, proposal.preferred_languages or ())


def can_consider_proposal(user, proposal):
    """Put a submitted proposal under consideration."""
    return can_handle_proposal(user, proposal) and proposal.status in CONSIDERABLE_STATUSES


def can_accept_proposal(user, proposal):
    return can_handle_proposal(user, proposal) and proposal.status in ACCEPTABLE_STATUSES


def can_decline_proposal(user, proposal):
    return can_handle_proposal(user, proposal) and proposal.status in DECLINABLE_STATUSES


def can_schedule_proposal(user, proposal):
    """Turn an accepted proposal into a weekly discussion (in the user's languages only)."""
    return can_handle_proposal(user, proposal) and can_schedule_discussions(user) and proposal.status.is_accepted


def can_see_decline_reason(user, proposal):
    return _signed_in(user) and (proposal.proposer_id == user.id or is_moderator_of_any_language(user))


# The usage protocol and its enforcement (forum.protocol, forum.moderation) ----
#
# Chief moderators (moderator, admin) act everywhere. A language moderator acts
# on posts in rooms of their languages only, and on a user only through such a
# post (a warning). Suspensions, supervision and reversals are for the chief
# moderator. Moderation acts are writes: a suspended account makes none.


def has_accepted_protocol(user):
    """Has accepted the protocol version in force, which posting requires.

    Answered with the reader's account when the session loads it (`remember_protocol_answer`), else one query, at
    most once per request (kept on `g`): a reply asks it in the view and in the service, a thread page in the page
    and its form. Accepting or publishing a version forgets it
    (`forget_protocol_answer`).
    """
    if not _signed_in(user):
        return False
    if not has_request_context():
        return has_accepted_current_version(user.id)
    cached = g.get("_protocol_accepted")
    if cached is None or cached[0] != user.id:
        cached = (user.id, has_accepted_current_version(user.id))
        g._protocol_accepted = cached
    return cached[1]


def remember_protocol_answer(user_id, accepted):
    """The answer as loaded with the reader (forum.accounts.service): `has_accepted_protocol` needs no query."""
    if has_request_context():
        g._protocol_accepted = (user_id, accepted)


def forget_protocol_answer():
    """After an acceptance or a new version: `has_accepted_protocol` asks the database again."""
    if has_request_context():
        g.pop("_protocol_accepted", None)


def can_accept_protocol(user):
    return _signed_in(user) and user.is_activated


def can_publish_protocol(user):
    return is_admin(user)


def can_flag_post(user, post):
    """Whoever reads a published post may report it, except its author."""
    return (
        can_write(user)
        and post.state == PostState.visible
        and post.author_id != user.id
        and can_read_thread(user, post.thread)
    )


def can_see_moderation_queue(user):
    return is_moderator_of_any_language(user)


def can_moderate_post(user, post):
    """Hide, restore, approve a held post, handle its flags: the moderators of its room."""
    return can_write(user) and can_moderate_room(user, post.thread.room)


def _sanctionable_by(user, target):
    if target is None or target.id == user.id:
        return False
    if is_admin(user):
        return target.role != Role.admin
    if is_chief_moderator(user):
        return target.role not in MODERATOR_ROLES
    return target.role not in MODERATOR_ROLES | {Role.language_moderator}


def can_warn_user(user, target, post=None):
    """Chief moderators warn anyone below them; language moderators the author of a post they moderate."""
    if not (can_write(user) and _sanctionable_by(user, target)):
        return False
    if post is not None:
        return post.author_id == target.id and can_moderate_post(user, post)
    return is_chief_moderator(user)


def can_suspend_user(user, target):
    return can_write(user) and is_chief_moderator(user) and _sanctionable_by(user, target)


def can_view_user_record(user, target):
    """A user's sanctions and protocol acceptances."""
    return is_moderator_of_any_language(user)


def can_supervise_language_moderators(user):
    return is_chief_moderator(user)


def can_reverse_act(user, event):
    """The chief moderator reverses what a language moderator did."""
    return (
        can_write(user)
        and is_chief_moderator(user)
        and event.actor is not None
        and event.actor.role == Role.language_moderator
    )


def can_view_audit_log(user):
    return is_moderator_of_any_language(user)


def can_view_all_audit_events(user):
    """Chief moderators see every event; language moderators only their own acts."""
    return is_chief_moderator(user)


# Deletion requests (forum.erasure) --------------------------------------------------
#
# Clause 1.6 of the usage protocol: a member may ask for the deletion of their
# own posts, a thread they started, or their account, even while suspended.
# The chief moderator and administrators decide (and record requests received
# on paper or by e-mail); language moderators do not: an erasure cannot be
# undone, so it stays with those who answer for the whole forum.


def can_ask_for_deletions(user):
    """Has the pages of deletion requests (/erasure/mine): every activated account, guests too."""
    return _signed_in(user) and user.is_activated and user.erased_at is None


def can_request_deletion(user, target):
    """Ask for one's own post (not yet removed), thread or account to be erased."""
    from forum.accounts.models import User

    if not can_ask_for_deletions(user):
        return False
    if isinstance(target, Post):
        return (
            target.author_id == user.id and target.state != PostState.removed and can_read_thread(user, target.thread)
        )
    if isinstance(target, Thread):
        return target.author_id == user.id and can_read_thread(user, target)
    if isinstance(target, User):
        return target.id == user.id
    return False


def can_decide_deletion(user):
    """See the queue of deletion requests and carry them out or refuse them: the chief moderator and admins."""
    return can_write(user) and is_chief_moderator(user)


def can_record_deletion_request(user):
    """Record a request received by e-mail or letter on someone's behalf."""
    return can_decide_deletion(user)


# Administration --------------------------------------------------------------


def can_manage_accounts(user):
    return is_admin(user)


def can_view_outbox(user):
    return is_admin(user)


def can_retry_email(user):
    """Send a failed or waiting message again (the outbox's "retry now")."""
    return is_admin(user)


def can_manage_languages(user):
    return is_admin(user)


def can_manage_member_states(user):
    """Rename, regroup, add and deactivate member states (/admin/member-states)."""
    return is_admin(user)


# Member states (forum.members) ---------------------------------------------------


def can_view_delegations(user):
    """The directory of delegations is for members; guests and the public never see it."""
    return is_member(user)


def can_be_listed_in_directory(user):
    """Delegates of a member state may choose to appear in the directory of delegations."""
    return is_member(user) and user.role == Role.delegate and user.member_state_id is not None


# Usage statistics (forum.stats) ----------------------------------------------------
#
# The full statistics (guests by organisation, moderation figures) are for the
# chief moderators and administrators. Language moderators are refused (404):
# figures by member state and region span every language, and a per-language
# cut would still show who moderates how much. Every member may see the
# summary the committee would publish: aggregates by member state, regional
# group, language and category only, never a person.


def can_view_stats(user):
    return is_chief_moderator(user)


def can_view_stats_summary(user):
    return is_member(user)


# Second factor (forum.twofactor) ------------------------------------------------
#
# Language moderators, moderators and administrators act only once they have a
# second factor; delegates and Secretariat experts may add one.

SECOND_FACTOR_ROLES = {Role.language_moderator, Role.moderator, Role.admin}


def is_second_factor_required(user):
    return _signed_in(user) and user.role in SECOND_FACTOR_ROLES


def must_enrol_second_factor(user):
    """Signed in with a role that needs a second factor, and none is set up yet (no query)."""
    return is_second_factor_required(user) and not user.second_factor_enabled


def can_act(user):
    """May use the forum beyond enrolment: everyone signed in, staff roles once enrolled."""
    return _signed_in(user) and not must_enrol_second_factor(user)


def can_enrol_second_factor(user):
    return is_member(user)


def can_reset_second_factor(user, target):
    """Administrators reset another account's second factor (a lost phone)."""
    return is_admin(user) and target is not None and target.id != user.id


def can_view_security_events(user):
    return is_admin(user)


# Personal data (forum.dataexport) ----------------------------------------------


def can_export_data(user, target):
    """Everyone signed in downloads their own data (guests and suspended members too); administrators anyone's."""
    return _signed_in(user) and target is not None and (target.id == user.id or is_admin(user))


# Helpers ---------------------------------------------------------------------


def require(allowed):
    """Turn a refused permission into 403."""
    if not allowed:
        abort(403)


def found(obj):
    """`obj`, or 404 when it does not exist."""
    if obj is None:
        abort(404)
    return obj


def require_visible(allowed):
    """Turn a refused permission into 404, so ids reveal nothing (DESIGN.md §6)."""
    if not allowed:
        abort(404)


# Guests ----------------------------------------------------------------------
#
# A guest (an external stakeholder, forum.guests) reads and posts only in the
# language threads of the discussions they hold an accepted invitation for,
# while it runs: until the discussion closes, the invitation's end date passes
# or a moderator revokes it. Nothing is cached beyond one request, so each of
# these takes effect on the guest's next request.

# Endpoints a guest may request at all; the objects behind them are checked
# again by the predicates above. Everything else answers 404 to a guest.
GUEST_ENDPOINTS = {
    "accounts.logout",
    "accounts.profile",
    "main.home",
    "main.set_language",
    # Their own notifications (replies in the thread they follow): the header links there with the unread count.
    "main.notifications",
    "protocol.view",
    "protocol.accept",
    "threads.thread",
    "threads.reply",
    "threads.live",
    "threads.goto_post",
    "threads.first_unread",
    "threads.edit_post",
    "threads.post_revisions",
    "threads.watch",
    "moderation.flag_post",
    # A guest's own calendar link, on the profile (forum.calendar).
    "calendar.create_link",
    "calendar.revoke_link",
    # What they receive by e-mail (replies in the threads they follow).
    "notifications.settings",
    "search.results",
    # Their own data, and what the forum keeps of it and for how long.
    "dataexport.download",
    "retention.page",
}

# Who may ask for a guest (DESIGN.md §3): not staff, language moderators or guests.
GUEST_REQUESTER_ROLES = {Role.delegate, Role.moderator, Role.admin}


def guest_access(user):
    """{discussion id: frozenset of language codes, empty meaning all} that a guest may use now.

    One query, at most once per request (kept on `g` for the request only).
    """
    if not is_guest(user):
        return {}
    in_request = has_request_context()
    if in_request:
        cached = g.get("_guest_access")
        if cached is not None and cached[0] == user.id:
            return cached[1]
    access = running_guest_access(user.id, clock.now())
    if in_request:
        g._guest_access = (user.id, access)
    return access


def guest_may_use_language(user, discussion_id, language_code):
    """The guest's invitation to this discussion covers this language's thread."""
    languages = guest_access(user).get(discussion_id)
    return languages is not None and (not languages or language_code in languages)


def _guest_may_read_thread(user, thread):
    if thread.discussion_id is None or not guest_may_use_language(
        user, thread.discussion_id, thread.room.language_code
    ):
        return False
    return thread.room.language.active and thread.status != ThreadStatus.scheduled


def can_request_guest(user):
    """Delegates, moderators and administrators ask for a guest in a discussion."""
    return can_write(user) and user.role in GUEST_REQUESTER_ROLES


def can_assess_guest_request(user):
    """The chief moderator recommends or rejects a request, citing the protocol."""
    return can_write(user) and is_chief_moderator(user)


def can_approve_guest(user):
    """Administrators give the final approval (and send or resend the link)."""
    return can_write(user) and is_admin(user)


def can_revoke_guest(user):
    return can_write(user) and is_chief_moderator(user)


def can_view_guest_requests(user):
    """The requests page: chief moderators see every request, requesters their own."""
    return is_chief_moderator(user) or (is_member(user) and user.role in GUEST_REQUESTER_ROLES)


def can_see_all_guest_requests(user):
    return is_chief_moderator(user)


def can_view_guest_request(user, invitation):
    return is_chief_moderator(user) or (is_member(user) and invitation.requested_by_id == user.id)


def guest_may_use(endpoint):
    return endpoint in GUEST_ENDPOINTS


# What templates may ask.
TEMPLATE_PREDICATES = {
    name: value for name, value in dict(globals()).items() if name.startswith(("can_", "is_")) and callable(value)
}
