"""Rooms: reference data, the home overview and room listings."""

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import (
    Integer,
    and_,
    bindparam,
    case,
    exists,
    func,
    literal,
    not_,
    or_,
    select,
    union,
    union_all,
    update,
)
from sqlalchemy.orm import aliased

from forum import audit, clock, database, policy
from forum.accounts.models import User
from forum.errors import Invalid, NotAllowed
from forum.extensions import db
from forum.i18n import direction, known_locale, native_name
from forum.members.models import MemberState
from forum.rooms.data import CATEGORIES, DEFAULT_LANGUAGES
from forum.rooms.models import Category, CategoryTranslation, Language, Room
from forum.threads.models import ReadMarker, Thread, ThreadKind


def seed_languages_and_categories():
    """Create the default languages, the six categories and their rooms if missing (idempotent)."""
    existing = {language.code for language in db.session.scalars(select(Language))}
    for position, (code, name, text_direction) in enumerate(DEFAULT_LANGUAGES):
        if code not in existing:
            db.session.add(Language(code=code, native_name=name, direction=text_direction, position=position))
    db.session.flush()
    categories = {category.code: category for category in db.session.scalars(select(Category))}
    for position, (code, texts) in enumerate(CATEGORIES):
        category = categories.get(code)
        if category is None:
            category = Category(code=code, position=position)
            db.session.add(category)
        present = {t.language_code for t in category.translations}
        for language_code, (name, description) in texts.items():
            if language_code not in present:
                category.translations.append(
                    CategoryTranslation(language_code=language_code, name=name, description=description)
                )
        category.store_texts()
    db.session.flush()
    # Idempotent: `seed` runs it again on a populated database, e.g. after an upgrade.
    return ensure_rooms()


def ensure_rooms():
    """One room per category and language; returns the rooms created."""
    # The existing pairs in one query, rather than a lookup for each category and language.
    have = set(db.session.execute(select(Room.category_id, Room.language_code)).all())
    created = []
    for category in db.session.scalars(select(Category)):
        # Inactive languages get rooms too, so reactivating one later needs no repair.
        for language in db.session.scalars(select(Language)):
            if (category.id, language.code) not in have:
                room = Room(
                    category_id=category.id, language_code=language.code, slug=f"{category.code}-{language.code}"
                )
                db.session.add(room)
                created.append(room)
    db.session.flush()
    return created


def add_language(code, *, by, native=None):
    """Add (or reactivate) a content language and create its rooms; audited."""
    # Lowercased: the code is a primary key and part of room URLs, so "FR" must not make a second French.
    code = (code or "").strip().lower()
    # Letters and hyphens only ("pt-br"), within the column's size: it goes into URLs as is; and a
    # language Babel knows, so the rooms get a real name and writing direction ("xx" and "klingon" do not).
    if not code or len(code) > 12 or not code.replace("-", "").isalpha() or known_locale(code) is None:
        raise Invalid(_("Unknown language code. Use a code such as pt, sw or pt-br."))
    language = db.session.get(Language, code)
    if language is None:
        position = (db.session.scalar(select(func.max(Language.position))) or 0) + 1
        language = Language(
            code=code, native_name=native or native_name(code), direction=direction(code), position=position
        )
        db.session.add(language)
        audit.record(by, "language.add", None, language=code)
    # Adding a deactivated language again brings back its rooms with their threads: nothing was deleted.
    elif not language.active:
        language.active = True
        audit.record(by, "language.activate", None, language=code)
    db.session.flush()
    ensure_rooms()
    return language


def add_category(code, *, by, name, description=""):
    """Add a category (English name and description; other languages are translated later) with its rooms."""
    # Lowercased and restricted for the same reason as a language code: it is part of every room URL.
    code = (code or "").strip().lower()
    if not code or len(code) > 40 or not code.replace("-", "").isalnum():
        raise Invalid(_("A category code uses letters, digits and hyphens only."))
    if not (name or "").strip():
        raise Invalid(_("A name is required."))
    if db.session.scalar(select(Category).where(Category.code == code)) is not None:
        raise Invalid(_("This category already exists."))
    position = (db.session.scalar(select(func.max(Category.position))) or 0) + 1
    category = Category(code=code, position=position)
    category.translations.append(
        # Cut to the column's size: `add-category` on the command line passes the name without a form's check.
        CategoryTranslation(language_code="en", name=name.strip()[:200], description=(description or "").strip())
    )
    category.store_texts()
    db.session.add(category)
    db.session.flush()
    audit.record(by, "category.add", category, code=code)
    ensure_rooms()
    return category


def set_category_text(category, language_code, *, by, name, description=""):
    """Name and describe a category in one language (for a newly added content or interface language)."""
    if not (name or "").strip():
        raise Invalid(_("A name is required."))
    existing = next((t for t in category.translations if t.language_code == language_code), None)
    if existing is None:
        existing = CategoryTranslation(language_code=language_code)
        category.translations.append(existing)
    existing.name = name.strip()[:200]
    existing.description = (description or "").strip()
    category.store_texts()
    audit.record(by, "category.translate", category, language=language_code)
    db.session.flush()
    return existing


def set_language_active(language, active, *, by):
    """Deactivating hides a language's rooms from members; nothing is deleted."""
    if language.active != active:
        # Only hidden: threads stay, and the language's moderators still read its rooms (policy.can_read_room).
        language.active = active
        audit.record(by, "language.activate" if active else "language.deactivate", None, language=language.code)
    db.session.flush()


def all_languages():
    """Every content language, active or not, in its order."""
    return db.session.scalars(select(Language).order_by(Language.position)).all()


def get_language(code):
    return db.session.get(Language, code)


def all_categories():
    return db.session.scalars(select(Category).order_by(Category.position)).all()


def category_choices(locale):
    """(id, name in `locale`) of every category in order, for a form's select."""
    return [(category.id, category.text(locale)[0]) for category in all_categories()]


def get_category(category_id):
    return db.session.get(Category, category_id)


def active_languages():
    return db.session.scalars(select(Language).where(Language.active).order_by(Language.position)).all()


@dataclass
class RoomSummary:
    room: Room
    threads: int = 0
    posts: int = 0
    last_post_at: object = None
    unread_threads: int = 0


def home_overview(user, locale):
    """Categories in order, each with its rooms (reader's languages first) and their figures.

    Three statements whatever the number of rooms, threads and posts: the rooms with their stored totals
    (`Room.thread_total`, `Room.post_total`) and each room's latest readable post, one step down an
    index (and their categories' names); then, in one statement, the threads still to open that this reader
    may not see yet (few) and the threads this reader has read to the end (as many as they have read). What
    the home page shows is what counting every readable thread would give (tests/rooms/test_totals.py
    compares the two).
    """
    now = clock.now()
    session = db.session()
    # The totals change with every post, through an UPDATE the session does not see: a Room it loaded earlier has
    # them read again from the rows below. (Not `populate_existing`, which also decoded each category's names and
    # set each language's columns again for every one of its rooms: 2% of the home page.)
    for loaded in [obj for obj in session.identity_map.values() if isinstance(obj, Room)]:
        session.expire(loaded, ["thread_total", "post_total"])
    rows = session.execute(_rooms_with_latest_post(user), policy.scope_parameters(user, now)).unique().all()
    not_yet_open, read_to_the_end = _reader_adjustments(user, now)
    preferred = _preferred_languages(user, locale)
    by_category = {}
    for room, last_post_at in rows:
        hidden_threads, hidden_posts = not_yet_open.get(room.id, (0, 0))
        threads = room.thread_total - hidden_threads
        unread = threads - read_to_the_end.get(room.id, 0)
        summary = RoomSummary(room, threads, room.post_total - hidden_posts, last_post_at, unread)
        by_category.setdefault(room.category, []).append(summary)
    ordered = sorted(by_category.items(), key=lambda item: item[0].position)
    return [
        (category, sorted(summaries, key=lambda s: (s.room.language_code not in preferred, s.room.language.position)))
        for category, summaries in ordered
    ]


@policy.built_per_scope
def _rooms_with_latest_post(user):
    """The active rooms (with their categories' names) and the time of each one's latest post `user` may read."""
    latest = (
        select(Thread.last_post_at)
        .where(policy.readable_threads_of_listed_room(user, policy.NOW))
        # The id too, as in the room's own index (ix_threads_room_last_post), which alone serves this order: the
        # room is a parameter of the subquery, so PostgreSQL costs it for an average room and, ordered by time
        # alone, walked every room's latest threads (ix_threads_last_post_at) until one of this room turned up,
        # all of them for a room with only old threads (19 ms at 100,000 posts; now 0.1 ms).
        .order_by(Thread.last_post_at.desc(), Thread.id.desc())
        .limit(1)
        .correlate(Room)
        .scalar_subquery()
    )
    return (
        select(Room, latest)
        .join(Room.language)
        .where(Language.active)
        # The categories come joined (Room.category) with their names (Category.texts): the home page's other lists
        # name them without a query.
        .order_by(Language.position)
    )


def _reader_adjustments(user, now):
    """({room id: (threads, posts) counted in the totals that `user` may not read yet},
    {room id: threads `user` may read and has read to the end}), in one statement."""
    not_yet_open, read_to_the_end = {}, {}
    rows = database.read(_hidden_and_read_threads(user), policy.scope_parameters(user, now))
    for kind, room_id, threads, posts in rows:
        if kind == "hidden":
            not_yet_open[room_id] = (threads, posts or 0)
        else:
            read_to_the_end[room_id] = threads
    return not_yet_open, read_to_the_end


@policy.built_per_scope
def _hidden_and_read_threads(user):
    # Few threads are scheduled: SQLite would otherwise read every thread in room order to group them.
    hidden = database.sqlite_index(
        select(literal("hidden"), Thread.room_id, func.count(Thread.id), func.sum(Thread.post_count))
        .where(
            Thread.opens_at > policy.NOW,
            not_(Thread.in_cancelled_discussion),
            not_(policy.readable_threads(user, policy.NOW)),
        )
        .group_by(Thread.room_id),
        Thread,
        "ix_threads_opens_at",
    )
    read = (
        select(literal("read"), Thread.room_id, func.count(Thread.id), literal(0))
        .join(ReadMarker, ReadMarker.thread_id == Thread.id)
        .where(
            ReadMarker.user_id == policy.READER,
            ReadMarker.last_read_number >= Thread.post_count,
            policy.readable_threads(user, policy.NOW),
        )
        .group_by(Thread.room_id)
    )
    return hidden.union_all(read)


_rooms = Room.__table__
# Built once with parameters (as forum.threads.service._SUBMITTED), and on the table: no loaded room is changed.
_ADD_TO_TOTALS = (
    update(_rooms)
    .where(_rooms.c.id == bindparam("room_id"))
    .values(
        thread_total=_rooms.c.thread_total + bindparam("threads", type_=Integer),
        post_total=_rooms.c.post_total + bindparam("posts", type_=Integer),
    )
)


def add_to_totals(room_id, *, threads=0, posts=0):
    """A new thread or post in a room: its stored totals follow, in the writer's transaction (a room already loaded
    keeps the totals it was loaded with)."""
    db.session.execute(_ADD_TO_TOTALS, {"room_id": room_id, "threads": threads, "posts": posts})


def recount_rooms(room_ids=None):
    """Count the totals of `room_ids` (every room if None) again from their threads: after a thread moves,
    a discussion is cancelled or moved, or threads were written around the services (a benchmark's fill)."""
    counted = and_(Thread.room_id == Room.id, not_(Thread.in_cancelled_discussion))
    statement = update(Room).values(
        thread_total=select(func.count(Thread.id)).where(counted).scalar_subquery(),
        post_total=select(func.coalesce(func.sum(Thread.post_count), 0)).where(counted).scalar_subquery(),
    )
    if room_ids is not None:
        statement = statement.where(Room.id.in_(sorted(set(room_ids))))
    db.session.execute(statement, execution_options={"synchronize_session": "fetch"})


def _preferred_languages(user, locale):
    # The interface language and the languages one moderates: the rooms a reader is most likely after.
    preferred = {locale}
    # Only a language moderator has languages of their own: nobody else's list is loaded for nothing.
    if policy.is_moderator_of_any_language(user) and not policy.is_chief_moderator(user):
        preferred.update(user.moderated_language_codes)
    return preferred


def open_weekly_threads(now):
    """SQL condition on Thread: a weekly discussion's thread that is open now (`Thread.status`, in SQL)."""
    # From the times the thread shares with its discussion, so the week's thread comes first from the moment
    # it opens until it closes, with nothing written (Thread.pinned stays the moderators' choice).
    return and_(
        Thread.kind == ThreadKind.weekly,
        Thread.discussion_id.is_not(None),
        or_(Thread.opens_at.is_(None), Thread.opens_at <= now),
        or_(Thread.closes_at.is_(None), Thread.closes_at > now),
        not_(Thread.locked),
    )


def room_threads(room, user, page, per_page):
    """One page of a room's threads: the open weekly discussion, pinned ones, then latest activity, with read markers.

    The threads listed first (few, found along indexes) and the others (newest first, along the room's
    `(room_id, last_post_at)` index) are each read only as far as the page reaches, and a member's total comes
    from the room's stored totals: a page costs the same in a room of 50 threads as in one of 5,000. Two
    queries: the figures, then the page's threads as rows (`thread_listing`) with the reader's markers and authors.
    """
    now = clock.now()
    key = policy.room_scope_key(user, room)
    parameters = {"room": room.id, "now": now, "reader": user.id}
    figures = policy.built_once(key and ("room figures", key), lambda: _room_figures(user, room))
    total, leading = db.session.execute(figures, parameters).one()
    total, leading = max(total or 0, 0), leading or 0
    start = (page - 1) * per_page
    rest = per_page - max(min(leading - start, per_page), 0)
    parameters.update(
        leading_limit=per_page, leading_offset=start, rest_limit=rest, rest_offset=max(start - leading, 0)
    )
    parts = (start < leading, rest > 0)
    statement = policy.built_once(key and ("room page", key, parts), lambda: _room_page(user, room, *parts))
    return total, database.read(statement, parameters).all()


_starter, _starter_state = aliased(User), aliased(MemberState)
_last_author, _last_author_state = aliased(User), aliased(MemberState)


def thread_listing(*, starter=True):
    """Threads as a list's rows show them (forum.rooms.fragments.view): plain rows, not Thread, Room and User objects
    with every column (password hashes included) and more statements for the authors.

    Each row names the thread's last author and, with `starter`, the one who started it (a room's table shows
    them; the Latest list does not, and its statement is cheaper to plan without them), as `User.display_name`
    does (an erased account by its role and member state), and holds the reader's marker (`last_read`, the
    parameter `policy.READER`'s). A room's page and the Latest list add their conditions and order.
    """
    columns = [
        Thread.id,
        Thread.room_id,
        Thread.title,
        Thread.kind,
        Thread.discussion_id,
        Thread.pinned,
        Thread.post_count,
        Thread.last_post_at,
        Thread.opens_at,
        Thread.closes_at,
        Thread.locked,
        func.coalesce(ReadMarker.last_read_number, 0).label("last_read"),
        *_author_columns("last_author", _last_author, _last_author_state),
    ]
    if starter:
        columns += _author_columns("author", _starter, _starter_state)
    statement = (
        select(*columns)
        .outerjoin(_last_author, _last_author.id == Thread.last_post_author_id)
        .outerjoin(_last_author_state, _last_author_state.id == _last_author.member_state_id)
        .outerjoin(ReadMarker, and_(ReadMarker.thread_id == Thread.id, ReadMarker.user_id == policy.READER))
    )
    if starter:
        statement = statement.join(_starter, _starter.id == Thread.author_id).outerjoin(
            _starter_state, _starter_state.id == _starter.member_state_id
        )
    return statement


def _author_columns(prefix, user, state):
    # The member state's names (JSON, decoded for each row that has them) only for an erased author, whom they name.
    return (
        user.display_name.label(f"{prefix}_name"),
        user.erased_at.label(f"{prefix}_erased_at"),
        user.role.label(f"{prefix}_role"),
        state.code.label(f"{prefix}_state_code"),
        case((user.erased_at.is_not(None), state.names)).label(f"{prefix}_state_names"),
    )


def _room_page(user, room, leading_part, rest_part):
    """A page of the room's threads with the reader's markers: its threads listed first (`leading_part`), then the
    others (`rest_part`), each part as far as the parameters' limits and offsets reach."""
    condition = policy.readable_threads_in_room(user, room, policy.NOW, policy.ROOM)
    parts = []
    if leading_part:
        parts.append(
            select(Thread.id)
            .where(Thread.id.in_(_leading_threads(condition)))
            .order_by(*_listing_order(policy.NOW))
            .limit(bindparam("leading_limit", type_=Integer))
            .offset(bindparam("leading_offset", type_=Integer))
        )
    if rest_part:
        parts.append(
            select(Thread.id)
            .where(condition, not_(or_(Thread.pinned, open_weekly_threads(policy.NOW))))
            .order_by(Thread.last_post_at.desc(), Thread.id.desc())
            .limit(bindparam("rest_limit", type_=Integer))
            .offset(bindparam("rest_offset", type_=Integer))
        )
    # Each part in its own subquery: SQLite allows no ORDER BY or LIMIT in a member of a UNION.
    page_ids = union_all(*(select(part.subquery().c.id) for part in parts))
    return (
        thread_listing()
        .where(Thread.id.in_(page_ids))
        # Only the page's threads are sorted here.
        .order_by(*_listing_order(policy.NOW))
    )


def _listing_order(now):
    """A room's order: the open weekly discussion, pinned threads, then latest activity."""
    # Thread.id last breaks ties, so the order is total and no thread shows on two pages or on none.
    return (
        case((open_weekly_threads(now), 1), else_=0).desc(),
        Thread.pinned.desc(),
        Thread.last_post_at.desc(),
        Thread.id.desc(),
    )


def _leading_threads(condition):
    """The ids of the threads (of `condition`) a room lists first: pinned ones, and the open weekly discussion's.

    Each found along an index: pinned ones by `(room_id, pinned)`, weekly ones among the threads of
    discussions, never by reading every thread of the room.
    """
    pinned = select(Thread.id).where(condition, Thread.pinned)
    weekly = database.sqlite_index(
        select(Thread.id).where(condition, open_weekly_threads(policy.NOW)), Thread, "ix_threads_discussion_id"
    )
    return union(pinned, weekly)


def _room_figures(user, room):
    """The statement of (threads of the room the user may read, how many of them are listed first).

    A member reading the room may read all its threads but scheduled ones (`readable_threads_in_room`): their
    total is the room's stored `thread_total` less the scheduled threads they may not read (few, found along
    the `opens_at` index). Anyone else (a guest) has their threads counted.
    """
    condition = policy.readable_threads_in_room(user, room, policy.NOW, policy.ROOM)
    leading = select(func.count()).select_from(_leading_threads(condition).subquery()).scalar_subquery()
    if policy.is_member(user) and policy.can_read_room(user, room):
        hidden = select(func.count(Thread.id)).where(
            Thread.room_id == policy.ROOM,
            Thread.opens_at > policy.NOW,
            not_(Thread.in_cancelled_discussion),
            not_(condition),
        )
        total = (
            select(Room.thread_total).where(Room.id == policy.ROOM).scalar_subquery()
            - database.sqlite_index(hidden, Thread, "ix_threads_opens_at").scalar_subquery()
        )
    else:
        total = select(func.count(Thread.id)).where(condition).scalar_subquery()
    return select(total, leading)


def mark_all_read(user, *, room=None):
    """Mark every thread `user` may read (in `room`, or in every room) read up to its last post.

    One INSERT … SELECT … ON CONFLICT DO UPDATE, whatever the number of threads:
    markers only move forward, and threads already read are left alone.
    Returns the number of threads marked. NotAllowed for non-members, or a room they may not read.
    """
    if not policy.can_mark_all_read(user) or (room is not None and not policy.can_read_room(user, room)):
        raise NotAllowed(_("You cannot do this."))
    now = clock.now()
    condition = and_(policy.readable_threads(user, now), Thread.post_count > 0)
    if room is not None:
        condition = and_(condition, Thread.room_id == room.id)
    read_already = exists().where(
        ReadMarker.user_id == user.id,
        ReadMarker.thread_id == Thread.id,
        ReadMarker.last_read_number >= Thread.post_count,
    )
    unread = select(literal(user.id), Thread.id, Thread.post_count, literal(now, ReadMarker.updated_at.type)).where(
        condition, ~read_already
    )
    insert = database.insert_on_conflict(ReadMarker).from_select(
        ["user_id", "thread_id", "last_read_number", "updated_at"], unread
    )
    statement = insert.on_conflict_do_update(
        index_elements=[ReadMarker.user_id, ReadMarker.thread_id],
        set_={"last_read_number": insert.excluded.last_read_number, "updated_at": insert.excluded.updated_at},
        # Never backwards, as `threads.service.mark_read`: a marker already further on stays where it is.
        where=ReadMarker.last_read_number < insert.excluded.last_read_number,
    )
    # Counted from RETURNING: psycopg reports no row count for an INSERT … SELECT … ON CONFLICT.
    marked = len(db.session.execute(statement.returning(ReadMarker.thread_id)).all())
    # Markers already in the session would keep their old values: the statement went around it.
    for marker in [obj for obj in db.session.identity_map.values() if isinstance(obj, ReadMarker)]:
        if marker.user_id == user.id:
            db.session.expire(marker)
    return marked


def get_room_by_id(room_id):
    return db.session.get(Room, room_id) if room_id else None


_ROOM_BY_SLUG = select(Room).where(Room.slug == bindparam("slug"))


def get_room(slug):
    return db.session.scalar(_ROOM_BY_SLUG, {"slug": slug})


def all_rooms():
    return db.session.scalars(
        select(Room).join(Room.language).join(Room.category).order_by(Category.position, Language.position)
    ).all()
