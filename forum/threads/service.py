"""Threads and posts: starting, replying, editing, reading, watching, moderating threads."""

from functools import lru_cache

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import Integer, and_, bindparam, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, lazyload
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from forum import audit, clock, database, policy
from forum.accounts.models import User
from forum.content import clean_line, render_markdown
from forum.errors import Invalid, NotAllowed
from forum.extensions import db
from forum.members.models import MemberState
from forum.notifications import mentions
from forum.notifications.preferences import follows_on_reply_condition
from forum.notifications.service import notify_all
from forum.rooms import service as rooms_service
from forum.threads import rules
from forum.threads.models import (
    Post,
    PostRevision,
    PostState,
    ReadMarker,
    Thread,
    ThreadKind,
    Watch,
)
from forum.urls import site_path


class ProtocolNotAccepted(Invalid):
    """The author has not accepted the usage protocol in force."""


def _check_text(title=None, body=None):
    if title is not None:
        # NFC, no bidi controls, no invisible-only title: a blank row in a room list can't be clicked.
        title = clean_line(title)
        if not title:
            raise Invalid(_("A title is required."))
        if len(title) > current_app.config["TITLE_MAX_LENGTH"]:
            raise Invalid(
                _("The title is too long (at most %(count)d characters).", count=current_app.config["TITLE_MAX_LENGTH"])
            )
    if body is not None:
        if not body.strip():
            raise Invalid(_("The message is empty."))
        if len(body) > current_app.config["POST_MAX_LENGTH"]:
            raise Invalid(
                _(
                    "The message is too long (at most %(count)d characters).",
                    count=current_app.config["POST_MAX_LENGTH"],
                )
            )
    return title


def start_thread(
    room, *, author, title, body, submission_key=None, kind=ThreadKind.member, opens_at=None, closes_at=None
):
    """Create a thread with its first post. Raises NotAllowed (403) or Invalid."""
    if not policy.can_start_thread(author, room):
        raise NotAllowed(_("You cannot start a thread in this room."))
    title = _check_text(title, body)
    # Before the posting rules: a resent form must find its thread, not trip the rate limit
    # that its first sending used up.
    existing = _post_for_submission(author, submission_key)
    if existing is not None:
        return existing.thread
    held = _enforce_protocol(author, room, body, title=title)
    now = clock.now()
    thread = Thread(
        room_id=room.id,
        room=room,
        title=title,
        author_id=author.id,
        kind=kind,
        created_at=now,
        last_post_at=now,
        opens_at=opens_at,
        closes_at=closes_at,
    )
    db.session.add(thread)
    db.session.flush()
    rooms_service.add_to_totals(room.id, threads=1)
    post = _append_post(thread, author=author, body=body, submission_key=submission_key, held=held)
    _follow_own_thread(author, thread)
    if post.state == PostState.visible:
        # No one follows a new thread yet but its author: only the people it mentions hear of it.
        mentions.notify_mentioned(post, mentions.resolve(body, thread))
    return thread


def reply(thread, *, author, body, reply_to=None, submission_key=None, html=None):
    """Add a post to an open thread. A resent form returns the post it already made.

    `html`, if given, is `preview_html(thread, body)` made beforehand (outside the write lock).
    """
    if not policy.can_post(author, thread):
        raise NotAllowed(_("You cannot reply to this thread."))
    _check_text(body=body)
    if reply_to is not None and reply_to.thread_id != thread.id:
        raise Invalid(_("The message you reply to is not in this thread."))
    # As in start_thread: the resent form's post is returned before the rate limit can refuse it.
    existing = _post_for_submission(author, submission_key)
    if existing is not None:
        return existing
    held = _enforce_protocol(author, thread.room, body)
    post = _append_post(
        thread, author=author, body=body, reply_to=reply_to, submission_key=submission_key, held=held, html=html
    )
    _follow_own_thread(author, thread)
    if post.state == PostState.visible:
        # Followers hear of a held post when a moderator approves it.
        announce_post(post)
    return post


def _follow_own_thread(author, thread):
    """Authors follow what they start or reply to, so they hear of the answers, unless they switched it off.

    One INSERT … SELECT … ON CONFLICT DO NOTHING under the write lock: it writes nothing when they follow
    already or switched it off.
    """
    parameters = {"follower": author.id, "thread": thread.id, "followed_at": clock.now()}
    db.session.execute(_follow_statement(database.dialect_name_of_session()), parameters)


@lru_cache(maxsize=2)
def _follow_statement(dialect_name):
    """_follow_own_thread's statement for `dialect_name`, with parameters (built once, as _SUBMITTED)."""
    follower = bindparam("follower", type_=Integer)
    insert = database.insert_on_conflict(Watch.__table__, dialect_name).from_select(
        ["user_id", "thread_id", "created_at"],
        select(
            follower, bindparam("thread", type_=Integer), bindparam("followed_at", type_=Watch.created_at.type)
        ).where(follows_on_reply_condition(follower)),
    )
    return insert.on_conflict_do_nothing()


def _enforce_protocol(author, room, body, *, title=None, new_post=True):
    """The protocol gate and the automatic rules; True if the post must wait for a moderator."""
    if not policy.has_accepted_protocol(author):
        raise ProtocolNotAccepted(_("Please read and accept the usage protocol before posting."))
    problem = (
        rules.title_refusal(author, room, title)
        or (rules.posting_too_fast(author, room) if new_post else None)
        or rules.too_many_links(author, room, body)
    )
    if problem:
        raise Invalid(problem)
    return rules.should_hold(author, room, body)


def _record_hold(post):
    # Not a person's act, but moderators and the supervision view see why the post waits.
    audit.record(
        None,
        "post.hold",
        post,
        terms=rules.blocked_terms_in(post.source),
        thread_id=post.thread_id,
        author_id=post.author_id,
    )


# The statements a reply runs under the write lock are built once per process, with parameters: building one
# (its clauses, then the key of SQLAlchemy's compiled-statement cache) cost several times what running it did.

# Almost always none: the author (with their state and group) is not joined in for nothing.
_SUBMITTED = (
    select(Post)
    .where(Post.author_id == bindparam("author_id"), Post.submission_key == bindparam("submission_key"))
    .options(lazyload(Post.author))
)
_threads = Thread.__table__
# The counter is bumped in the database, so concurrent replies get distinct numbers.
_NEXT_NUMBER = (
    update(_threads)
    .where(_threads.c.id == bindparam("thread"))
    .values(
        post_count=_threads.c.post_count + 1,
        last_post_at=bindparam("posted_at", type_=_threads.c.last_post_at.type),
        last_post_author_id=bindparam("poster", type_=Integer),
    )
    .returning(_threads.c.post_count)
)


def _post_for_submission(author, submission_key):
    if not submission_key:
        return None
    return db.session.scalar(_SUBMITTED, {"author_id": author.id, "submission_key": submission_key})


def _append_post(thread, *, author, body, reply_to=None, submission_key=None, held=False, html=None):
    now = clock.now()
    number = db.session.execute(_NEXT_NUMBER, {"thread": thread.id, "posted_at": now, "poster": author.id}).scalar_one()
    rooms_service.add_to_totals(thread.room_id, posts=1)
    post = Post(
        thread_id=thread.id,
        number=number,
        author_id=author.id,
        author=author,
        reply_to_id=reply_to.id if reply_to else None,
        source=body,
        html=html if html is not None else preview_html(thread, body),
        created_at=now,
        submission_key=submission_key or None,
        state=PostState.held if held else PostState.visible,
    )
    db.session.add(post)
    try:
        # A savepoint: if two sends of one form race, the loser's duplicate key fails alone and the
        # transaction stays usable to report it.
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise Invalid(_("This message was already sent.")) from None
    # Keep the in-memory thread in step without another query or a second UPDATE.
    set_committed_value(thread, "post_count", number)
    set_committed_value(thread, "last_post_at", now)
    set_committed_value(thread, "last_post_author_id", author.id)
    # One's own post is never "new" to oneself.
    mark_read(author, thread, number)
    if held:
        _record_hold(post)
    return post


def preview_html(thread, body):
    """A reply's or edit's preview, with its mentions shown as they will be once posted."""
    return render_markdown(body, mentions.display_names(mentions.resolve(body, thread)))


def edit_post(post, *, editor, body):
    """Change a post's text, keeping the previous text as a revision."""
    if not policy.can_edit_post(editor, post):
        raise NotAllowed(_("You cannot edit this message."))
    _check_text(body=body)
    # Nothing changed: no revision, no "edited" mark, and the posting rules are not asked again.
    if body == post.source:
        return post
    # new_post=False: an edit is not another message, so the rate limit does not count it.
    held = _enforce_protocol(editor, post.thread.room, body, new_post=False)
    db.session.add(
        PostRevision(post_id=post.id, source=post.source, html=post.html, editor_id=editor.id, created_at=clock.now())
    )
    resolved = mentions.resolve(body, post.thread)
    post.source = body
    post.html = render_markdown(body, mentions.display_names(resolved))
    post.edited_at = clock.now()
    # Only a visible post goes back to waiting; a hidden or removed one keeps its moderator's decision.
    if held and post.state == PostState.visible:
        post.state = PostState.held
        _record_hold(post)
    if post.state == PostState.visible:
        # Only the people the edit newly names: each person hears of a post once.
        mentions.notify_mentioned(post, resolved)
    db.session.flush()
    return post


def get_post(post_id):
    return db.session.get(Post, post_id) if post_id else None


# Built once: `session.get` builds a statement (and its cache key) on every call that misses the session, which a
# thread page's load always does (200,000 instructions of its 1.3 million, bench/instructions.py).
_THREAD_BY_ID = select(Thread).where(Thread.id == bindparam("thread_id"))


def get_thread(thread_id):
    """The thread (with its room, the room's category and language), or None."""
    if not thread_id:
        return None
    session = db.session()
    loaded = session.identity_map.get(identity_key(Thread, thread_id))
    if loaded is not None:
        return loaded
    return session.execute(_THREAD_BY_ID, {"thread_id": thread_id}).scalar_one_or_none()


def revisions(post):
    return db.session.scalars(
        select(PostRevision)
        .where(PostRevision.post_id == post.id)
        .order_by(PostRevision.created_at.desc(), PostRevision.id.desc())
    ).all()


# Reading ---------------------------------------------------------------------


def readable_post_count(user, thread_id):
    """The number of posts of the thread `thread_id` if `user` may read it (`policy.can_read_thread`, in its SQL
    form), else None: one statement on the thread's row, built once per kind of reader (the live poll's)."""
    return database.read(_readable_post_count(user), policy.scope_parameters(user, thread=thread_id)).scalar()


@policy.built_per_scope
def _readable_post_count(user):
    return select(Thread.post_count).where(
        Thread.id == bindparam("thread", type_=Integer), policy.readable_threads(user, policy.NOW)
    )


# What a post's fragment shows (forum.threads.fragments.view), as plain rows: a thread page and the live poll read
# these, not Post, User and MemberState objects with every column (password hashes included) and a second query
# for the quoted posts. A range of post numbers rather than OFFSET: numbers are dense and 1-based, so a page is a
# range on the unique (thread_id, number) index, as cheap on page 500 as on page 1. Built once (every thread page
# and poll asks), as _SUBMITTED.
_quoted = aliased(Post)
_SHOWN_POSTS = (
    select(
        Post.id,
        Post.number,
        Post.state,
        Post.author_id,
        Post.created_at,
        Post.edited_at,
        Post.erased_at,
        Post.state_clause,
        Post.html,
        _quoted.id.label("reply_to_id"),
        _quoted.number.label("reply_to_number"),
        User.display_name.label("author_name"),
        User.erased_at.label("author_erased_at"),
        User.role.label("author_role"),
        User.organisation.label("author_organisation"),
        MemberState.code.label("member_state_code"),
        MemberState.names.label("member_state_names"),
    )
    .join(User, User.id == Post.author_id)
    .outerjoin(MemberState, MemberState.id == User.member_state_id)
    .outerjoin(_quoted, _quoted.id == Post.reply_to_id)
    .where(Post.thread_id == bindparam("thread"), Post.number > bindparam("after"), Post.number <= bindparam("last"))
    .order_by(Post.number)
)


def shown_posts(thread, page, per_page):
    """One page of posts as a thread page shows them: rows of what a post's fragment needs, in order; one query."""
    parameters = {"thread": thread.id, "after": (page - 1) * per_page, "last": page * per_page}
    return database.read(_SHOWN_POSTS, parameters).all()


def shown_posts_after(thread, number, limit=50):
    """`shown_posts` newer than `number`, at most `limit` (live updates: a reader back after a long absence gets
    the rest on the next poll)."""
    parameters = {"thread": thread.id, "after": number, "last": number + limit}
    return database.read(_SHOWN_POSTS, parameters).all()


def page_of(number, per_page):
    """The page on which post `number` stands (the last page of a thread of `number` posts)."""
    return max((number - 1) // per_page + 1, 1)


def last_read_number(user, thread):
    return (
        db.session.scalar(
            select(ReadMarker.last_read_number).where(ReadMarker.user_id == user.id, ReadMarker.thread_id == thread.id)
        )
        or 0
    )


def mark_read(user, thread, number):
    """Move the user's read marker forward to `number`; never backwards, and no write if nothing moves.

    One INSERT … ON CONFLICT DO UPDATE … WHERE; True if the marker was made or moved.
    """
    parameters = {"reader": user.id, "thread": thread.id, "number": number, "marked_at": clock.now()}
    moved = db.session.execute(_mark_read_statement(database.dialect_name_of_session()), parameters).first() is not None
    # A marker already loaded in this session would keep its old number: the statement went around it.
    loaded = db.session.identity_map.get(identity_key(ReadMarker, (user.id, thread.id)))
    if moved and loaded is not None:
        db.session.expire(loaded)
    return moved


@lru_cache(maxsize=2)
def _mark_read_statement(dialect_name):
    """mark_read's INSERT … ON CONFLICT for `dialect_name`, with parameters (built once, as _SUBMITTED)."""
    insert = database.insert_on_conflict(ReadMarker.__table__, dialect_name).values(
        user_id=bindparam("reader", type_=Integer),
        thread_id=bindparam("thread", type_=Integer),
        last_read_number=bindparam("number", type_=Integer),
        updated_at=bindparam("marked_at", type_=ReadMarker.updated_at.type),
    )
    return insert.on_conflict_do_update(
        index_elements=[ReadMarker.user_id, ReadMarker.thread_id],
        set_={"last_read_number": insert.excluded.last_read_number, "updated_at": insert.excluded.updated_at},
        # Never backwards: an older page opened in another tab must not make read posts unread again.
        where=ReadMarker.last_read_number < insert.excluded.last_read_number,
    ).returning(ReadMarker.thread_id)


_READER_STATE = (
    select(ReadMarker.last_read_number, Watch.user_id)
    .select_from(Thread)
    .outerjoin(ReadMarker, and_(ReadMarker.thread_id == Thread.id, ReadMarker.user_id == bindparam("reader")))
    .outerjoin(Watch, and_(Watch.thread_id == Thread.id, Watch.user_id == bindparam("reader")))
    .where(Thread.id == bindparam("thread"))
)


def reader_state(user, thread):
    """(last read post number, watching?) for one reader of a thread, in one query (built once, as _SUBMITTED)."""
    row = database.read(_READER_STATE, {"reader": user.id, "thread": thread.id}).one()
    return row[0] or 0, row[1] is not None


def is_watching(user, thread):
    return db.session.get(Watch, (user.id, thread.id)) is not None


def _watch(user, thread):
    if db.session.get(Watch, (user.id, thread.id)) is None:
        db.session.add(Watch(user_id=user.id, thread_id=thread.id, created_at=clock.now()))
        db.session.flush()


def set_watching(user, thread, watching):
    # Reading is enough to follow: a watch changes nothing anyone else sees.
    if not policy.can_read_thread(user, thread):
        raise NotAllowed(_("You cannot follow this thread."))
    existing = db.session.get(Watch, (user.id, thread.id))
    if watching and existing is None:
        _watch(user, thread)
    elif not watching and existing is not None:
        db.session.delete(existing)
        db.session.flush()


def announce_post(post):
    """Tell who a newly published post concerns: the people it mentions, then the thread's followers."""
    told = mentions.notify_mentioned(post, mentions.resolve(post.source, post.thread))
    # A follower who is mentioned hears of the post once, as a mention.
    _notify_watchers(post.thread, post, skip={user.id for user in told})


@lru_cache(maxsize=1)
def _watchers_statement():
    """A thread's followers but the post's author (they know they just posted); built once, as _SUBMITTED."""
    from forum.accounts.models import User

    return (
        select(User)
        .join(Watch, and_(Watch.user_id == User.id, Watch.thread_id == bindparam("thread_id")))
        .where(User.id != bindparam("author_id"))
    )


def _notify_watchers(thread, post, skip=()):
    watchers = db.session.scalars(_watchers_statement(), {"thread_id": thread.id, "author_id": post.author_id}).all()

    link = site_path("threads.goto_post", post_id=post.id)
    # Only followers who may still read the thread (a guest whose access ended, a room closed to them).
    readers = [watcher for watcher in watchers if watcher.id not in skip and policy.can_read_thread(watcher, thread)]
    notify_all(readers, "reply", link=link, thread=thread.title, author=post.author.display_name, post_id=post.id)


# Moderating threads ------------------------------------------------------------


def set_pinned(thread, pinned, *, by):
    if not policy.can_moderate_thread(by, thread):
        raise NotAllowed(_("Only the room's moderators can do this."))
    # Audited only on a change: a repeated click records no second act.
    if thread.pinned != pinned:
        thread.pinned = pinned
        audit.record(by, "thread.pin" if pinned else "thread.unpin", thread)
    db.session.flush()


def set_locked(thread, locked, *, by, reason=None):
    if not policy.can_moderate_thread(by, thread):
        raise NotAllowed(_("Only the room's moderators can do this."))
    if thread.locked != locked:
        thread.locked = locked
        audit.record(by, "thread.lock" if locked else "thread.reopen", thread, reason=reason)
    db.session.flush()


def move_thread(thread, target_room, *, by):
    if not policy.can_move_thread(by, thread, target_room):
        raise NotAllowed(_("Only the moderators of both rooms can move this thread."))
    if thread.room_id == target_room.id:
        return thread
    source = thread.room
    thread.room_id = target_room.id
    # The relationship too: the joined `room` would otherwise still be the old one until a refresh.
    thread.room = target_room
    audit.record(by, "thread.move", thread, from_room=source.slug, to_room=target_room.slug)
    db.session.flush()
    rooms_service.recount_rooms([source.id, target_room.id])
    return thread


def unread_counts(user, threads):
    """{thread id: unread posts} for a list of threads, in one query."""
    if not threads:
        return {}
    markers = dict(
        db.session.execute(
            select(ReadMarker.thread_id, ReadMarker.last_read_number).where(
                ReadMarker.user_id == user.id, ReadMarker.thread_id.in_([t.id for t in threads])
            )
        ).all()
    )
    return {t.id: max(t.post_count - markers.get(t.id, 0), 0) for t in threads}


def count_posts():
    return db.session.scalar(select(func.count(Post.id)))
