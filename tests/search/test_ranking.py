"""Every page of results is exactly that of a plain reference: keep what the reader may read, rank the latest.

The reference asks the database for the rank of every match of the query
with no permission condition at all (SQLite: FTS5's bm25 with the same
column weights; PostgreSQL: ts_rank), checks each match in Python with
forum.policy's predicates, keeps the latest RANK_WINDOW readable ones
(highest entry ids; SQLite only, PostgreSQL ranks every match) and sorts
them by rank, then newest row first. The
search must list the same rows in the same order, page after page, with the
same (capped) total, whether the window holds every match or only some.
"""

import random

import pytest
from sqlalchemy import select, text

from forum import clock, policy
from forum.extensions import db
from forum.search import service
from forum.search.models import EntryKind, SearchEntry
from forum.threads.models import Post, PostState, Thread

# The varied forum of the policy scope tests: every role, every kind of thread.
from tests.test_policy_scopes import _user, varied_forum  # noqa: F401

WORDS = ["audit", "evaluation", "indicators", "patent", "office", "licence", "survey", "transfer", "technology"]
FILLER = ["the", "of", "and", "our", "national", "report", "review", "plan"]
QUERIES = ["evaluation", "audit office", '"technology transfer"', "indic*", "patent -survey", "Évaluations"]
# Hidden and held posts that say the word most often: ranked first, readable by few.
CROWDED = "crowdmarker"


def _sentence(rng, length):
    return " ".join(rng.choice(WORDS) if rng.random() < 0.4 else rng.choice(FILLER) for _ in range(length))


def _write(author, reader):
    """Posts of varied length, words and state in every thread; a few titles say the words too."""
    rng = random.Random(13)
    now = clock.now()
    states = [PostState.visible] * 6 + [PostState.hidden, PostState.held, PostState.removed]
    for thread in db.session.scalars(select(Thread).order_by(Thread.id)).all():
        if rng.random() < 0.5:
            thread.title = _sentence(rng, 4)
        for number in range(thread.post_count + 1, thread.post_count + 7):
            writer = reader if rng.random() < 0.2 else author
            body = _sentence(rng, rng.randint(3, 40))
            db.session.add(
                Post(thread_id=thread.id, number=number, author_id=writer.id, source=body, html=body,
                     state=rng.choice(states), created_at=now)
            )  # fmt: skip
        thread.post_count += 6
        # The best matches of CROWDED are unreadable to most: a page needs the readable ones further down.
        crowded = [(PostState.hidden, 8), (PostState.held, 7), (PostState.visible, 1), (PostState.visible, 2)]
        for number, (state, times) in enumerate(crowded, start=thread.post_count + 1):
            body = " ".join([CROWDED] * times + ["plan"])
            db.session.add(
                Post(thread_id=thread.id, number=number, author_id=author.id, source=body, html=body, state=state,
                     created_at=now)
            )  # fmt: skip
        thread.post_count += len(crowded)
    db.session.commit()


def _rank_of_every_match(raw):
    """(entry id, sort key) of every match of `raw`, whoever may read it: smaller keys first."""
    query = service.parse_query(raw)
    if db.session.get_bind().dialect.name == "sqlite":
        rows = db.session.execute(
            text("SELECT rowid, bm25(search_fts, 4.0, 1.0) FROM search_fts WHERE search_fts MATCH :match"),
            {"match": service.fts_expression(query)},
        ).all()
        return [(entry_id, (score, -entry_id)) for entry_id, score in rows]
    rank = service._postgres_rank(query, SearchEntry.document)
    rows = db.session.execute(select(SearchEntry.id, rank).where(service._postgres_match(query))).all()
    return [(entry_id, (-score, -entry_id)) for entry_id, score in rows]


def _may_read(user, entry):
    if entry.kind == EntryKind.post:
        return policy.can_read_post(user, db.session.get(Post, entry.post_id))
    assert entry.kind == EntryKind.proposal, "the fixture has no summaries"
    return policy.can_view_topics(user)


def reference(user, raw):
    entries = {entry.id: entry for entry in db.session.scalars(select(SearchEntry))}
    readable = [row for row in _rank_of_every_match(raw) if _may_read(user, entries[row[0]])]
    latest = sorted(readable, key=lambda row: row[0], reverse=True)[: service.rank_window()]
    return [entry_id for entry_id, _key in sorted(latest, key=lambda row: row[1])]


def every_page(user, raw):
    """The entry ids of every page in order, and the total the first page shows."""
    first = service.search(raw, user=user)
    found = [hit.entry_id for hit in first.hits]
    for page in range(2, first.pages + 1):
        found += [hit.entry_id for hit in service.search(raw, user=user, page=page).hits]
    return found, first.total


@pytest.fixture
def small_pages(monkeypatch):
    # Pages of 4 and a count capped at 30: several pages, and a capped total, on a small forum.
    monkeypatch.setattr(service, "PER_PAGE", 4)
    monkeypatch.setattr(service, "COUNT_CAP", 32)


@pytest.mark.parametrize("window", [None, 9], ids=["as configured", "a window of 9"])
@pytest.mark.parametrize("role", ["delegate", "language_moderator", "moderator", "guest"])
def test_every_page_is_the_reference(role, window, varied_forum, make_user, small_pages, monkeypatch):  # noqa: F811
    if window is not None:
        # The window holds one more than the count's cap, as it must (rank_window), and pages of 4 stop at 8.
        monkeypatch.setattr(service, "RANK_WINDOW", window)
        monkeypatch.setattr(service, "COUNT_CAP", window - 1)
    user = _user(role, make_user, varied_forum)
    _write(make_user(state="KEN"), user)
    for raw in [*QUERIES, CROWDED]:
        expected = reference(user, raw)
        found, total = every_page(user, raw)
        assert found == expected[: service.COUNT_CAP], raw
        assert total == min(len(readable_matches(user, raw)), service.COUNT_CAP + 1), raw
    # The fixture is varied enough: the common word has readable and unreadable matches (members: pages of them).
    readable = readable_matches(user, "evaluation")
    assert 0 < len(readable) < len(_rank_of_every_match("evaluation"))
    assert role == "guest" or len(readable) > service.COUNT_CAP
    if window is not None and role != "guest":
        # The window is full: the best of the latest matches are listed, not the best of all.
        assert len(reference(user, "evaluation")) == window < len(readable)


def readable_matches(user, raw):
    entries = {entry.id: entry for entry in db.session.scalars(select(SearchEntry))}
    return [entry_id for entry_id, _key in _rank_of_every_match(raw) if _may_read(user, entries[entry_id])]


def test_unreadable_best_matches_leave_room_for_readable_ones(delegate, varied_forum, small_pages):  # noqa: F811
    """The best matches of a word are hidden or held: the page still lists the readable ones, in order."""
    _write(varied_forum["moderator"], delegate)
    expected = reference(delegate, CROWDED)
    best = [entry_id for entry_id, _key in sorted(_rank_of_every_match(CROWDED), key=lambda row: row[1])]
    # The first page's worth of best matches holds fewer readable ones than a page.
    assert len(set(best[: service.PER_PAGE]) & set(expected)) < service.PER_PAGE
    found, total = every_page(delegate, CROWDED)
    assert found == expected[: service.COUNT_CAP] and len(found) > service.PER_PAGE
    assert total == min(len(expected), service.COUNT_CAP + 1)


def test_the_window_holds_the_latest_readable_matches(delegate, varied_forum, small_pages, monkeypatch):  # noqa: F811
    """Unreadable matches do not take places in the window: it holds the latest matches the reader may read."""
    monkeypatch.setattr(service, "RANK_WINDOW", 5)
    monkeypatch.setattr(service, "COUNT_CAP", 4)
    _write(varied_forum["moderator"], delegate)
    readable = readable_matches(delegate, CROWDED)
    latest = sorted(readable, reverse=True)[:5]
    found, total = every_page(delegate, CROWDED)
    # The one page of 4 comes from the 5 latest readable matches; more than 4 are counted.
    assert len(found) == 4 and set(found) <= set(latest) and total == 5
    # The window left out older readable matches, and among them some that rank better than the page's last.
    left_out = set(readable) - set(latest)
    ranked = [entry_id for entry_id, _key in sorted(_rank_of_every_match(CROWDED), key=lambda row: row[1])]
    assert any(ranked.index(entry_id) < ranked.index(found[-1]) for entry_id in left_out)
    # Sorted by date, no window applies.
    assert service.search(CROWDED, user=delegate, filters=service.Filters(sort=service.NEWEST)).window is None
