"""Who sees the statistics, what the summary leaves out, filters, charts, the PDF and the query budget."""

import base64
import re
from datetime import UTC, datetime, timedelta

import pytest

from forum import clock
from forum.extensions import db
from forum.rooms.service import get_room
from forum.stats.rollup import roll_weeks
from tests.stats.conftest import PERIOD_ARGS, start_thread, write

FULL_ONLY_URLS = ["/stats", "/stats/weeks.csv", "/stats/report.csv", "/stats/report.pdf"]


@pytest.mark.parametrize("role", ["delegate", "staff", "language_moderator_own", "guest"])
@pytest.mark.parametrize("url", FULL_ONLY_URLS)
def test_only_chief_moderators_and_admins_see_the_full_statistics(client, login, person, role, url):
    login(client, person(role))
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("role", ["moderator", "admin"])
def test_chief_moderators_and_admins_see_the_statistics_and_the_link(client, login, person, role):
    login(client, person(role))
    response = client.get("/stats")
    assert response.status_code == 200
    assert 'href="/stats"' in response.get_data(as_text=True)


def test_anonymous_visitors_are_sent_to_sign_in(client):
    for url in ("/stats", "/stats/summary"):
        assert "/login" in client.get(url).headers["Location"]


def test_guests_get_404_on_the_summary(client, login, person):
    login(client, person("guest"))
    assert client.get("/stats/summary").status_code == 404
    assert client.get("/stats/summary/weeks.csv").status_code == 404


@pytest.mark.parametrize("role", ["delegate", "staff", "language_moderator_own"])
def test_members_see_the_summary_and_its_link(client, login, person, role):
    login(client, person(role))
    response = client.get("/stats/summary")
    assert response.status_code == 200
    assert 'href="/stats/summary"' in response.get_data(as_text=True)


def test_the_summary_names_no_one(history, client, login, delegate):
    login(client, delegate)
    page = client.get("/stats/summary", query_string=PERIOD_ARGS).get_data(as_text=True)
    assert "Zebulon" not in page
    assert "University of Nairobi" not in page
    # Aggregates by member state, group, language and category are there.
    assert "Group of Latin American and Caribbean Countries: 1 of 33 posting" in page
    assert "France" in page and "Capacity building" in page
    # Tables that only /stats shows are not downloadable from the summary.
    assert client.get("/stats/summary/guests.csv", query_string=PERIOD_ARGS).status_code == 404
    assert client.get("/stats/summary/moderation.csv", query_string=PERIOD_ARGS).status_code == 404
    assert client.get("/stats/summary/member-states.csv", query_string=PERIOD_ARGS).status_code == 200


def test_no_page_of_the_statistics_names_a_person(history, client, login, admin):
    login(client, admin)
    page = client.get("/stats", query_string=PERIOD_ARGS).get_data(as_text=True)
    assert "Zebulon" not in page


@pytest.mark.parametrize(
    "args, message",
    [
        ({"period": "custom", "first": "2026-13-40", "last": "2026-11-01"}, "Not a valid date value"),
        ({"period": "custom", "first": "2026-11-20", "last": "2026-11-01"}, "The last day comes before the first day"),
        ({"period": "custom", "first": "2020-01-01", "last": "2026-11-01"}, "A period is at most three years long"),
        ({"period": "custom"}, "A custom range needs a first and a last day"),
    ],
)
def test_a_bad_period_shows_a_message_not_an_error(client, login, admin, args, message):
    login(client, admin)
    response = client.get("/stats", query_string=args)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)


@pytest.mark.parametrize("name", ["group", "language", "category", "room", "discussion"])
def test_hostile_filter_values_filter_nothing_out(client, login, admin, name):
    login(client, admin)
    for value in ("x'; DROP TABLE posts;--", "999999999999999999999", "-1", "<script>"):
        response = client.get("/stats", query_string={name: value, "period": "nonsense"})
        assert response.status_code == 200


def test_week_boundaries_follow_the_forums_time_zone(frozen_clock, app):
    from forum.stats.service import Period

    with app.app_context():
        # Monday 30 November 2026 00:30 in Geneva is still Sunday in UTC: this week starts on the 30th.
        frozen_clock.set(datetime(2026, 11, 29, 23, 30, tzinfo=UTC))
        week = Period.preset("week")
        assert (week.first, week.last) == (datetime(2026, 11, 30).date(), datetime(2026, 11, 30).date())
        assert week.starts_at == datetime(2026, 11, 29, 23, 0, tzinfo=UTC)
        four = Period.preset("4weeks")
        assert four.first == datetime(2026, 11, 9).date() and len(four.week_starts) == 4
        year = Period.preset("year")
        assert year.first == datetime(2026, 1, 1).date() and year.week_starts[1] == datetime(2026, 1, 5).date()


# Charts -------------------------------------------------------------------------------


def test_charts_are_svg_images_without_script(history, client, login, admin):
    login(client, admin)
    response = client.get("/stats", query_string=PERIOD_ARGS)
    page = response.get_data(as_text=True)
    images = re.findall(r'<img src="data:image/svg\+xml;base64,([^"]+)" alt="([^"]+)"', page)
    assert len(images) == 4
    for encoded, alt in images:
        svg = base64.b64decode(encoded).decode("utf-8")
        assert "<svg" in svg and "<script" not in svg.lower()
        assert alt.startswith("Chart of the table below")
    # The week chart prints its values on the points: readable without colour.
    weeks = base64.b64decode(images[-1][0]).decode("utf-8")
    assert 'class="value' in weeks and ">7<" in weeks
    # The page itself keeps the strict policy: no inline script or style.
    assert "img-src 'self' data:" in response.headers["Content-Security-Policy"]
    assert "<script>" not in page and " style=" not in page


# PDF, CLI ------------------------------------------------------------------------------


def test_the_report_downloads_as_pdf(history, client, login, admin):
    login(client, admin)
    response = client.get("/stats/report.pdf", query_string=PERIOD_ARGS)
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")


@pytest.mark.parametrize("kind", ["csv", "pdf"])
def test_the_stats_report_command_writes_the_file(history, app, tmp_path, kind):
    output = tmp_path / f"report.{kind}"
    result = app.test_cli_runner().invoke(
        args=[
            "forum",
            "stats-report",
            "--from",
            "2026-11-02",
            "--to",
            "2026-11-29",
            "--format",
            kind,
            "--output",
            output,
        ]
    )
    assert result.exit_code == 0, result.output
    assert "Counting 2026-11-02 to 2026-11-29" in result.output
    data = output.read_bytes()
    if kind == "pdf":
        assert data.startswith(b"%PDF")
    else:
        text = data.decode("utf-8")
        assert text.startswith("\ufeff") and "Group B: 2 of 32 posting" in text


def test_the_stats_report_command_refuses_a_bad_period(app, tmp_path):
    result = app.test_cli_runner().invoke(
        args=["forum", "stats-report", "--from", "2026-11-29", "--to", "2026-11-01", "--output", tmp_path / "x.pdf"]
    )
    assert result.exit_code != 0
    assert "The last day comes before the first day" in result.output
    assert not (tmp_path / "x.pdf").exists()


# Query budget ---------------------------------------------------------------------------


def _history_of(weeks, make_user, frozen_clock):
    """`weeks` weeks of posts by several member states, ending the week before 30 November 2026."""
    frozen_clock.set(datetime(2024, 1, 1, tzinfo=UTC))
    authors = [make_user("delegate", state=code) for code in ("FRA", "BRA", "KEN")]
    room = get_room("capacity-en")
    thread = start_thread(room, authors[0], datetime(2026, 11, 23, tzinfo=UTC) - timedelta(weeks=weeks))
    for week in range(weeks):
        moment = datetime(2026, 11, 23, tzinfo=UTC) - timedelta(weeks=week)
        for author in authors:
            write(thread, author, moment)
    db.session.commit()
    frozen_clock.set(datetime(2026, 11, 30, 10, tzinfo=UTC))


@pytest.mark.parametrize("rolled", [False, True], ids=["counted-from-posts", "rolled-up"])
@pytest.mark.parametrize("weeks", [1, 50])
def test_the_page_uses_the_same_number_of_queries_whatever_the_history(
    make_user, frozen_clock, client, login, admin, count_queries, weeks, rolled
):
    _history_of(weeks, make_user, frozen_clock)
    if rolled:
        # The tick counted the past weeks (forum.stats.rollup): the same queries answer from its rows.
        assert roll_weeks(clock.now()) == weeks + 1
        db.session.commit()
    login(client, admin)
    args = {"period": "custom", "first": "2025-11-01", "last": "2026-11-29"}
    client.get("/stats", query_string=args)  # the day's activity row is written once, before counting
    with count_queries() as counter:
        response = client.get("/stats", query_string=args)
    assert response.status_code == 200
    assert counter.count == QUERIES_PER_PAGE
    assert f"<dd>{3 * weeks + 1}</dd>" in response.get_data(as_text=True)


# The page's whole budget: header counts and user, the filter menus (category names come with the rooms), and the
# report's grouped queries.
QUERIES_PER_PAGE = 20


def test_a_chart_is_drawn_once_per_content_and_language(history, client, login, admin):
    from forum.stats.charts import _drawn_uri, chart_data_uri

    _drawn_uri.cache_clear()
    login(client, admin)
    first = client.get("/stats", query_string=PERIOD_ARGS).get_data(as_text=True)
    drawn = _drawn_uri.cache_info().misses
    again = client.get("/stats", query_string=PERIOD_ARGS).get_data(as_text=True)
    assert _drawn_uri.cache_info().misses == drawn and _drawn_uri.cache_info().hits == drawn
    assert re.findall(r'src="(data:image/svg[^"]+)"', first) == re.findall(r'src="(data:image/svg[^"]+)"', again)

    # The title (in the reader's language) and the figures are part of what is drawn.
    class Table:
        key, title, columns, rows = (
            "languages",
            "Posts by language",
            ("Language", "Threads", "Posts"),
            [["English", 2, 8]],
        )

    english = chart_data_uri(Table)
    Table.title = "Messages par langue"
    french = chart_data_uri(Table)
    Table.rows = [["English", 2, 9]]
    assert len({english, french, chart_data_uri(Table)}) == 3
