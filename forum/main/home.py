"""What the member home page shows above the rooms: this week's discussions and the latest activity.

Each function is a fixed number of queries whatever the number of threads or
discussions (tests/test_query_budget.py), and shows only what the reader may
see: the threads of open discussions through `policy.readable_threads`, the
title and date of scheduled ones only to those who see the topics page
(`policy.can_view_topics`, as /topics does), never a scheduled thread's
content, and nothing of a discussion that runs only in languages the reader
may not read (a deactivated language, for anyone who does not moderate it).
"""

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Integer, and_, bindparam, exists, or_, select

from forum import clock, database, policy
from forum.discussions.models import Discussion, DiscussionText, discussion_status, text_for_locale
from forum.extensions import db
from forum.rooms.models import Category, Language, Room
from forum.rooms.service import thread_listing
from forum.threads.models import ReadMarker, Thread

# Open discussions shown at the top; more than a handful at once would be a calendar, which /topics is.
OPEN_LIMIT = 5
LATEST_PER_PAGE = 15


@dataclass
class WeeklyThread:
    """One language's thread of an open discussion, as the reader stands with it."""

    thread_id: int
    language_code: str
    language_name: str
    replies: int
    # Posts the reader has not seen; all of them when the reader never opened the thread.
    unread: int
    opened: bool


@dataclass
class WeekText:
    """A discussion's title (and closing summary) in one language, as the home page shows it."""

    language_code: str
    title: str
    summary_html: str | None
    # The language's: its place in lists, and whether its rooms are open to members.
    position: int
    active: bool


@dataclass
class WeekDiscussion:
    """A weekly discussion as the home page shows it, read as rows (`_relevant_discussions`): its times, its category
    (from the session, where the page's rooms brought it) and its texts in the languages' order."""

    id: int
    category: Category
    opens_at: datetime
    closes_at: datetime | None
    cancelled_at: datetime | None
    texts: list = field(default_factory=list)

    def status_at(self, moment):
        return discussion_status(self.opens_at, self.closes_at, self.cancelled_at, moment)

    def text_for(self, locale):
        """As `Discussion.text_for`: the text in `locale`, else English, else the first language."""
        return text_for_locale(self.texts, locale)


@dataclass
class OpenDiscussion:
    discussion: WeekDiscussion
    # The reader's way in: the thread in their interface language, else the first of the others.
    main: WeeklyThread
    others: list = field(default_factory=list)

    @property
    def text(self):
        """The title and texts in the main thread's language."""
        return self.discussion.text_for(self.main.language_code)


@dataclass
class ThisWeek:
    open: list
    # (discussion, its title text) of the next discussion to open, or None.
    upcoming: tuple | None = None
    # (discussion, its title text, its summary text or None) of the latest closed one, when none is open.
    latest_closed: tuple | None = None

    @property
    def is_empty(self):
        return not (self.open or self.upcoming or self.latest_closed)


def _readable_text(user):
    """SQL condition on Discussion: it has a text in a language whose rooms `user` may read."""
    readable_languages = select(Room.language_code).where(policy.readable_rooms(user))
    return exists().where(
        DiscussionText.discussion_id == Discussion.id, DiscussionText.language_code.in_(readable_languages)
    )


def _readable_texts(user, discussion):
    """The discussion's texts in languages `user` may read (as `policy.can_read_room`), in the languages' order."""
    return [text for text in discussion.texts if text.active or policy.can_moderate_language(user, text.language_code)]


def _title_text(user, discussion, locale):
    """The readable text in `locale`, else the first readable one (the title a reader is shown)."""
    texts = _readable_texts(user, discussion)
    return next((text for text in texts if text.language_code == locale), texts[0] if texts else None)


def _relevant_discussions(user, now):
    """The open discussions, the next scheduled one and the latest closed one (`WeekDiscussion`s), in one query."""
    discussions = {}
    for row in database.read(_relevant_discussions_statement(user), policy.scope_parameters(user, now)):
        discussion = discussions.get(row.id)
        if discussion is None:
            # The category from the session: the page loaded it with the rooms (a query otherwise).
            category = db.session.get(Category, row.category_id)
            discussion = discussions[row.id] = WeekDiscussion(
                row.id, category, row.opens_at, row.closes_at, row.cancelled_at
            )
        discussion.texts.append(WeekText(row.language_code, row.title, row.summary_html, row.position, row.active))
    return list(discussions.values())


@policy.built_per_scope
def _relevant_discussions_statement(user):
    readable = _readable_text(user)
    now = policy.NOW
    is_open = and_(Discussion.opens_at <= now, or_(Discussion.closes_at.is_(None), Discussion.closes_at > now))
    # The newest openings first: with more open than shown, the ones that started last are this week's.
    open_ids = (
        select(Discussion.id)
        .where(is_open, readable)
        .order_by(Discussion.opens_at.desc(), Discussion.id.desc())
        .limit(OPEN_LIMIT)
    )
    wanted = [Discussion.id.in_(open_ids)]
    if policy.can_view_topics(user):
        # The topics page lists planned discussions (title and date) to the same readers.
        upcoming = (
            select(Discussion.id)
            .where(Discussion.opens_at > now, readable)
            .order_by(Discussion.opens_at, Discussion.id)
            .limit(1)
            .scalar_subquery()
        )
        closed = (
            select(Discussion.id)
            .where(Discussion.closes_at <= now, readable)
            .order_by(Discussion.closes_at.desc(), Discussion.id.desc())
            .limit(1)
            .scalar_subquery()
        )
        wanted += [Discussion.id == upcoming, Discussion.id == closed]
    # Rows of what the page shows, not Discussion and DiscussionText objects: loading them took longer than all the
    # home page's SQL together.
    return (
        select(
            Discussion.id,
            Discussion.category_id,
            Discussion.opens_at,
            Discussion.closes_at,
            Discussion.cancelled_at,
            DiscussionText.language_code,
            DiscussionText.title,
            DiscussionText.summary_html,
            Language.position,
            Language.active,
        )
        .join(DiscussionText, DiscussionText.discussion_id == Discussion.id)
        .join(Language, Language.code == DiscussionText.language_code)
        .where(or_(*wanted))
        .order_by(Discussion.opens_at, Discussion.id, Language.position, Language.code)
    )


def _weekly_threads(user, discussion_ids, now):
    """{discussion id: [WeeklyThread]} of the threads `user` may read, in the languages' order; one query."""
    parameters = policy.scope_parameters(user, now, discussions=list(discussion_ids))
    rows = database.read(_weekly_threads_statement(user), parameters).all()
    threads = {}
    for thread_id, discussion_id, post_count, code, name, last_read in rows:
        threads.setdefault(discussion_id, []).append(
            WeeklyThread(
                thread_id=thread_id,
                language_code=code,
                language_name=name,
                replies=max(post_count - 1, 0),
                unread=max(post_count - (last_read or 0), 0),
                opened=last_read is not None,
            )
        )
    return threads


@policy.built_per_scope
def _weekly_threads_statement(user):
    return (
        select(
            Thread.id,
            Thread.discussion_id,
            Thread.post_count,
            Room.language_code,
            Language.native_name,
            ReadMarker.last_read_number,
        )
        .join(Room, Room.id == Thread.room_id)
        .join(Language, Language.code == Room.language_code)
        .outerjoin(ReadMarker, and_(ReadMarker.thread_id == Thread.id, ReadMarker.user_id == policy.READER))
        .where(
            Thread.discussion_id.in_(bindparam("discussions", expanding=True)),
            policy.readable_threads(user, policy.NOW),
        )
        .order_by(Language.position, Language.code)
    )


def _open_discussion(discussion, threads, locale):
    main = next((thread for thread in threads if thread.language_code == locale), threads[0])
    return OpenDiscussion(discussion, main, [thread for thread in threads if thread is not main])


def this_week(user, locale, now=None):
    """The open weekly discussions (reader's language first), the next one and, when none is open, the last one.

    Two queries at most: the discussions, then the reader's threads of the open ones.
    """
    now = now or clock.now()
    if not policy.is_member(user):
        return ThisWeek(open=[])
    discussions = _relevant_discussions(user, now)
    open_now = [discussion for discussion in discussions if discussion.status_at(now).is_open]
    threads = _weekly_threads(user, [d.id for d in open_now], now) if open_now else {}
    shown = [_open_discussion(d, threads[d.id], locale) for d in open_now if threads.get(d.id)]
    # Those the reader can join in their own language first, then by opening time, newest first.
    shown.sort(key=lambda item: (item.main.language_code != locale, -item.discussion.opens_at.timestamp()))
    week = ThisWeek(open=shown)
    scheduled = [d for d in discussions if d.status_at(now).is_scheduled]
    if scheduled:
        week.upcoming = (scheduled[0], _title_text(user, scheduled[0], locale))
    closed = [d for d in discussions if d.status_at(now).is_closed]
    if closed and not shown:
        week.latest_closed = (closed[0], _title_text(user, closed[0], locale), _summary(user, closed[0], locale))
    return week


def _summary(user, discussion, locale):
    """The readable text with a summary, in `locale` if there is one (as `Discussion.summary_for`), or None."""
    with_summary = [text for text in _readable_texts(user, discussion) if text.summary_html]
    return next(
        (text for text in with_summary if text.language_code == locale), with_summary[0] if with_summary else None
    )


def latest_threads(user, *, page=1, per_page=LATEST_PER_PAGE, now=None):
    """(one page of the threads `user` may read by latest activity, as rows with their read markers, is there more?).

    One query: the threads as lists show them (`rooms.service.thread_listing`); one row beyond the page tells
    whether a next page exists, without counting. The rooms are not loaded here: the list names each thread's room
    from those in the session, so load them first (the home page's overview does, `rooms.service.all_rooms` too).
    """
    parameters = policy.scope_parameters(user, now, limit=per_page + 1, offset=(page - 1) * per_page)
    rows = database.read(_latest_threads_statement(user), parameters).all()
    return rows[:per_page], len(rows) > per_page


@policy.built_per_scope
def _latest_threads_statement(user):
    statement = (
        thread_listing(starter=False)
        .where(policy.readable_threads(user, policy.NOW))
        # Thread.id breaks ties, so no thread shows on two pages or on none.
        .order_by(Thread.last_post_at.desc(), Thread.id.desc())
        .limit(bindparam("limit", type_=Integer))
        .offset(bindparam("offset", type_=Integer))
    )
    if policy.is_member(user):
        # A member reads nearly every thread: walking the threads newest first stops after a page, where
        # SQLite's own choice (by room) reads and sorts them all, a cost that grows with the forum.
        statement = database.sqlite_index(statement, Thread, "ix_threads_last_post_at")
    return statement


def active_language_codes(overview):
    """The content languages of the rooms on the home page (the active ones), in their order, without a query."""
    codes = {}
    for _category, summaries in overview:
        for summary in summaries:
            codes[summary.room.language_code] = summary.room.language.position
    return sorted(codes, key=lambda code: (codes[code], code))
