"""Searching: what a query means, and the one SQL query that finds what the reader may see.

A query is words. Quoted text is a phrase, a leading `-` excludes, a
trailing `*` matches a prefix; every other character only separates words,
so no input is a syntax error. Words are folded and stemmed as the index
was (forum.search.text): each query word matches its English, French or
Spanish stem, or itself, since a reader searches every language at once.

Permissions are part of the query (forum.policy scopes), never a filter
applied to results afterwards, so counts and pages are right.
"""

import itertools
import math
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from functools import lru_cache
from time import monotonic

from flask_babel import gettext as _
from markupsafe import Markup, escape
from sqlalchemy import (
    String,
    and_,
    case,
    cast,
    column,
    false,
    func,
    literal,
    literal_column,
    or_,
    select,
    table,
    true,
    union_all,
)
from sqlalchemy import text as sql_text
from sqlalchemy.dialects.postgresql import TSQUERY

from forum import policy
from forum.accounts.models import User
from forum.extensions import db
from forum.members.models import MemberState
from forum.members.service import state_name
from forum.rooms.models import Language
from forum.search import index, schema, text
from forum.search.models import EntryKind, SearchEntry
from forum.threads.models import Post, PostState, Thread, Watch

MAX_QUERY_LENGTH = 200
# More terms than this add cost and no precision; the rest are ignored.
MAX_TERMS = 12
PER_PAGE = 20
# Counting stops here: a page says "more than 1,000 results", and offers the first COUNT_CAP // PER_PAGE pages.
COUNT_CAP = 1000
SNIPPET_WORDS = 30

# Sorting.
RELEVANCE = "relevance"
NEWEST = "date"


class QueryProblem(ValueError):
    """A query that cannot be searched, with the translated reason."""


@dataclass(frozen=True)
class Term:
    words: tuple
    negated: bool = False
    prefix: bool = False

    @property
    def is_phrase(self):
        return len(self.words) > 1


@dataclass
class Query:
    terms: list

    @property
    def positive(self):
        return [term for term in self.terms if not term.negated]

    @property
    def negative(self):
        return [term for term in self.terms if term.negated]


_TOKEN = re.compile(r'(-?)"([^"]*)"?|(-?)(\S+)')


def parse_query(raw):
    """The terms of a query string; raises QueryProblem (translated) when there is nothing to search."""
    raw = (raw or "").strip()
    if len(raw) > MAX_QUERY_LENGTH:
        raise QueryProblem(_("Your search is too long: use at most %(count)d characters.", count=MAX_QUERY_LENGTH))
    terms = []
    had_words = False
    for match in _TOKEN.finditer(raw):
        phrase_negated, phrase, word_negated, token = match.groups()
        if phrase is not None:
            found = tuple(text.words(phrase))
            had_words = had_words or bool(found)
            if found:
                terms.append(Term(found, negated=bool(phrase_negated)))
            continue
        terms.extend(_token_terms(token, bool(word_negated)))
        had_words = had_words or bool(text.words(token))
    terms = list(dict.fromkeys(terms))[:MAX_TERMS]
    if not any(not term.negated for term in terms):
        if had_words:
            raise QueryProblem(_("Your search has only very common words: add a more specific word."))
        raise QueryProblem(_("Type a word to search for."))
    return Query(terms)


def _token_terms(token, negated):
    """One unquoted token: `-co-operation` excludes a phrase, `d'évaluation` searches `evaluation`."""
    prefix = token.endswith("*")
    found = text.words(token)
    if not found:
        return []
    if negated:
        return [Term(tuple(found), negated=True, prefix=prefix and len(found) == 1)]
    terms = [Term((word,)) for word in found[:-1] if not text.is_stop_word(word)]
    last = found[-1]
    if prefix:
        terms.append(Term((last,), prefix=True))
    elif not text.is_stop_word(last):
        terms.append(Term((last,)))
    return terms


# The SQLite match expression ----------------------------------------------------


def _quoted(value):
    return '"' + value.replace('"', '""') + '"'


def _fts_alternatives(term):
    """The index forms of one term, as an FTS5 OR group of quoted strings (never FTS5 syntax from the user)."""
    if term.prefix:
        word = term.words[0]
        forms = [word] + [stem for stem in text.query_stems(word) if len(stem) >= 3]
        return "(" + " OR ".join(_quoted(form) + " *" for form in dict.fromkeys(forms)) + ")"
    if term.is_phrase:
        forms = [" ".join(text.stem(word, code) for word in term.words) for code in text.QUERY_LANGUAGES]
        forms.append(" ".join(term.words))
    else:
        forms = text.query_stems(term.words[0])
    return "(" + " OR ".join(_quoted(form) for form in dict.fromkeys(forms)) + ")"


def fts_expression(query):
    """The FTS5 MATCH string for a parsed query."""
    expression = " AND ".join(_fts_alternatives(term) for term in query.positive)
    for term in query.negative:
        expression += " NOT " + _fts_alternatives(term)
    return expression


# The PostgreSQL tsquery -----------------------------------------------------------

_CONFIGS = (*schema.POSTGRES_CONFIGS.values(), schema.POSTGRES_DEFAULT_CONFIG)


def _tsquery(term):
    """A tsquery matching `term` in any content language's configuration (bound parameters only)."""
    alternatives = []
    for config in _CONFIGS:
        regconfig = literal_column(f"'{config}'::regconfig")
        if term.prefix:
            alternatives.append(func.to_tsquery(regconfig, f"'{term.words[0]}':*"))
        elif term.is_phrase:
            alternatives.append(func.phraseto_tsquery(regconfig, " ".join(term.words)))
        else:
            alternatives.append(func.plainto_tsquery(regconfig, term.words[0]))
    combined = alternatives[0]
    for alternative in alternatives[1:]:
        combined = combined.op("||")(alternative)
    return combined


def _postgres_match(query, scope=None):
    """The condition on SearchEntry.document that a text matches `query`, in `scope` (`_scope`) if given."""
    conditions = [SearchEntry.document.bool_op("@@")(_tsquery(term)) for term in query.positive]
    conditions += [~SearchEntry.document.bool_op("@@")(_tsquery(term)) for term in query.negative]
    if scope is not None:
        conditions.append(SearchEntry.document.bool_op("@@")(cast(scope, TSQUERY)))
    return and_(*conditions)


def _postgres_rank(query, document):
    """ts_rank of a matching `document` for `query`'s words (default weights: a title (A) 1.0, a body (B) 0.4)."""
    positive = [_tsquery(term) for term in query.positive]
    everything = positive[0]
    for tsquery in positive[1:]:
        everything = everything.op("&&")(tsquery)
    return func.ts_rank(document, everything)


# Filters ---------------------------------------------------------------------------


@dataclass
class Filters:
    category_id: int | None = None
    language_code: str | None = None
    room_id: int | None = None
    member_state_id: int | None = None
    group_id: int | None = None
    author: str | None = None
    date_from: datetime | None = None
    date_to: datetime | None = None
    weekly_only: bool = False
    following: bool = False
    sort: str = RELEVANCE

    @property
    def active(self):
        """True when any filter narrows the search (the sort is not a filter)."""
        values = (self.category_id, self.language_code, self.room_id, self.member_state_id, self.group_id)
        return any(v is not None for v in values) or bool(
            self.author or self.date_from or self.date_to or self.weekly_only or self.following
        )


def _authors_where(*conditions):
    return SearchEntry.author_id.in_(select(User.id).where(*conditions))


def _place_conditions(filters):
    """Where a text was written: category, language, room, weekly discussions (copied onto the rows)."""
    conditions = []
    if filters.category_id is not None:
        conditions.append(SearchEntry.category_id == filters.category_id)
    if filters.language_code is not None:
        # A room's texts are in its language (a discussion's summary in each room's own): the row's copy, as for the
        # category; texts outside rooms (topic proposals) are in no room's language.
        conditions.append(and_(SearchEntry.room_id.is_not(None), SearchEntry.language_code == filters.language_code))
    if filters.room_id is not None:
        conditions.append(SearchEntry.room_id == filters.room_id)
    if filters.weekly_only:
        conditions.append(SearchEntry.discussion_id.is_not(None))
    return conditions


def _author_user_conditions(filters):
    """Conditions on User for who wrote it: member state, regional group, part of a name."""
    conditions = []
    if filters.member_state_id is not None:
        conditions.append(User.member_state_id == filters.member_state_id)
    if filters.group_id is not None:
        conditions.append(
            User.member_state_id.in_(select(MemberState.id).where(MemberState.group_id == filters.group_id))
        )
    if filters.author:
        pattern = "%" + filters.author.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        conditions.append(User.display_name.ilike(pattern, escape="\\"))
    return conditions


def _author_conditions(filters):
    """Who wrote it (the authors, looked up once)."""
    conditions = _author_user_conditions(filters)
    return [_authors_where(*conditions)] if conditions else []


def _filter_conditions(filters, user):
    """SQL conditions for the chosen filters, on the rows' own columns."""
    conditions = _place_conditions(filters) + _author_conditions(filters)
    if filters.date_from is not None:
        conditions.append(SearchEntry.created_at >= datetime.combine(filters.date_from, time(), UTC))
    if filters.date_to is not None:
        conditions.append(SearchEntry.created_at < datetime.combine(filters.date_to + timedelta(days=1), time(), UTC))
    if filters.following:
        conditions.append(SearchEntry.thread_id.in_(select(Watch.thread_id).where(Watch.user_id == user.id)))
    return conditions


def _readable(user):
    """SQL condition on a search row: its reader may see it (forum.policy scopes on the rows' copies)."""
    return or_(
        and_(SearchEntry.kind != EntryKind.proposal, policy.readable_copied_posts(user, SearchEntry)),
        and_(SearchEntry.kind == EntryKind.proposal, true() if policy.can_view_topics(user) else false()),
    )


def forget_post(post):
    """Empty `post`'s search row now, in the current transaction: none of its words stay findable (erasure).

    For forum.privacy (erasure) and anything else that wipes a post's text: call it before or after
    changing the post; a post written again later is indexed again by the next flush.
    """
    index.forget_post(post)


# Searching ----------------------------------------------------------------------


@dataclass
class Hit:
    """One result as its page shows it, from the columns read with the matches (no ORM objects to load)."""

    entry_id: int
    kind: EntryKind
    post_id: int | None
    thread_id: int | None
    proposal_id: int | None
    category_id: int | None
    # The text's language; outside rooms (topic proposals) language_name is None.
    language_code: str
    language_name: str | None
    created_at: datetime
    author_name: str | None
    # The author's member state, named in the reader's language.
    author_state: str | None
    # The post's current state (moderators see hidden and held posts, marked).
    post_state: PostState | None
    state_clause: str | None
    title: Markup
    snippet: Markup


@dataclass
class Results:
    hits: list = field(default_factory=list)
    total: int = 0
    page: int = 1

    cap: int = COUNT_CAP
    # Sorted by relevance: how many of the latest matches were ranked (rank_window(), or on PostgreSQL all those above
    # a floor when fewer); None: sorted by date, every match was.
    window: int | None = None

    @property
    def capped(self):
        """More matches than were counted: the total reads "more than COUNT_CAP"."""
        return self.total > COUNT_CAP

    @property
    def pages(self):
        listed = min((self.total + PER_PAGE - 1) // PER_PAGE, self.cap // PER_PAGE)
        if self.window is not None:
            listed = min(listed, (self.window + PER_PAGE - 1) // PER_PAGE)
        return max(listed, 1)


# Authors named one by one in the index's scope condition; a wider author filter is left to the SQL condition.
MAX_SCOPE_AUTHORS = 200


def _place_words(filters):
    """The scope words (forum.search.schema) of the place filters: room, category, language, weekly discussions."""
    words = []
    if filters.room_id is not None:
        words.append(f"r{int(filters.room_id)}")
    if filters.category_id is not None:
        words.append(f"c{int(filters.category_id)}")
    if filters.language_code:
        words.append(schema.language_word(filters.language_code))
    if filters.weekly_only:
        words.append("w")
    return words


def _scope(filters, dialect):
    """The index's condition on the scope words (forum.search.schema) for the filters, or None: SQL for a string.

    SQLite: an FTS5 expression on scope_terms; PostgreSQL: a tsquery on the document's marked scope words.
    With it the index yields only the matches in that room, category, language, weekly discussion or by those
    authors, so a filtered search looks up only those. The SQL conditions of the filters still decide; this only
    spares looking up matches elsewhere. The authors' words are made in the same statement (no query of their
    own): `("a12" OR "a57")`, or `"a0"` (no one) when no author fits, or nothing past MAX_SCOPE_AUTHORS
    (PostgreSQL, with no other scope word: every author's, `'~ a':*`).
    """
    sqlite = dialect == "sqlite"
    both, either = (" AND ", " OR ") if sqlite else (" & ", " | ")

    def word(value):
        if sqlite:
            # Quotes doubled, as FTS5 wants inside a quoted word.
            return '"' + value.replace('"', '""') + '"'
        # A quoted tsquery lexeme: quotes and backslashes doubled.
        return "'" + (schema.POSTGRES_SCOPE_MARK + value).replace("\\", "\\\\").replace("'", "''") + "'"

    place = both.join(word(value) for value in _place_words(filters))
    conditions = _author_user_conditions(filters)
    if not conditions:
        return literal(place, String) if place else None
    authors = select(User.id).where(*conditions).limit(MAX_SCOPE_AUTHORS + 1).subquery()
    found = select(func.count()).select_from(authors).scalar_subquery()
    opening, closing = word("a")[:-1], word("a")[-1]
    aggregate = func.group_concat if sqlite else func.string_agg
    named = select(aggregate(opening + cast(authors.c.id, String) + closing, either)).scalar_subquery()
    joiner = both if place else ""
    everyone = "" if sqlite or place else word("a") + ":*"
    return literal(place, String) + case(
        (found == 0, literal(joiner + word("a0"), String)),
        (found <= MAX_SCOPE_AUTHORS, joiner + "(" + named + ")"),
        else_=literal(everyone, String),
    )


def _fts_match(query, scope=None):
    """The MATCH condition: the query's words in titles and bodies only, and the scope's words in scope_terms."""
    expression = literal("{title_terms body_terms} : (" + fts_expression(query) + ")", String)
    if scope is not None:
        # An empty scope (too many authors to name) adds nothing.
        expression = expression + case((scope == "", ""), else_=" AND scope_terms : (" + scope + ")")
    return literal_column("search_fts").op("MATCH")(expression)


def _matches(query, scope=None):
    """A statement selecting SearchEntry.id of every match of `query`, unranked (to sort by date)."""
    if db.session.get_bind().dialect.name == "sqlite":
        # FTS5 matches only in a query of its own table: its rowid is the entry's id.
        matches = (
            select(column("rowid").label("entry_id")).select_from(table("search_fts")).where(_fts_match(query, scope))
        ).subquery()
        return select(SearchEntry.id).join(matches, matches.c.entry_id == SearchEntry.id)
    return select(SearchEntry.id).where(_postgres_match(query, scope))


# Ranking within a window ---------------------------------------------------------------------------
#
# Ranking costs a little per match, and finding the matches is the cost of reading their rows: a word found in 45,000
# of 100,000 texts, as "patent" is in a forum about patents, took 90 ms to rank on SQLite (FTS5's bm25, about 2 µs
# a match) and over 200 ms on PostgreSQL (reading every matching row for ts_rank). So the search ranks the
# RANK_WINDOW latest readable, filtered matches and lists those by relevance: SQLite's FTS5 walks its matches newest
# first and stops there. PostgreSQL reads a less common word's matches from its GIN index, keeps the latest and ranks
# only those (ts_rank costs about 1 µs a lexeme of the query, for each row); for the words its statistics say are
# common (_postgres_floors) the index gives the matches among the latest entries only (the scope words of their blocks
# of entries), so only about the window's rows are read.
#
# Entries are numbered in the order their text was written or last edited (a full reindex numbers the posts
# in their order, then summaries and proposals). A query with fewer readable matches in its filters is ranked
# exactly; a very common word lists the most relevant of its latest 2,000 matches, in a forum where what was said
# lately is what a delegate looks for. Pages never reach past the window (COUNT_CAP is smaller), and a results page
# with more than COUNT_CAP results says that the latest matches were ranked.
RANK_WINDOW = 2000


def rank_window():
    """How many of the latest matches a search by relevance ranks."""
    # The total is counted in the window: it must hold more than COUNT_CAP matches to say "more than".
    return max(RANK_WINDOW, COUNT_CAP + 1)


def _ranked_matches(query, conditions, scope=None, floors=None):
    """(statement selecting the ranked matches' id and sort_key, whether larger sort keys are better).

    The latest rank_window() matches are ranked; on PostgreSQL with `floors` (entry numbers, newest first), only the
    matches in the blocks of entries from the last one up are looked at (`_epochs_between`), from the first one up
    before the others.
    """
    if db.session.get_bind().dialect.name == "sqlite":
        fts = table("search_fts", column("rowid"))
        # bm25 (smaller is better; the title weighs four times the body, the scope's words nothing) only for the
        # rows the conditions keep, up to the window.
        ranked = (
            select(fts.c.rowid.label("id"), func.bm25(literal_column("search_fts"), 4.0, 1.0, 0.0).label("sort_key"))
            .select_from(fts.join(SearchEntry, SearchEntry.id == fts.c.rowid))
            .where(_fts_match(query, scope), *conditions)
            .order_by(fts.c.rowid.desc())
            .limit(rank_window())
            .subquery()
        )
        return select(ranked.c.id, ranked.c.sort_key), False
    # The latest matches from the GIN index ("+ 0": never by walking every entry newest first); ts_rank for the
    # window's rows only.
    where = [_postgres_match(query, scope), *conditions]
    if not floors:
        latest = select(SearchEntry.id, SearchEntry.document).where(*where).order_by((SearchEntry.id + 0).desc())
    else:
        # Above floors, each tier holds the matches of its blocks of entries, newest first, and the tiers follow each
        # other: UNION ALL is an Append, which runs its parts in order when no parallel workers run it (the statement
        # calls schema.POSTGRES_TIERS_IN_ORDER's function, so none do). The window's LIMIT stops reading at the first
        # tier that fills it: the lower tiers are then never read.
        ceilings = (None, *floors[:-1])
        tiers = [
            select(SearchEntry.id, SearchEntry.document)
            .where(*where, SearchEntry.document.bool_op("@@")(_epochs_between(floor, ceiling)))
            .order_by((SearchEntry.id + 0).desc())
            for floor, ceiling in zip(floors, ceilings, strict=True)
        ]
        union = union_all(*tiers).subquery()
        latest = select(union.c.id, union.c.document).where(func.search_tiers_in_order())
    latest = latest.limit(rank_window()).subquery()
    return select(latest.c.id, _postgres_rank(query, latest.c.document).label("sort_key")), True


# PostgreSQL: where the window starts, from the planner's statistics ------------------------------------------
#
# Each match a search reads costs reading its row. For a word in many texts, the window's matches are found by asking
# the GIN index for the matches among the latest entries only: each row holds the scope word of its block of
# schema.POSTGRES_EPOCH entries (`~ e98`), and the search asks for the blocks from a floor up. The planner's
# statistics of `document` give the share of entries holding each frequent lexeme, scope words included (the 1,000
# most frequent; a word not among them is rare). The query's share is estimated from its words' (see _shares; a
# phrase's words multiplied, excluded words taken away) and its place's (multiplied); when it is at least
# COMMON_SHARE, the search looks only above the entry numbered the window's size divided by that share, with
# FLOOR_MARGIN to spare, below the latest.
#
# The statistics know each word's share, not how often a query's words go together: "propriété intellectuelle" is in a
# quarter of the texts, which independent words would put at a tenth, and the likely share (between the two) put at
# a sixth, so the search read twice the rows it needed. So a query of several words has two tiers: the blocks above
# the floor for its highest possible share (the rarest word's), then those down to the floor for its likely share,
# read only when the first tier does not fill the window (_ranked_matches).
#
# No more than COUNT_CAP matches above the floors (the estimate is only an estimate) and the search tries once more
# from a floor set by the share it found, then everywhere; more, and it ranks the latest of them, up to the window (all
# those above the floors when fewer), and says how many: results never depend on the estimate.
COMMON_SHARE = 0.05
FLOOR_MARGIN = 1.5
# Blocks of entries asked for past the latest the statistics know (written since they were read; each costs the
# index a look-up, so few: a search that finds newer entries than that reads the statistics again).
EPOCHS_AHEAD = 5
STATISTICS_SECONDS = 600


@dataclass
class _Statistics:
    fetched: float
    latest_id: int
    shares: dict

    def share(self, lexemes):
        """The estimated share of entries holding any of `lexemes` (the most frequent one's)."""
        return max((self.shares.get(lexeme, 0.0) for lexeme in lexemes), default=0.0)

    @property
    def covered(self):
        """The last entry number the blocks of _epochs_between reach."""
        return (self.latest_id // schema.POSTGRES_EPOCH + EPOCHS_AHEAD + 1) * schema.POSTGRES_EPOCH - 1

    def prefix_share(self, prefix):
        return min(1.0, sum(share for lexeme, share in self.shares.items() if lexeme.startswith(prefix)))


_statistics = {}


def _postgres_statistics():
    """The latest entry's number and the frequent lexemes' shares of entries, refreshed every STATISTICS_SECONDS."""
    engine = db.session.get_bind()
    cached = _statistics.get(engine.url)
    now = monotonic()
    if cached is not None and now - cached.fetched < STATISTICS_SECONDS:
        return cached
    row = db.session.execute(
        sql_text(
            "SELECT (SELECT max(id) FROM search_entries), s.most_common_elems::text::text[], s.most_common_elem_freqs "
            "FROM (SELECT 1) AS one LEFT JOIN pg_stats AS s ON s.schemaname = current_schema() "
            "AND s.tablename = 'search_entries' AND s.attname = 'document'"
        )
    ).one()
    latest_id, lexemes, shares = row
    cached = _Statistics(now, latest_id or 0, dict(zip(lexemes or (), shares or (), strict=False)))
    _statistics[engine.url] = cached
    return cached


def _postgres_floors(query, filters):
    """The entry numbers above which a search by relevance looks for its window on PostgreSQL, newest first: the
    floor for the highest share the statistics allow, then the one for the likely share; or None (everywhere)."""
    if filters.sort == NEWEST or db.session.get_bind().dialect.name != "postgresql" or _author_user_conditions(filters):
        return None
    statistics = _postgres_statistics()
    likely, highest = _shares(query, filters, statistics)
    # Only for a query likely to be common: a rarer one's matches are read from the index in one go (a tier that falls
    # short costs a second scan of the index for the same words).
    last = _floor_for(statistics, likely) if likely >= COMMON_SHARE else None
    if last is None:
        return None
    first = _floor_for(statistics, highest)
    return (first, last) if first > last else (last,)


def _shares(query, filters, statistics):
    """The share of the texts that the statistics say `query` finds within `filters`: (likely, highest)."""
    likely, highest = [], []
    for term in query.positive:
        if term.prefix:
            likely.append(statistics.prefix_share(term.words[0]))
            highest.append(likely[-1])
        else:
            words = [statistics.share(text.query_stems(word)) for word in term.words]
            # Words next to each other are rarer than each: a phrase counts as their product, at most the rarest's.
            likely.append(math.prod(words))
            highest.append(min(words))
    # Several words lie between independent (their shares multiplied) and always together (the rarest one's share):
    # a text's words share its language and subject. Likely their geometric mean; one word's share is its own.
    likely, highest = math.sqrt(min(likely) * math.prod(likely)), min(highest)
    thinned = 1.0
    for term in query.negative:
        thinned *= 1 - math.prod(statistics.share(text.query_stems(word)) for word in term.words)
    # A place thins the matches by its share of the texts, except a language: the texts holding a query's words are
    # mostly in the words' language, which is the one a reader filters on (its share would make the estimate as many
    # times too low as there are languages; too high, and the search only looks again from lower).
    language = schema.language_word(filters.language_code) if filters.language_code else None
    for word in _place_words(filters):
        if word != language:
            thinned *= statistics.share([schema.POSTGRES_SCOPE_MARK + word])
    return likely * thinned, highest * thinned


def _floor_for(statistics, share):
    """The floor below the latest entry for a query in `share` of the texts, at an epoch's start; None: everywhere."""
    epoch = schema.POSTGRES_EPOCH
    floor = statistics.latest_id - int(rank_window() * FLOOR_MARGIN / share)
    return floor // epoch * epoch if floor >= epoch else None


def _lower_floors(floors, gathered):
    """After `gathered` matches above `floors`, too few: a lower floor from the share found there, or None."""
    statistics = _postgres_statistics()
    span = statistics.latest_id - floors[-1]
    if gathered == 0 or span <= 0:
        return None
    lower = _floor_for(statistics, gathered / span)
    return (lower,) if lower is not None and lower < floors[-1] else None


def _epochs_between(floor, ceiling=None):
    """A tsquery matching the entries of the blocks from `floor` up, below `ceiling` if given
    (schema.postgres_scope_terms); both start blocks."""
    epoch, mark = schema.POSTGRES_EPOCH, schema.POSTGRES_SCOPE_MARK
    last = ceiling // epoch - 1 if ceiling is not None else _postgres_statistics().latest_id // epoch + EPOCHS_AHEAD
    words = " | ".join(f"'{mark}e{number}'" for number in range(floor // epoch, last + 1))
    return cast(literal(words, String), TSQUERY)


def _ranked_page(query, user, filters, page, floors=None):
    """Subqueries: the ids of one page of readable, filtered matches in order with their sort key; their count.

    Both filter and rank on search_entries alone (its copies of state, room, thread and author), so each match costs
    one index lookup, once: the matches are gathered once (a materialized CTE), then both paged and counted. Sorted by
    relevance, only the latest rank_window() matches are gathered and ranked (on PostgreSQL with `floors`, among the
    blocks from the last one up). The count stops at COUNT_CAP + 1: past that the page says "more than 1,000 results"
    instead of counting every match of a common word (RANK_WINDOW is larger, so a full window counts as more than
    COUNT_CAP too).
    """
    conditions = (_readable(user), *_filter_conditions(filters, user))
    scope = _scope(filters, db.session.get_bind().dialect.name)
    if filters.sort == NEWEST:
        matches = _matches(query, scope).add_columns(SearchEntry.created_at.label("sort_key")).where(*conditions)
        descending = True
    else:
        matches, descending = _ranked_matches(query, conditions, scope, floors)
    candidates = matches.cte("candidates").prefix_with("MATERIALIZED")
    ranked = (
        select(candidates.c.id, candidates.c.sort_key)
        .order_by(candidates.c.sort_key.desc() if descending else candidates.c.sort_key, candidates.c.id.desc())
        .limit(PER_PAGE)
        .offset((page - 1) * PER_PAGE)
        .subquery()
    )
    capped = select(candidates.c.id).limit(COUNT_CAP + 1).subquery()
    total = select(func.count()).select_from(capped).scalar_subquery()
    # How many matches the window holds (at most rank_window()): no more than COUNT_CAP above a floor, and the floor
    # was too high (_too_few).
    gathered = select(func.count()).select_from(candidates).scalar_subquery()
    return ranked, total, gathered, descending


def search(raw_query, *, user, filters=None, page=1):
    """The page of results `user` may see for `raw_query`; raises QueryProblem for an unsearchable query.

    One SQL statement: the matches, filtered by who may read them and by the
    filters, ranked (the latest RANK_WINDOW), paginated, with the
    (capped) total alongside. On PostgreSQL, when a floor promised by the
    statistics held too few matches, again from lower or everywhere.
    """
    query = parse_query(raw_query)
    filters = filters or Filters()
    floors = _postgres_floors(query, filters)
    rows = _page_rows(query, user, filters, page, floors)
    if floors is not None and rows and rows[0].newest > _postgres_statistics().covered:
        # More was written since the statistics were read than the blocks asked for cover: everywhere this time,
        # and the statistics are read again by the next search.
        _statistics.clear()
        floors = None
        rows = _page_rows(query, user, filters, page, floors)
    if _too_few(floors, rows):
        # Far fewer matches above the floors than the statistics promised (filters, hidden posts): from lower, once,
        # then everywhere.
        floors = _lower_floors(floors, rows[0].gathered if rows else 0)
        rows = _page_rows(query, user, filters, page, floors)
        if _too_few(floors, rows):
            floors = None
            rows = _page_rows(query, user, filters, page, floors)
    highlighter = Highlighter(query)
    hits = [
        Hit(
            entry_id=row.id,
            kind=row.kind,
            post_id=row.post_id,
            thread_id=row.thread_id,
            proposal_id=row.proposal_id,
            category_id=row.category_id,
            language_code=row.language_code,
            language_name=row.language_name,
            created_at=row.created_at,
            author_name=row.author_name,
            author_state=state_name(row.state_code, overrides=row.state_names) if row.state_code else None,
            post_state=row.post_state,
            state_clause=row.state_clause,
            title=highlighter.title(_title_of(row), row.language_code),
            snippet=highlighter.snippet(row.body, row.language_code),
        )
        for row in rows
    ]
    # Above floors (_postgres_floors), the window holds the latest matches there, as many as it can.
    window = None
    if filters.sort != NEWEST:
        window = rows[0].gathered if floors is not None else rank_window()
    return Results(hits=hits, total=rows[0].total if rows else 0, page=page, cap=COUNT_CAP, window=window)


def _too_few(floors, rows):
    """A search above `floors` found no more than COUNT_CAP matches (or none on this page): they were too high.

    More than that, and its window holds the latest matches: all of them above the floor when they are fewer than
    rank_window(). The page then says "more than COUNT_CAP" whichever way the window was found.
    """
    return floors is not None and (not rows or rows[0].gathered <= COUNT_CAP)


def _page_rows(query, user, filters, page, floors):
    ranked, total, gathered, descending = _ranked_page(query, user, filters, page, floors)
    statement = (
        select(*_SHOWN, total.label("total"), gathered.label("gathered"))
        .add_columns(select(func.max(SearchEntry.id)).scalar_subquery().label("newest"))
        .join(ranked, ranked.c.id == SearchEntry.id)
        .order_by(ranked.c.sort_key.desc() if descending else ranked.c.sort_key, SearchEntry.id.desc())
    )
    return db.session.execute(statement).all()


def _of_entry(column, *conditions):
    """`column` of the row that `conditions` pick for each result: a subquery by primary key, run for the page's rows
    only. (Joins would cost the planner more than running them: five outer joins took PostgreSQL 3 ms to plan.)"""
    return select(column).where(*conditions).scalar_subquery()


_AUTHOR = User.id == SearchEntry.author_id

# What a result shows, and nothing more, as plain columns: the row's own copies of its category and language (a room's
# texts are in its language), the thread's title, the post's current state, the author's name and member state.
_SHOWN = (
    SearchEntry.id,
    SearchEntry.kind,
    SearchEntry.post_id,
    SearchEntry.thread_id,
    SearchEntry.proposal_id,
    SearchEntry.category_id,
    SearchEntry.language_code,
    SearchEntry.created_at,
    SearchEntry.title,
    SearchEntry.body,
    _of_entry(Thread.title, Thread.id == SearchEntry.thread_id).label("thread_title"),
    _of_entry(Language.native_name, Language.code == SearchEntry.language_code, SearchEntry.room_id.is_not(None)).label(
        "language_name"
    ),
    _of_entry(Post.state, Post.id == SearchEntry.post_id).label("post_state"),
    _of_entry(Post.state_clause, Post.id == SearchEntry.post_id).label("state_clause"),
    _of_entry(User.display_name, _AUTHOR).label("author_name"),
    _of_entry(MemberState.code, MemberState.id == User.member_state_id, _AUTHOR).label("state_code"),
    _of_entry(MemberState.names, MemberState.id == User.member_state_id, _AUTHOR).label("state_names"),
)


def _title_of(row):
    if row.thread_id is not None and row.kind != EntryKind.summary:
        return row.thread_title
    return row.title


# Highlighting ------------------------------------------------------------------------


# Results show the same words search after search: each is folded and stemmed once per process.
@lru_cache(maxsize=20_000)
def _folded_and_stemmed(word, language_code):
    folded = text.fold(word)
    return folded, text.stem(folded, language_code)


_WORD = re.compile(r"[^\W_]+")


class Highlighter:
    """Marks the words of a text that the query matched, as the index matched them (stems, prefixes)."""

    def __init__(self, query):
        self.forms = set()
        self.prefixes = ()
        self._seen = {}
        for term in query.positive:
            if term.prefix:
                self.prefixes += (term.words[0],)
                continue
            for word in term.words:
                self.forms.update(text.query_stems(word))

    def _matching(self, words, language_code):
        """The words among `words` that the query matched (each word looked at once per page)."""
        seen = self._seen.setdefault(language_code, {})
        matching = set()
        for word in set(words):
            found = seen.get(word)
            if found is None:
                folded, stemmed = _folded_and_stemmed(word, language_code)
                found = seen[word] = (
                    folded in self.forms
                    or stemmed in self.forms
                    or bool(self.prefixes and folded.startswith(self.prefixes))
                )
            if found:
                matching.add(word)
        return matching

    def title(self, value, language_code):
        value = value or ""
        return self._mark(value, 0, len(value), self._matching(_WORD.findall(value), language_code))

    def snippet(self, body, language_code):
        """About SNIPPET_WORDS words of `body` around its first match, matches marked (HTML-escaped)."""
        body = body or ""
        words = _WORD.findall(body)
        if not words:
            return Markup("")
        matching = self._matching(words, language_code)
        first = next((number for number, word in enumerate(words) if word in matching), 0)
        low = max(first - SNIPPET_WORDS // 3, 0)
        high = min(low + SNIPPET_WORDS, len(words)) - 1
        spans = [match.span() for match in itertools.islice(_WORD.finditer(body), low, high + 1)]
        # Whole text at either end, so nothing before the first word or after the last is cut.
        start = spans[0][0] if low > 0 else 0
        end = spans[-1][1] if high < len(words) - 1 else len(body)
        marked = self._mark(body, start, end, matching)
        before = "… " if low > 0 else ""
        after = " …" if high < len(words) - 1 else ""
        return Markup(before) + marked + Markup(after)

    @staticmethod
    def _mark(value, start, end, matching):
        # Every piece of the text is escaped; the pieces are joined as plain strings (Markup's own % and join
        # escape their arguments again, at several times the cost).
        pieces = []
        position = start
        for match in _WORD.finditer(value, start, end):
            if match.group() in matching:
                pieces += (escape(value[position : match.start()]), "<mark>", escape(match.group()), "</mark>")
                position = match.end()
        pieces.append(escape(value[position:end]))
        return Markup("".join(pieces))
