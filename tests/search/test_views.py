"""/search and the header box: what each reader sees, filters, messages, and a bounded number of queries."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from forum import clock
from forum.discussions import service as discussions
from forum.extensions import db
from forum.rooms.service import get_room
from forum.threads import service as threads
from forum.threads.models import Post, Thread
from tests.helpers import weekly
from tests.hostile_inputs import EVENT_HANDLERS, SCRIPT_TAGS


def _page(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return response.get_data(as_text=True)


@pytest.mark.parametrize("url", ["/", "/rooms/capacity-en", "/profile"])
def test_every_page_has_the_search_box(client, login, delegate, url):
    login(client, delegate)
    page = _page(client, url)
    assert 'role="search"' in page and 'action="/search"' in page


def test_signed_out_visitors_get_no_box_and_are_sent_to_sign_in(client):
    response = client.get("/search?q=anything")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_results_show_title_room_author_state_date_and_highlight(client, login, delegate, make_thread):
    make_thread(get_room("capacity-fr"), delegate, title="Audit de propriété", body="Notre propriété intellectuelle")
    login(client, delegate)
    page = _page(client, "/search?q=propri%C3%A9t%C3%A9s")
    assert "1 result" in page
    assert "Audit de <mark>propriété</mark>" in page
    assert "Notre <mark>propriété</mark> intellectuelle" in page
    assert "Français" in page and delegate.display_name in page and "France" in page
    assert "<time" in page
    category = get_room("capacity-fr").category.text("en")[0]
    assert f'{category} · <span lang="fr">Français</span>' in page


def test_results_name_proposals_summaries_and_their_categories(client, login, delegate, moderator, frozen_clock):
    discussion = weekly.schedule(moderator, opens_at=frozen_clock.now)
    discussions.close_discussion(discussion, by=moderator)
    discussions.set_summary(discussion, "en", "Summary of the larkspindle method", by=moderator)
    proposal = weekly.propose(delegate, title="Proposal on larkspindle offices")
    db.session.commit()
    login(client, delegate)
    page = _page(client, "/search?q=larkspindle")
    assert "2 results" in page and "Closing summary" in page
    assert f"Topic proposal · {proposal.category.text('en')[0]}" in page
    assert f'href="/topics/proposals/{proposal.id}"' in page


def test_filters_narrow_results(client, login, delegate, make_user, make_thread):
    kenyan = make_user(state="KEN")
    english, french = get_room("capacity-en"), get_room("capacity-fr")
    make_thread(english, delegate, body="Filtermarkeromega from France")
    make_thread(french, kenyan, body="Filtermarkeromega du Kenya")
    login(client, delegate)
    assert "2 results" in _page(client, "/search?q=filtermarkeromega")
    assert "1 result" in _page(client, f"/search?q=filtermarkeromega&room={french.id}")
    assert "1 result" in _page(client, "/search?q=filtermarkeromega&language=en")
    assert "1 result" in _page(client, f"/search?q=filtermarkeromega&state={kenyan.member_state_id}")
    assert "1 result" in _page(client, f"/search?q=filtermarkeromega&group={kenyan.member_state.group_id}")
    assert "1 result" in _page(client, f"/search?q=filtermarkeromega&author={kenyan.display_name}")
    assert "No results" in _page(client, "/search?q=filtermarkeromega&weekly=y")
    # Authors follow the threads they start.
    assert "1 result" in _page(client, "/search?q=filtermarkeromega&following=y")
    tomorrow = (clock.now() + timedelta(days=1)).date().isoformat()
    assert "No results" in _page(client, f"/search?q=filtermarkeromega&date_from={tomorrow}")
    assert "2 results" in _page(client, f"/search?q=filtermarkeromega&date_to={tomorrow}&sort=date")


def test_threads_i_follow(client, login, delegate, make_user, room, make_thread):
    other = make_user(state="KEN")
    followed = make_thread(room, other, body="Followmarkerrho one")
    make_thread(room, other, body="Followmarkerrho two")
    threads.set_watching(delegate, followed, True)
    db.session.commit()
    login(client, delegate)
    assert "1 result" in _page(client, "/search?q=followmarkerrho&following=y")


def test_empty_results_suggest_removing_filters(client, login, delegate, room):
    login(client, delegate)
    assert "Try removing some filters" in _page(client, f"/search?q=nothingmatchesthis&room={room.id}")
    assert "Try other or fewer words" in _page(client, "/search?q=nothingmatchesthis")


@pytest.mark.parametrize(
    ("query", "message"),
    [("x" * 201, "too long"), ("the of and", "very common words"), ("-patent", "very common words")],
)
def test_unsearchable_queries_get_a_translated_message(client, login, delegate, query, message):
    login(client, delegate)
    assert message in _page(client, f"/search?q={query}")


def test_messages_are_translated(client, login, make_user):
    french = make_user(locale="fr")
    login(client, french)
    assert "Votre recherche" in _page(client, "/search?q=" + "x" * 201) or "200" in _page(
        client, "/search?q=" + "x" * 201
    )


@pytest.mark.parametrize(
    "query",
    ['"', '"unclosed', "a OR", "NOT", "NEAR(a b)", "col:word", "*", "-*", "^x", "a\\b", "%_", "'; DROP TABLE posts;--",
     "\x00", "١٢٣", "数据", *SCRIPT_TAGS[:4], *EVENT_HANDLERS[:3]],
)  # fmt: skip
def test_hostile_queries_never_fail(client, login, delegate, room, make_thread, query):
    make_thread(room, delegate, body="Some text about script and img onerror")
    login(client, delegate)
    response = client.get("/search", query_string={"q": query})
    assert response.status_code == 200
    assert "<script>window" not in response.get_data(as_text=True)
    assert "onerror=alert" not in response.get_data(as_text=True).replace("onerror=alert(1)&gt;", "")


@pytest.mark.parametrize(
    "args",
    [{"room": "abc"}, {"category": "999999999999999999999"}, {"date_from": "2026-13-45"}, {"sort": "evil"},
     {"language": "xx"}, {"page": "-3"}, {"page": "99999999999"}, {"author": "%" * 200}],
)  # fmt: skip
def test_bad_filters_are_explained_not_errors(client, login, delegate, args):
    login(client, delegate)
    response = client.get("/search", query_string={"q": "word", **args})
    assert response.status_code == 200


def test_pagination(client, login, delegate, room, make_thread):
    thread = make_thread(room, delegate)
    for number in range(25):
        threads.reply(thread, author=delegate, body=f"Pagemarkertau number {number}")
    db.session.commit()
    login(client, delegate)
    first = _page(client, "/search?q=pagemarkertau")
    assert "25 results" in first and 'rel="next"' in first
    second = _page(client, "/search?q=pagemarkertau&page=2")
    assert second.count('class="search-hit"') == 5


def test_guests_search_their_discussion_without_filters(client, login, guest, guest_invitation, delegate):
    login(client, guest)
    home = _page(client, "/")
    assert "Search your discussion" in home
    page = _page(client, "/search?q=guest+discussion")
    assert "Filters" not in page
    assert "result" in page
    # A guest has no filter choices; the results still name their room's category.
    room = db.session.scalar(select(Thread).where(Thread.discussion_id == guest_invitation.discussion_id)).room
    assert f'{room.category.text("en")[0]} · <span lang="{room.language_code}">' in page


def test_a_search_page_makes_at_most_five_queries(client, login, delegate, make_user, count_queries):
    authors = [make_user(state=code) for code in ("KEN", "BRA", "JPN")]
    for index, room_slug in enumerate(("capacity-en", "capacity-fr", "capacity-es", "legislative-en")):
        room = get_room(room_slug)
        thread = threads.start_thread(room, author=authors[index % 3], title="Budget thread", body="Budgetmarker")
        for number in range(6):
            threads.reply(thread, author=authors[number % 3], body=f"Budgetmarker reply {number}")
    threads.set_watching(delegate, thread, True)
    db.session.commit()
    login(client, delegate)
    for url in (
        "/search?q=budgetmarker",
        "/search?q=budgetmarker&language=en&sort=date",
        "/search?q=budget*&following=y",
        # Filtering by member state or author looks the authors up first (SQLite: the index's scope words).
        f"/search?q=budgetmarker&state={authors[0].member_state_id}&author={authors[0].display_name[:4]}",
    ):
        client.get(url)
        db.session.expire_all()
        with count_queries() as counter:
            response = client.get(url)
        assert response.status_code == 200 and 'class="search-hit"' in response.get_data(as_text=True)
        assert counter.count <= 5, counter.statements
    assert db.session.scalar(select(Post.id).limit(1))


def test_sort_by_date_puts_the_newest_first_and_relevance_the_titles(delegate, room, make_thread, frozen_clock):
    from forum.search import service

    titled = make_thread(room, delegate, title="Sortmarkerchi", body="Opening")
    frozen_clock.advance(days=1)
    newer = make_thread(room, delegate, title="Later", body="Only a body with sortmarkerchi")
    by_relevance = service.search("sortmarkerchi", user=delegate).hits
    by_date = service.search("sortmarkerchi", user=delegate, filters=service.Filters(sort=service.NEWEST)).hits
    assert [hit.thread_id for hit in by_relevance] == [titled.id, newer.id]
    assert [hit.thread_id for hit in by_date] == [newer.id, titled.id]


def test_a_common_word_counts_up_to_the_cap_and_says_more(client, login, delegate, room, make_thread, monkeypatch):
    from forum.search import service

    for number in range(6):
        make_thread(room, delegate, title=f"Capmarker {number}", body="Capmarker body")
    monkeypatch.setattr(service, "COUNT_CAP", 3)
    monkeypatch.setattr(service, "PER_PAGE", 2)
    results = service.search("capmarker", user=delegate)
    # Counting stopped after the cap: the total is "more than 3", and pages stop at 3 // 2.
    assert results.capped and results.total == 4 and results.pages == 1
    assert len(results.hits) == 2
    # Every match is still reachable by narrowing: six in all, two per page, pages beyond the cap still served.
    assert len(service.search("capmarker", user=delegate, page=3).hits) == 2
    login(client, delegate)
    page = client.get("/search?q=capmarker").get_data(as_text=True)
    assert "More than 3 results" in page
    # Sorted by relevance, the page says that the latest matches are ranked; sorted by date, nothing is left out.
    assert "the latest 2,000 matches are ranked" in page
    assert "are ranked" not in client.get("/search?q=capmarker&sort=date").get_data(as_text=True)
    monkeypatch.setattr(service, "COUNT_CAP", 1000)
    assert not service.search("capmarker", user=delegate).capped
    assert "6 results" in client.get("/search?q=capmarker").get_data(as_text=True)
