"""PostgreSQL: a common word's window starts at a floor the planner's statistics give, and never changes the results.

forum.search.service._postgres_floors estimates from pg_stats how many of the
latest entries hold the window's matches. These tests set the statistics
(a word in every text) and check both ways: the window found above the
floor is the latest matches', ranked; too few above it, and the search runs
again everywhere, with the same results as without a floor.
"""

from time import monotonic

import pytest
from sqlalchemy import func, select, text

from forum.extensions import db
from forum.search import service
from forum.search.models import SearchEntry
from forum.threads import service as threads


@pytest.fixture(autouse=True)
def _postgresql_only(database_url):
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite's FTS5 walks its matches newest first: no floor to estimate")


@pytest.fixture
def small_window(monkeypatch):
    """A window of 3 matches, counted up to 2 (COUNT_CAP), so that five posts fill it."""
    monkeypatch.setattr(service, "RANK_WINDOW", 3)
    monkeypatch.setattr(service, "COUNT_CAP", 2)


def common_word_statistics(monkeypatch, latest_id):
    """Statistics saying that every form of `floormarker` is in every text, the latest entry `latest_id`."""
    shares = dict.fromkeys(service.text.query_stems("floormarker"), 1.0)
    statistics = service._Statistics(monotonic(), latest_id, shares)
    monkeypatch.setattr(service, "_postgres_statistics", lambda: statistics)


def number_entries_from(first):
    db.session.execute(text(f"ALTER SEQUENCE search_entries_id_seq RESTART WITH {int(first)}"))


@pytest.fixture
def five_posts(delegate, room, make_thread):
    # Entries 5000 to 5004: the fifth block of entries (schema.POSTGRES_EPOCH), as in a forum that has some history.
    number_entries_from(5000)
    thread = make_thread(room, delegate, title="Window", body="Floormarker opening")
    replies = [threads.reply(thread, author=delegate, body=f"Floormarker reply {n}") for n in range(4)]
    db.session.commit()
    return thread, replies


def test_a_common_word_ranks_the_latest_matches_above_the_floor(delegate, five_posts, small_window, monkeypatch):
    _thread, replies = five_posts
    common_word_statistics(monkeypatch, db.session.scalar(select(func.max(SearchEntry.id))))
    query = service.parse_query("floormarker")
    assert service._postgres_floors(query, service.Filters()) is not None
    results = service.search("floormarker", user=delegate)
    assert results.window == 3 and results.capped
    # The three latest replies, and nothing older.
    assert {hit.post_id for hit in results.hits} == {reply.id for reply in replies[-3:]}


def test_too_few_matches_above_the_floor_search_everywhere(delegate, five_posts, small_window, monkeypatch):
    thread, replies = five_posts
    everywhere = service.search("floormarker", user=delegate)
    # The statistics think far more was written than there is: nothing lies above their floor.
    common_word_statistics(monkeypatch, 10**6)
    assert service._postgres_floors(service.parse_query("floormarker"), service.Filters())[0] > 10**5
    results = service.search("floormarker", user=delegate)
    # Everywhere, the window holds the latest three matches of the five, as it would have without statistics.
    assert results.window == everywhere.window == 3 and results.total == everywhere.total == 3
    assert [hit.post_id for hit in results.hits] == [hit.post_id for hit in everywhere.hits]
    assert {hit.post_id for hit in results.hits} == {reply.id for reply in replies[-3:]}


def test_no_floor_for_rare_words_author_filters_or_dates(delegate, small_window, monkeypatch):
    common_word_statistics(monkeypatch, 10**6)
    query = service.parse_query("floormarker")
    assert service._postgres_floors(service.parse_query("rareword"), service.Filters()) is None
    assert service._postgres_floors(query, service.Filters(sort=service.NEWEST)) is None
    assert service._postgres_floors(query, service.Filters(author="someone")) is None
    # A place the statistics do not know (not among the frequent words) is rare too.
    assert service._postgres_floors(query, service.Filters(category_id=1)) is None


def test_the_statistics_come_from_the_server(delegate, room, make_thread):
    make_thread(room, delegate, body="Statisticsmarker")
    db.session.commit()
    service._statistics.clear()
    statistics = service._postgres_statistics()
    assert statistics.latest_id == db.session.scalar(select(func.max(SearchEntry.id)))
    assert isinstance(statistics.shares, dict)
    assert service._postgres_statistics() is statistics


def test_entries_newer_than_the_statistics_know_are_never_missed(delegate, five_posts, small_window, monkeypatch):
    everywhere = service.search("floormarker", user=delegate)
    # Statistics read when the latest entry was 1,004: their blocks reach 6,999, and newer entries were written since.
    common_word_statistics(monkeypatch, 1004)
    number_entries_from(9000)
    newest = threads.reply(five_posts[0], author=delegate, body="Floormarker newest")
    db.session.commit()
    service._statistics["stale"] = None
    results = service.search("floormarker", user=delegate)
    # Searched everywhere: the window holds the latest three matches, the newest one first among them.
    assert results.window == 3 and len(results.hits) == len(everywhere.hits) == 3
    replies = five_posts[1]
    assert {hit.post_id for hit in results.hits} == {newest.id, replies[-1].id, replies[-2].id}
    # Read again by the next search.
    assert not service._statistics


def test_more_than_the_count_above_the_floor_ranks_them_all_and_says_how_many(delegate, room, make_thread, monkeypatch):
    """Fewer matches above the floor than a window, but more than the count's cap: the latest matches are exactly
    those, and the page says how many were ranked."""
    monkeypatch.setattr(service, "RANK_WINDOW", 4)
    monkeypatch.setattr(service, "COUNT_CAP", 2)
    make_thread(room, delegate, title="Older", body="Floormarker older")
    number_entries_from(5000)
    thread = make_thread(room, delegate, title="Window", body="Floormarker opening")
    replies = [threads.reply(thread, author=delegate, body=f"Floormarker reply {n}") for n in range(2)]
    db.session.commit()
    # The floor falls at entry 5,000: three matches above it, one below.
    common_word_statistics(monkeypatch, 5010)
    assert service._postgres_floors(service.parse_query("floormarker"), service.Filters()) == (5000,)
    results = service.search("floormarker", user=delegate)
    assert results.window == 3 and results.capped
    (opening,) = threads.shown_posts(thread, 1, 1)
    assert {hit.post_id for hit in results.hits} == {opening.id, *(reply.id for reply in replies)}


def test_a_language_filter_does_not_thin_the_estimate_a_category_does(app, monkeypatch):
    """The texts holding a word are mostly in its language: filtering on that language leaves the estimate (and the
    floor) as it was; a category, in a sixth of the texts, lowers the floor."""
    shares = {**dict.fromkeys(service.text.query_stems("floormarker"), 0.3), "~ lfr": 0.33, "~ c3": 0.5}
    statistics = service._Statistics(monotonic(), 100_000, shares)
    monkeypatch.setattr(service, "_postgres_statistics", lambda: statistics)
    query = service.parse_query("floormarker")
    everywhere = service._postgres_floors(query, service.Filters())
    assert everywhere == (100_000 - int(service.rank_window() * service.FLOOR_MARGIN / 0.3) // 1000 * 1000,)
    assert service._postgres_floors(query, service.Filters(language_code="fr")) == everywhere
    assert service._postgres_floors(query, service.Filters(category_id=3))[0] < everywhere[0]
    assert service._postgres_floors(query, service.Filters(category_id=3, language_code="fr")) == (
        service._postgres_floors(query, service.Filters(category_id=3))
    )


def pair_statistics(monkeypatch, latest_id):
    """Statistics saying `floormarker` and `tiermarker` are each in 1% of the texts: likely together in 0.1%, at most
    in 1%. With a window of 3 and no margin, the floors are 3,000 then 1,000 below entry 4,100."""
    monkeypatch.setattr(service, "COMMON_SHARE", 0.001)
    monkeypatch.setattr(service, "FLOOR_MARGIN", 1.0)
    shares = dict.fromkeys([*service.text.query_stems("floormarker"), *service.text.query_stems("tiermarker")], 0.01)
    statistics = service._Statistics(monotonic(), latest_id, shares)
    monkeypatch.setattr(service, "_postgres_statistics", lambda: statistics)


def pair_posts_numbered(delegate, room, make_thread, *firsts_and_counts):
    """Posts holding both words, `count` of them numbered from each `first`; their ids, newest first."""
    ids = []
    for first, count in firsts_and_counts:
        number_entries_from(first)
        thread = make_thread(room, delegate, title=f"Tier {first}", body="Floormarker tiermarker opening")
        ids.append(threads.shown_posts(thread, 1, 1)[0].id)
        ids += [
            threads.reply(thread, author=delegate, body="Floormarker tiermarker reply").id for _ in range(count - 1)
        ]
    db.session.commit()
    return ids[::-1]


def test_several_words_have_a_tier_for_their_highest_share_then_one_for_their_likely_share(app, monkeypatch):
    pair_statistics(monkeypatch, 4100)
    monkeypatch.setattr(service, "RANK_WINDOW", 3)
    monkeypatch.setattr(service, "COUNT_CAP", 2)
    assert service._postgres_floors(service.parse_query("floormarker tiermarker"), service.Filters()) == (3000, 1000)
    # One word's share is its own: one tier. A phrase's words next to each other are likely as rare as independent
    # words (0.01%, rarer than COMMON_SHARE): everywhere.
    assert service._postgres_floors(service.parse_query("floormarker"), service.Filters()) == (3000,)
    assert service._postgres_floors(service.parse_query('"floormarker tiermarker"'), service.Filters()) is None
    # Likely rarer than COMMON_SHARE, whatever the highest share: everywhere, in one go.
    monkeypatch.setattr(service, "COMMON_SHARE", 0.01)
    assert service._postgres_floors(service.parse_query("floormarker tiermarker"), service.Filters()) is None


def test_a_first_tier_that_fills_the_window_is_the_window(delegate, room, make_thread, small_window, monkeypatch):
    """Three matches above the first floor, two more in the second tier: the window is the first tier's three, even
    though the second tier is listed after it in the same statement."""
    older = pair_posts_numbered(delegate, room, make_thread, (1000, 2))
    newest = pair_posts_numbered(delegate, room, make_thread, (3000, 3))
    pair_statistics(monkeypatch, 4100)
    results = service.search("floormarker tiermarker", user=delegate)
    assert results.window == 3 and results.capped
    assert {hit.post_id for hit in results.hits} == set(newest) and not set(older) & {h.post_id for h in results.hits}


def test_a_first_tier_that_falls_short_is_followed_by_next(delegate, room, make_thread, small_window, monkeypatch):
    """One match above the first floor: the window takes the latest two of the second tier after it, and nothing of
    what lies below the second floor."""
    below = pair_posts_numbered(delegate, room, make_thread, (10, 1))
    second = pair_posts_numbered(delegate, room, make_thread, (1000, 3))
    first = pair_posts_numbered(delegate, room, make_thread, (3000, 1))
    pair_statistics(monkeypatch, 4100)
    results = service.search("floormarker tiermarker", user=delegate)
    assert results.window == 3 and results.capped
    assert {hit.post_id for hit in results.hits} == {*first, *second[:2]}
    assert not set(below) & {hit.post_id for hit in results.hits}


def test_the_tiers_are_never_read_by_parallel_workers(delegate, monkeypatch):
    """Parallel workers would read the tiers at once (a Parallel Append gives whichever rows come first): a statement
    with tiers calls search_tiers_in_order(), PARALLEL UNSAFE, and gets no parallel plan even where parallel workers
    cost nothing; the same UNION ALL without it does."""
    pair_statistics(monkeypatch, 4100)
    for setting in ("parallel_setup_cost", "parallel_tuple_cost", "min_parallel_table_scan_size"):
        db.session.execute(text(f"SET LOCAL {setting} = 0"))
    query = service.parse_query("floormarker tiermarker")
    matches, _descending = service._ranked_matches(query, (), floors=(3000, 1000))
    statement = str(matches.compile(db.engine, compile_kwargs={"literal_binds": True}))
    assert "search_tiers_in_order()" in statement
    plan = "\n".join(db.session.scalars(text("EXPLAIN " + statement.replace("%", "%%"))))
    assert "Append" in plan and "Parallel" not in plan and "Gather" not in plan
    tier = "(SELECT id FROM search_entries WHERE document @@ $$'~ e{}'$$::tsquery ORDER BY id + 0 DESC)"
    union = f"SELECT count(*) FROM ({tier.format(3)} UNION ALL {tier.format(1)}) AS u"
    assert "Parallel" in "\n".join(db.session.scalars(text("EXPLAIN " + union)))
