"""Usage statistics: every figure the committee is shown, computed with a fixed number of grouped queries.

Each figure is counted by SQL `GROUP BY` over the period (never one query per row, so the number of
queries does not grow with the history), then arranged in Python into `Table`s, which the page,
the CSV downloads, the PDF and the `flask forum stats-report` command all print the same way.

Participation is visible posts, and posts erased at their author's request (the counts stay, the text
does not: `PostState.removed` is only ever set by forum.erasure); hidden and held posts count under
moderation, never as participation. Delegations (delegates of a member state) are counted apart from the Secretariat
(experts, moderators, administrators) and from guests (counted by organisation).
"""

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, delete, distinct, exists, func, literal, or_, select, union_all
from sqlalchemy.orm import selectinload

from forum import clock, database
from forum.accounts.models import Role, User
from forum.discussions.models import Discussion
from forum.errors import Invalid
from forum.extensions import db
from forum.members.models import MemberState, RegionalGroup
from forum.members.service import collation_key
from forum.moderation.models import Flag, Sanction, SanctionKind
from forum.notifications.models import EmailStatus, OutgoingEmail
from forum.proposals.models import Endorsement, ProposalStatus, TopicProposal
from forum.rooms.models import Room
from forum.stats import rollup
from forum.stats.models import PARTICIPATION, ActivityDay, RoomWeek, StateWeek
from forum.threads.models import Post, PostState, Thread

# The committee's membership: the figures say "n of 193".
MEMBER_STATES_TOTAL = 193
# A custom period is at most this long (the retention period of activity days, three years).
LONGEST_PERIOD = timedelta(days=1096)
SECRETARIAT_ROLES = (Role.staff, Role.language_moderator, Role.moderator, Role.admin)


# Recording activity -------------------------------------------------------------


def record_activity_day(user_id, day):
    """Note that the account was active on `day` (UTC); a second call the same day changes nothing."""
    db.session.execute(
        database.insert_on_conflict(ActivityDay).values(user_id=user_id, day=day).on_conflict_do_nothing()
    )


def prune_activity_days(now):
    """Remove days of activity older than ACTIVITY_RETENTION_DAYS; returns how many rows went."""
    keep = timedelta(days=current_app.config["ACTIVITY_RETENTION_DAYS"])
    oldest = (now - keep).date()
    return db.session.execute(delete(ActivityDay).where(ActivityDay.day < oldest)).rowcount


# Periods and filters ------------------------------------------------------------

PRESETS = {
    "week": _l("This week"),
    "4weeks": _l("Last 4 weeks"),
    "year": _l("This year"),
    "custom": _l("Custom range"),
}


def forum_zone():
    return ZoneInfo(current_app.config["FORUM_TIMEZONE"])


@dataclass(frozen=True)
class Period:
    """Calendar days `first` to `last` (both included) in the forum's time zone; weeks start on Monday."""

    first: date
    last: date

    @classmethod
    def preset(cls, name, today=None):
        today = today or clock.now().astimezone(forum_zone()).date()
        monday = today - timedelta(days=today.weekday())
        if name == "week":
            return cls(monday, today)
        if name == "4weeks":
            return cls(monday - timedelta(weeks=3), today)
        if name == "year":
            return cls(date(today.year, 1, 1), today)
        raise Invalid(_("Unknown period."))

    @classmethod
    def custom(cls, first, last):
        if first is None or last is None:
            raise Invalid(_("A custom range needs a first and a last day."))
        if last < first:
            raise Invalid(_("The last day comes before the first day."))
        if last - first > LONGEST_PERIOD:
            raise Invalid(_("A period is at most three years long."))
        return cls(first, last)

    def _moment(self, day):
        return datetime.combine(day, time(0), tzinfo=forum_zone()).astimezone(UTC)

    @property
    def starts_at(self):
        return self._moment(self.first)

    @property
    def ends_at(self):
        """The first moment after the period (midnight after its last day)."""
        return self._moment(self.last + timedelta(days=1))

    @property
    def week_starts(self):
        """The first day of each week of the period: its first day, then every Monday after it."""
        starts = [self.first]
        monday = self.first + timedelta(days=7 - self.first.weekday())
        while monday <= self.last:
            starts.append(monday)
            monday += timedelta(weeks=1)
        return starts


@dataclass(frozen=True)
class Filters:
    """What the statistics are restricted to; None means "all"."""

    period: Period
    group_id: int | None = None
    language_code: str | None = None
    category_id: int | None = None
    room_id: int | None = None
    discussion_id: int | None = None

    def with_period(self, period):
        return replace(self, period=period)


# Tables -------------------------------------------------------------------------


@dataclass
class Table:
    """One table of the report: shown on the page, downloadable as CSV, printed in the PDF."""

    key: str
    title: str
    definition: str
    columns: list
    rows: list = field(default_factory=list)
    # Tables the members' summary may show (aggregates by state, group, language, category only).
    public: bool = True
    # A chart drawn from the table: "bar" (categories), "line" (weeks) or None.
    chart: str | None = None


@dataclass
class Report:
    filters: Filters
    tables: list
    headline: dict

    def table(self, key):
        return next((table for table in self.tables if table.key == key), None)

    def for_summary(self):
        return Report(self.filters, [table for table in self.tables if table.public], self.headline)


# Queries ------------------------------------------------------------------------


def _in_period(column, period):
    return and_(column >= period.starts_at, column < period.ends_at)


def _weeks(period):
    """The period's weeks as a small derived table (week, starts, ends, monday): UTC moments, one row per week.

    Posts are bucketed by a range join against it (`starts <= created_at < ends`), which the database
    answers with one index range scan per week on `ix_posts_created_state`, with no function evaluated
    per post (the forum's time zone and its daylight-saving changes are applied here, once per week).
    `monday` is the first day of a whole week (Monday to Sunday), which the rollup may have counted
    (forum.stats.rollup); NULL for a partial week at either end of the period.
    """
    starts = period.week_starts
    ends = [*starts[1:], period.last + timedelta(days=1)]
    rows = [
        (index, period._moment(first), period._moment(after), first if after - first == timedelta(weeks=1) else None)
        for index, (first, after) in enumerate(zip(starts, ends, strict=True))
    ]
    return rollup.derived_weeks(rows, "weeks")


def _post_scope(filters, in_period=True):
    """Posts written in the period in the rooms, languages, discussions and regional group filtered on."""
    conditions = [_in_period(Post.created_at, filters.period)] if in_period else []
    if filters.room_id:
        conditions.append(Thread.room_id == filters.room_id)
    if filters.language_code:
        conditions.append(Room.language_code == filters.language_code)
    if filters.category_id:
        conditions.append(Room.category_id == filters.category_id)
    if filters.discussion_id:
        conditions.append(Thread.discussion_id == filters.discussion_id)
    if filters.group_id:
        conditions.append(MemberState.group_id == filters.group_id)
    return conditions


def _posts(filters, *columns, visible=True, by_room=False, by_author=False, weeks=None):
    """Posts in `filters`, joined only to what the columns and filters need (each join costs a lookup per post).

    With `weeks` (from `_weeks`), each post is joined to the week it was written in (the weeks the
    query is given: the caller leaves out those the rollup answers for).
    """
    if weeks is not None:
        query = (
            select(*columns)
            .select_from(weeks)
            .join(Post, and_(Post.created_at >= weeks.c.starts, Post.created_at < weeks.c.ends))
        )
    else:
        query = select(*columns).select_from(Post)
    needs_room = bool(filters.language_code or filters.category_id)
    if by_room or needs_room or filters.room_id or filters.discussion_id:
        query = query.join(Thread, Thread.id == Post.thread_id)
    if needs_room:
        query = query.join(Room, Room.id == Thread.room_id)
    if by_author or filters.group_id:
        query = query.join(User, User.id == Post.author_id)
    if filters.group_id:
        query = query.join(MemberState, MemberState.id == User.member_state_id)
    # Joined to the weeks, the period is theirs: no second range on created_at, so that the posts'
    # index is searched once per week (weeks first) instead of comparing every post to every week.
    query = query.where(*_post_scope(filters, in_period=weeks is None))
    return query.where(Post.state.in_(PARTICIPATION)) if visible else query


def _account_scope(filters):
    return [MemberState.group_id == filters.group_id] if filters.group_id else []


def _guest_organisation():
    return case((User.role == Role.guest, func.coalesce(User.organisation, "")), else_=literal(None))


def _wrote(filters):
    """The account wrote a post that counts in the period, in the rooms or discussion filtered on.

    Asked per account: a seek on the posts' (author, time) index finds its first post of the period.
    """
    posts = _posts(replace(filters, group_id=None), literal(1)).where(Post.author_id == User.id)
    return exists(posts)


def _participants(filters):
    """(role, member state, organisation, active accounts, posting accounts), in one pass over the accounts.

    Active: a day of activity recorded in the period, or a post written in it (in any room); posting: a post
    written in the period within the filters. Each is asked per account (EXISTS, a seek on each table's
    (user, day) or (author, time) index), so the cost follows the number of accounts, not of posts.
    """
    period = filters.period
    read = exists().where(
        ActivityDay.user_id == User.id,
        ActivityDay.day >= period.starts_at.date(),
        ActivityDay.day <= (period.ends_at - timedelta(seconds=1)).date(),
    )
    posting = _wrote(filters)
    narrowed = filters.room_id or filters.language_code or filters.category_id or filters.discussion_id
    wrote = _wrote(Filters(period)) if narrowed else posting
    accounts = (
        select(
            *_user_columns(),
            case((or_(read, wrote), 1), else_=0).label("active"),
            case((posting, 1), else_=0).label("posting"),
        )
        .outerjoin(MemberState, MemberState.id == User.member_state_id)
        .where(*_account_scope(filters))
        .subquery()
    )
    keys = (accounts.c.role, accounts.c.member_state_id, accounts.c.organisation)
    # No HAVING: PostgreSQL would ask the EXISTS of its sum again for every account.
    return select(*keys, func.sum(accounts.c.active), func.sum(accounts.c.posting)).group_by(*keys)


@dataclass
class Counts:
    """The grouped query results a report is arranged from (kept apart so the arrangement is plain Python)."""

    states: list
    groups: list
    rooms: list
    accounts: list
    active: list
    posting: list
    # (room, week, posts taking part, threads started, hidden posts, held posts).
    room_weeks: list
    # Delegations' posts taking part (the other authors' posts are not per state), from the posts per member state
    # and week, summed in SQL both ways: ("state", member state, posts, weeks posting) and ("week", week, posts,
    # member states posting).
    delegation_posts: list
    discussions: list
    discussion_languages: list
    discussion_authors: list
    proposals: list
    endorsements: list
    flags: list
    sanctions: list
    emails_sent: int


def _user_columns():
    return (User.role, User.member_state_id, _guest_organisation().label("organisation"))


def gather(filters):
    """Run the report's grouped queries (a fixed number, whatever the history)."""
    period = filters.period
    in_created = _in_period(User.created_at, period)
    in_activated = _in_period(User.activated_at, period)
    accounts = (
        select(
            User.role,
            User.member_state_id,
            func.count(),
            func.sum(case((in_created, 1), else_=0)),
            func.sum(case((in_activated, 1), else_=0)),
        )
        .outerjoin(MemberState, MemberState.id == User.member_state_id)
        .where(User.created_at < period.ends_at, *_account_scope(filters))
        .group_by(User.role, User.member_state_id)
    )
    participants = db.session.execute(_participants(filters)).all()
    weeks = _weeks(period)
    return Counts(
        states=db.session.scalars(select(MemberState).order_by(MemberState.id)).all(),
        groups=db.session.scalars(select(RegionalGroup).order_by(RegionalGroup.position, RegionalGroup.id)).all(),
        rooms=db.session.scalars(select(Room).order_by(Room.id)).all(),
        accounts=db.session.execute(accounts).all(),
        active=[(*keys, active) for *keys, active, _posting in participants if active],
        posting=[(*keys, posting) for *keys, _active, posting in participants if posting],
        room_weeks=db.session.execute(_room_weeks(filters, weeks)).all(),
        delegation_posts=db.session.execute(_delegation_posts(filters, weeks)).all(),
        **_discussion_counts(filters),
        **_proposal_counts(filters),
        **_moderation_counts(filters),
    )


# Weekly counts: the rollup's weeks from its rows, the others from the posts -------------------


def _live_weeks(weeks, rollup_applies):
    """The weeks to count from the posts: every week, or those the rollup has not counted."""
    if not rollup_applies:
        return weeks
    return select(weeks).where(~rollup.rolled(weeks.c.monday)).subquery("live_weeks")


def _count_if(condition):
    return func.sum(case((condition, 1), else_=0))


def _room_weeks(filters, weeks):
    """(room, week, posts taking part, threads started, hidden, held) in one pass over the posts.

    The rollup counts by room alone: it answers unless the posts are narrowed by their authors'
    regional group or by a discussion.
    """
    applies = not (filters.group_id or filters.discussion_id)
    live_weeks = _live_weeks(weeks, applies)
    taking_part = Post.state.in_(PARTICIPATION)
    live = _posts(
        filters,
        Thread.room_id,
        live_weeks.c.week,
        _count_if(taking_part),
        _count_if(and_(taking_part, Post.number == 1)),
        _count_if(Post.state == PostState.hidden),
        _count_if(Post.state == PostState.held),
        visible=False,
        by_room=True,
        weeks=live_weeks,
    ).group_by(Thread.room_id, live_weeks.c.week)
    if not applies:
        return live
    counted = (
        select(RoomWeek.room_id, weeks.c.week, RoomWeek.posts, RoomWeek.threads, RoomWeek.hidden, RoomWeek.held)
        .select_from(weeks)
        .join(RoomWeek, RoomWeek.week == weeks.c.monday)
        .where(rollup.rolled(weeks.c.monday))
    )
    if filters.room_id:
        counted = counted.where(RoomWeek.room_id == filters.room_id)
    if filters.language_code or filters.category_id:
        counted = counted.join(Room, Room.id == RoomWeek.room_id).where(*_room_scope(filters))
    return union_all(live, counted)


def _room_scope(filters):
    conditions = []
    if filters.language_code:
        conditions.append(Room.language_code == filters.language_code)
    if filters.category_id:
        conditions.append(Room.category_id == filters.category_id)
    return conditions


def _state_weeks(filters, weeks):
    """(member state, week, posts taking part) by delegates; the rollup answers unless rooms or a discussion are
    filtered on (it counts by member state alone)."""
    applies = not (filters.room_id or filters.language_code or filters.category_id or filters.discussion_id)
    live_weeks = _live_weeks(weeks, applies)
    live = (
        _posts(filters, User.member_state_id, live_weeks.c.week, func.count(), by_author=True, weeks=live_weeks)
        .where(User.role == Role.delegate, User.member_state_id.is_not(None))
        .group_by(User.member_state_id, live_weeks.c.week)
    )
    if not applies:
        return live
    counted = (
        select(StateWeek.member_state_id, weeks.c.week, StateWeek.posts)
        .select_from(weeks)
        .join(StateWeek, StateWeek.week == weeks.c.monday)
        .where(rollup.rolled(weeks.c.monday))
    )
    if filters.group_id:
        counted = counted.join(MemberState, MemberState.id == StateWeek.member_state_id).where(
            MemberState.group_id == filters.group_id
        )
    return union_all(live, counted)


def _delegation_posts(filters, weeks):
    """Posts per member state (and its weeks posting) and per week (and its member states posting), in one query.

    A member state and week is one row of `_state_weeks` (its two parts never share a week), so counting rows
    counts weeks or member states.
    """
    by_state_week = _state_weeks(filters, weeks).cte("state_weeks")
    state, week, posts = by_state_week.c
    return union_all(
        select(literal("state"), state, func.sum(posts), func.count()).group_by(state),
        select(literal("week"), week, func.sum(posts), func.count()).group_by(week),
    )


def _discussions_held(filters):
    period = filters.period
    query = (
        select(Discussion)
        .options(selectinload(Discussion.texts))
        .where(
            Discussion.cancelled_at.is_(None),
            Discussion.opens_at < period.ends_at,
            or_(Discussion.closes_at.is_(None), Discussion.closes_at >= period.starts_at),
        )
        .order_by(Discussion.opens_at, Discussion.id)
    )
    if filters.discussion_id:
        query = query.where(Discussion.id == filters.discussion_id)
    if filters.category_id:
        query = query.where(Discussion.category_id == filters.category_id)
    return query


def _discussion_replies(filters, discussion_ids, *columns):
    """Replies that count (not the opening posts) in the discussions' threads, whenever written."""
    conditions = [Thread.discussion_id.in_(discussion_ids), Post.state.in_(PARTICIPATION), Post.number > 1]
    if filters.language_code:
        conditions.append(Room.language_code == filters.language_code)
    if filters.room_id:
        conditions.append(Room.id == filters.room_id)
    return (
        select(Thread.discussion_id, *columns)
        .select_from(Post)
        .join(Thread, Thread.id == Post.thread_id)
        .join(Room, Room.id == Thread.room_id)
        .join(User, User.id == Post.author_id)
        .outerjoin(MemberState, MemberState.id == User.member_state_id)
        .where(*conditions)
    )


def _discussion_counts(filters):
    discussions = db.session.scalars(_discussions_held(filters)).all()
    # The ids themselves (a few dozen), not a subquery: the database then starts from these discussions' threads.
    ids = [discussion.id for discussion in discussions]
    languages = _discussion_replies(filters, ids, Room.language_code, func.count(), func.min(Post.created_at))
    delegation = and_(User.role == Role.delegate, User.member_state_id.is_not(None))
    # Per discussion: member states and regional groups of the delegates who replied, guests and experts who did.
    authors = _discussion_replies(
        filters,
        ids,
        func.count(distinct(case((delegation, User.member_state_id)))),
        func.count(distinct(case((delegation, MemberState.group_id)))),
        func.count(distinct(case((User.role == Role.guest, Post.author_id)))),
        func.count(distinct(case((User.role == Role.staff, Post.author_id)))),
    )
    return {
        "discussions": discussions,
        "discussion_languages": db.session.execute(languages.group_by(Thread.discussion_id, Room.language_code)).all(),
        "discussion_authors": db.session.execute(authors.group_by(Thread.discussion_id)).all(),
    }


def _proposal_counts(filters):
    period = filters.period
    proposals = select(TopicProposal.status, func.count()).where(_in_period(TopicProposal.created_at, period))
    endorsements = select(Endorsement.group_id, func.count()).where(_in_period(Endorsement.created_at, period))
    if filters.category_id:
        proposals = proposals.where(TopicProposal.category_id == filters.category_id)
    if filters.group_id:
        endorsements = endorsements.where(Endorsement.group_id == filters.group_id)
    return {
        "proposals": db.session.execute(proposals.group_by(TopicProposal.status)).all(),
        "endorsements": db.session.execute(endorsements.group_by(Endorsement.group_id)).all(),
    }


def _moderation_counts(filters):
    period = filters.period
    return {
        "flags": db.session.execute(
            select(Flag.created_at, Flag.handled_at).where(_in_period(Flag.created_at, period))
        ).all(),
        "sanctions": db.session.execute(
            select(Sanction.kind, func.count()).where(_in_period(Sanction.created_at, period)).group_by(Sanction.kind)
        ).all(),
        "emails_sent": db.session.scalar(
            select(func.count())
            .select_from(OutgoingEmail)
            .where(OutgoingEmail.status == EmailStatus.sent, _in_period(OutgoingEmail.sent_at, period))
        ),
    }


# Arranging the counts into tables -----------------------------------------------


def _is_delegation(role, state_id):
    return role == Role.delegate and state_id is not None


def _audience(role):
    """ "delegation", "secretariat" or "guest": whose activity a row is."""
    if role == Role.guest:
        return "guest"
    if role in SECRETARIAT_ROLES:
        return "secretariat"
    return "delegation"


AUDIENCE_LABELS = {
    "delegation": _l("Delegations"),
    "secretariat": _l("Secretariat and moderators"),
    "guest": _l("Guests"),
}


def build_report(filters, locale="en"):
    """The whole report for `filters`: headline figures and every table, names in `locale`."""
    return arrange(gather(filters), filters, locale)


def arrange(counts, filters, locale):
    context = _Context(counts, filters, locale)
    tables = [
        _member_state_table(context),
        _group_table(context),
        _accounts_table(context),
        _guests_table(context),
        _language_table(context),
        _category_table(context),
        _room_table(context),
        _weeks_table(context),
        _discussions_table(context),
        _proposals_table(context),
        _endorsements_table(context),
        _moderation_table(context),
        _engagement_table(context),
    ]
    return Report(filters, tables, context.headline())


class _Context:
    """The counts with the lookups every table needs (states by id, rooms by id, per-state sums)."""

    def __init__(self, counts, filters, locale):
        self.counts, self.filters, self.locale = counts, filters, locale
        self.states = {state.id: state for state in counts.states}
        self.groups = counts.groups
        self.rooms = {room.id: room for room in counts.rooms}
        self.weeks = filters.period.week_starts
        self.state_accounts = Counter()
        for role, state_id, total, _created, _activated in counts.accounts:
            if _is_delegation(role, state_id):
                self.state_accounts[state_id] += total
        self.state_active = Counter()
        for role, state_id, _organisation, total in counts.active:
            if _is_delegation(role, state_id):
                self.state_active[state_id] += total
        # Posts and weeks posting of each member state's delegates; posts and member states posting in each week.
        self.state_posts, self.state_weeks = Counter(), Counter()
        self.week_posts, self.week_states = Counter(), Counter()
        for by, key, posts, rows in counts.delegation_posts:
            if by == "state":
                self.state_posts[key] += posts
                self.state_weeks[key] += rows
            else:
                self.week_posts[key] += posts
                self.week_states[key] += rows

    def state_name(self, state_id):
        return self.states[state_id].name_in(self.locale)

    def in_group(self, state_id, group):
        return self.states[state_id].group_id == group.id

    def states_of(self, group):
        return [state for state in self.counts.states if state.group_id == group.id and state.active]

    def visible_groups(self):
        return [group for group in self.groups if not self.filters.group_id or group.id == self.filters.group_id]

    def headline(self):
        posting = [state for state, posts in self.state_posts.items() if posts]
        returning = [state for state in posting if self.state_weeks[state] >= 2]
        return {
            "states_with_accounts": len([state for state, total in self.state_accounts.items() if total]),
            "states_active": len([state for state, total in self.state_active.items() if total]),
            "states_posting": len(posting),
            "states_total": MEMBER_STATES_TOTAL,
            "states_returning": len(returning),
            "posts": sum(row[2] for row in self.counts.room_weeks),
        }


def _member_state_table(context):
    rows = []
    for state_id, state in context.states.items():
        accounts, active, posts = (
            context.state_accounts[state_id],
            context.state_active[state_id],
            context.state_posts[state_id],
        )
        if accounts or active or posts:
            rows.append(
                [
                    context.state_name(state_id),
                    state.group.name,
                    accounts,
                    active,
                    posts,
                    context.state_weeks[state_id],
                ]
            )
    rows.sort(key=lambda row: collation_key(row[0], context.locale))
    return Table(
        "member-states",
        _("Member states"),
        _(
            "Member states with at least one delegate account. Active: a delegate read or wrote on a day of the "
            "period. Posts: posts by its delegates, published or since erased at their author's request (hidden and "
            "held posts are not counted). Weeks: weeks of the period in which its delegates posted."
        ),
        [_("Member state"), _("Regional group"), _("Accounts"), _("Active accounts"), _("Posts"), _("Weeks posting")],
        rows,
    )


def _group_table(context):
    rows = []
    for group in context.visible_groups():
        members = context.states_of(group)
        ids = {state.id for state in members}
        rows.append(
            [
                group.name,
                len(members),
                len([state for state in ids if context.state_accounts[state]]),
                len([state for state in ids if context.state_active[state]]),
                len([state for state in ids if context.state_posts[state]]),
                _("%(group)s: %(posting)d of %(total)d posting")
                % {
                    "group": group.name,
                    "posting": len([state for state in ids if context.state_posts[state]]),
                    "total": len(members),
                },
            ]
        )
    return Table(
        "regional-groups",
        _("Member states by regional group"),
        _(
            "Of the member states in each regional group: those with at least one delegate account, those whose "
            "delegates were active (read or wrote) and those whose delegates posted in the period."
        ),
        [_("Regional group"), _("Member states"), _("With an account"), _("Active"), _("Posting"), _("Summary")],
        rows,
        chart="bar",
    )


def _accounts_table(context):
    created, activated, active, posting = Counter(), Counter(), Counter(), Counter()
    for role, _state, _total, made, opened in context.counts.accounts:
        created[_audience(role)] += made or 0
        activated[_audience(role)] += opened or 0
    for role, _state, _organisation, total in context.counts.active:
        active[_audience(role)] += total
    for role, _state, _organisation, total in context.counts.posting:
        posting[_audience(role)] += total
    rows = [
        [str(AUDIENCE_LABELS[audience]), created[audience], activated[audience], active[audience], posting[audience]]
        for audience in AUDIENCE_LABELS
    ]
    return Table(
        "accounts",
        _("Accounts"),
        _(
            "Accounts created and activated (password chosen) in the period; active: read or wrote on a day of the "
            "period; posting: wrote a post that counts (published, or since erased at the author's request). The "
            "Secretariat (experts, moderators, administrators) and guests are counted apart from the delegations."
        ),
        [_("Who"), _("Created"), _("Activated"), _("Active"), _("Posting")],
        rows,
    )


def _guests_table(context):
    active, posting = Counter(), Counter()
    for role, _state, organisation, total in context.counts.active:
        if role == Role.guest:
            active[organisation or "—"] += total
    for role, _state, organisation, total in context.counts.posting:
        if role == Role.guest:
            posting[organisation or "—"] += total
    names = sorted(set(active) | set(posting), key=lambda name: collation_key(name, context.locale))
    return Table(
        "guests",
        _("Guests by organisation"),
        _("Guest accounts active (read or wrote) and posting in the period, by the organisation they represent."),
        [_("Organisation"), _("Active"), _("Posting")],
        [[name, active[name], posting[name]] for name in names],
        public=False,
    )


def _room_posts(context):
    posts, threads = Counter(), Counter()
    for room_id, _week, taking_part, started, _hidden, _held in context.counts.room_weeks:
        posts[room_id] += taking_part
        threads[room_id] += started
    return posts, threads


def _language_table(context):
    from forum.i18n import language_name

    posts, threads = _room_posts(context)
    by_language_posts, by_language_threads = Counter(), Counter()
    for room_id, room in context.rooms.items():
        by_language_posts[room.language_code] += posts[room_id]
        by_language_threads[room.language_code] += threads[room_id]
    positions = {room.language_code: (room.language.position, room.language_code) for room in context.rooms.values()}
    codes = sorted(positions, key=positions.get)
    return Table(
        "languages",
        _("Posts and threads by language"),
        _(
            "Posts written in the period (published, or since erased at their author's request), and threads "
            "started in it, in each content language's rooms."
        ),
        [_("Language"), _("Threads"), _("Posts")],
        [[language_name(code), by_language_threads[code], by_language_posts[code]] for code in codes],
        chart="bar",
    )


def _category_table(context):
    posts, threads = _room_posts(context)
    by_category_posts, by_category_threads, names = Counter(), Counter(), {}
    for room_id, room in context.rooms.items():
        names[room.category_id] = room.category.text(context.locale)[0]
        by_category_posts[room.category_id] += posts[room_id]
        by_category_threads[room.category_id] += threads[room_id]
    return Table(
        "categories",
        _("Posts and threads by category"),
        _(
            "Posts written in the period (published, or since erased at their author's request), and threads "
            "started in it, in each category's rooms (all languages)."
        ),
        [_("Category"), _("Threads"), _("Posts")],
        [[name, by_category_threads[category], by_category_posts[category]] for category, name in names.items()],
        chart="bar",
    )


def _room_table(context):
    from forum.i18n import language_name

    posts, threads = _room_posts(context)
    rows = [
        [room.category.text(context.locale)[0], language_name(room.language_code), threads[room_id], posts[room_id]]
        for room_id, room in context.rooms.items()
        if posts[room_id] or threads[room_id]
    ]
    return Table(
        "rooms",
        _("Posts and threads by room"),
        _(
            "Rooms in which something was written in the period: threads started, and posts published or since "
            "erased at their author's request."
        ),
        [_("Category"), _("Language"), _("Threads"), _("Posts")],
        rows,
    )


def _weeks_table(context):
    everyone = Counter()
    for _room, week, total, *_others in context.counts.room_weeks:
        everyone[week] += total
    rows = [
        [start.isoformat(), everyone[index], context.week_posts[index], context.week_states[index]]
        for index, start in enumerate(context.weeks)
    ]
    return Table(
        "weeks",
        _("Posts by week"),
        _(
            "Posts in each week of the period, published or since erased at their author's request (weeks start on "
            "Monday in the forum's time zone; the first week starts on the period's first day): by everyone, by "
            "delegations, and the member states posting."
        ),
        [_("Week starting"), _("Posts"), _("Posts by delegations"), _("Member states posting")],
        rows,
        chart="line",
    )


def _discussions_table(context):
    from forum.i18n import language_name

    replies, first_reply = defaultdict(dict), {}
    for discussion_id, code, total, earliest in context.counts.discussion_languages:
        replies[discussion_id][code] = total
        if earliest is not None and (discussion_id not in first_reply or earliest < first_reply[discussion_id]):
            first_reply[discussion_id] = earliest
    # (member states, regional groups, guests, experts) by discussion.
    authors = {discussion_id: counts for discussion_id, *counts in context.counts.discussion_authors}
    rows = []
    for discussion in context.counts.discussions:
        title = discussion_title(discussion, context.locale)
        per_language = "; ".join(
            f"{language_name(code)}: {total}" for code, total in sorted(replies[discussion.id].items())
        )
        opened = _utc(discussion.opens_at)
        first = first_reply.get(discussion.id)
        hours = round((_utc(first) - opened).total_seconds() / 3600, 1) if first else ""
        rows.append(
            [
                title,
                discussion.opens_at.astimezone(forum_zone()).date().isoformat(),
                sum(replies[discussion.id].values()),
                per_language,
                *authors.get(discussion.id, (0, 0, 0, 0)),
                hours,
            ]
        )
    return Table(
        "discussions",
        _("Weekly discussions held in the period"),
        _(
            "Each weekly discussion open during the period (cancelled ones left out): its replies, published or "
            "since erased at their author's request, in all and per language; the member states and regional "
            "groups whose delegates replied; guests and Secretariat experts who replied; hours from its opening to "
            "the first reply."
        ),
        [
            _("Discussion"),
            _("Opened"),
            _("Replies"),
            _("Replies per language"),
            _("Member states"),
            _("Regional groups"),
            _("Guests"),
            _("Secretariat experts"),
            _("Hours to first reply"),
        ],
        rows,
    )


def _utc(moment):
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def discussion_title(discussion, locale):
    texts = {text.language_code: text.title for text in discussion.texts}
    return texts.get(locale) or texts.get("en") or next(iter(texts.values()), str(discussion.id))


PROPOSAL_ROWS = (
    ("proposed", _l("Proposed")),
    ("considered", _l("Under consideration")),
    ("accepted", _l("Accepted (including those since scheduled)")),
    ("declined", _l("Declined")),
)


def _proposals_table(context):
    by_status = Counter(dict(context.counts.proposals))
    figures = {
        "proposed": sum(by_status.values()),
        "considered": by_status[ProposalStatus.under_consideration],
        "accepted": by_status[ProposalStatus.accepted] + by_status[ProposalStatus.scheduled],
        "declined": by_status[ProposalStatus.declined],
    }
    return Table(
        "proposals",
        _("Topic proposals"),
        _("Topic proposals made in the period, and where they stand now."),
        [_("Proposals"), _("Number")],
        [[str(label), figures[key]] for key, label in PROPOSAL_ROWS],
    )


def _endorsements_table(context):
    by_group = Counter(dict(context.counts.endorsements))
    rows = [[group.name, by_group[group.id]] for group in context.visible_groups()]
    if not context.filters.group_id:
        rows.append([_("Secretariat"), by_group[None]])
    return Table(
        "endorsements",
        _("Endorsements by regional group"),
        _("Endorsements of topic proposals given in the period, by the endorser's regional group."),
        [_("Regional group"), _("Endorsements")],
        rows,
    )


def _median_hours(flags):
    durations = [(_utc(handled) - _utc(made)).total_seconds() / 3600 for made, handled in flags if handled]
    return round(statistics.median(durations), 1) if durations else ""


def _moderation_table(context):
    posts = Counter()
    for *_keys, hidden, held in context.counts.room_weeks:
        posts[PostState.hidden] += hidden
        posts[PostState.held] += held
    sanctions = Counter(dict(context.counts.sanctions))
    rows = [
        [_("Reports"), len(context.counts.flags)],
        [_("Median hours to handle a report"), _median_hours(context.counts.flags)],
        [_("Hidden posts"), posts[PostState.hidden]],
        [_("Held posts"), posts[PostState.held]],
        [_("Warnings"), sanctions[SanctionKind.warning]],
        [_("Suspensions"), sanctions[SanctionKind.suspension]],
    ]
    return _figures_table(
        "moderation",
        _("Moderation"),
        _(
            "Reports made in the period and the median time until handled (reports handled so far); posts written "
            "in the period that are now hidden or held for review; warnings and suspensions given in the period."
        ),
        _("Number"),
        rows,
    )


def _engagement_table(context):
    headline = context.headline()
    posting = headline["states_posting"]
    share = f"{round(100 * headline['states_returning'] / posting)} %" if posting else "—"
    rows = [
        [_("Member states posting"), posting],
        [_("Member states posting in two or more weeks"), headline["states_returning"]],
        [_("Share coming back"), share],
        [_("E-mail notifications sent"), context.counts.emails_sent],
        [_("Unsubscribes"), _("not recorded")],
    ]
    return _figures_table(
        "engagement",
        _("Engagement"),
        _(
            "Member states whose delegates posted in two or more different weeks of the period, as a share of those "
            "posting; e-mails sent in the period. Unsubscribing is not recorded with a date, so it cannot be counted."
        ),
        _("Value"),
        rows,
    )


def _figures_table(key, title, definition, value_heading, rows):
    """A table of named figures, one a row, for the full statistics only (the moderation and engagement tables)."""
    return Table(key, title, definition, [_("Figure"), value_heading], rows, public=False)
