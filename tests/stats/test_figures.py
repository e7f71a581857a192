"""Every figure of the statistics, from the known history of conftest.py: in the service, on the page and in the CSV."""

import csv
import html
import io
import re

import pytest

from forum.stats import service
from tests.stats.conftest import FIRST, LAST, PERIOD_ARGS

# Each table's rows as the page and the CSV print them (the history is worked out in conftest.py).
EXPECTED = {
    "member-states": [
        # name, regional group, accounts, active accounts, posts, weeks posting
        ["Argentina", "Group of Latin American and Caribbean Countries", 1, 1, 0, 0],
        ["Brazil", "Group of Latin American and Caribbean Countries", 1, 1, 2, 2],
        ["France", "Group B", 1, 1, 4, 4],
        ["Germany", "Group B", 1, 1, 2, 2],
        ["Japan", "Group B", 1, 0, 0, 0],
        ["Kenya", "African Group", 1, 1, 1, 1],
    ],
    "accounts": [
        # created, activated, active, posting (hidden and held posts make nobody "posting")
        ["Delegations", 1, 1, 5, 4],
        ["Secretariat and moderators", 0, 0, 2, 2],
        ["Guests", 0, 0, 1, 1],
    ],
    "guests": [["=University of Nairobi", 1, 1]],
    "languages": [["English", 2, 8], ["French", 2, 5], ["Spanish", 0, 0]],
    "rooms": [["Capacity building", "English", 2, 8], ["Capacity building", "French", 2, 5]],
    "weeks": [
        # Sunday 15 Nov 23:30 UTC falls in the week of the 16th (Geneva); 29 Nov 23:30 UTC is after the period.
        ["2026-11-02", 2, 2, 2],
        ["2026-11-09", 2, 2, 2],
        ["2026-11-16", 7, 3, 3],
        ["2026-11-23", 2, 2, 2],
    ],
    "discussions": [["Measuring impact", "2026-11-16", 4, "English: 3; French: 1", 2, 2, 1, 1, 2.0]],
    "proposals": [
        ["Proposed", 1],
        ["Under consideration", 0],
        ["Accepted (including those since scheduled)", 1],
        ["Declined", 0],
    ],
    "moderation": [
        ["Reports", 2],
        ["Median hours to handle a report", 6.0],
        ["Hidden posts", 1],
        ["Held posts", 1],
        ["Warnings", 1],
        ["Suspensions", 0],
    ],
    "engagement": [
        ["Member states posting", 4],
        ["Member states posting in two or more weeks", 3],
        ["Share coming back", "75 %"],
        ["E-mail notifications sent", 2],
        ["Unsubscribes", "not recorded"],
    ],
}
GROUPS = {
    # group: (member states, with an account, active, posting)
    "Group of Latin American and Caribbean Countries": [33, 2, 2, 1],
    "Group B": [32, 3, 2, 2],
    "African Group": [53, 1, 1, 1],
    "Asia and the Pacific Group": [46, 0, 0, 0],
}


def build(**filters):
    return service.build_report(service.Filters(service.Period(FIRST, LAST), **filters))


def rows_of(report, key):
    rows = report.table(key).rows
    if key == "languages":
        # Only the capacity rooms have posts; every language room is listed (Spanish with nothing).
        return [row for row in rows if row[0] in ("English", "French", "Spanish")]
    return rows


def test_headline_counts_member_states_out_of_193(history, app):
    with app.test_request_context():
        report = build()
    assert report.headline == {
        "states_with_accounts": 6,
        "states_active": 5,
        "states_posting": 4,
        "states_total": 193,
        "states_returning": 3,
        "posts": 13,
    }


@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_each_table_of_the_report(history, app, key):
    with app.test_request_context():
        assert rows_of(build(), key) == EXPECTED[key]


def test_regional_groups_say_how_many_post_out_of_how_many(history, app):
    with app.test_request_context():
        rows = {row[0]: row for row in build().table("regional-groups").rows}
    for name, figures in GROUPS.items():
        assert rows[name][1:5] == figures
    assert rows["Group of Latin American and Caribbean Countries"][5] == (
        "Group of Latin American and Caribbean Countries: 1 of 33 posting"
    )


def test_categories_count_threads_and_posts_in_every_language(history, app):
    with app.test_request_context():
        rows = {row[0]: row[1:] for row in build().table("categories").rows}
    assert rows["Capacity building"] == [4, 13]


def test_endorsements_by_regional_group(history, app):
    with app.test_request_context():
        rows = dict(build().table("endorsements").rows)
    assert rows["Group of Latin American and Caribbean Countries"] == 1
    assert rows["Group B"] == 0


def test_filters_restrict_the_posts(history, app):
    with app.test_request_context():
        french = build(language_code="fr")
        grulac = build(group_id=history.users["BRA"].member_state.group_id)
        discussion = build(discussion_id=history.discussion.id)
    assert french.headline["posts"] == 5
    assert [row[1] for row in french.table("weeks").rows] == [0, 2, 3, 0]
    assert grulac.headline["posts"] == 2
    assert [row[0] for row in grulac.table("member-states").rows] == ["Argentina", "Brazil"]
    assert discussion.headline["posts"] == 6


def test_member_state_names_are_in_the_readers_language(history, app):
    with app.test_request_context():
        report = service.build_report(service.Filters(service.Period(FIRST, LAST)), "fr")
    names = [row[0] for row in report.table("member-states").rows]
    assert names == ["Allemagne", "Argentine", "Brésil", "France", "Japon", "Kenya"]


# The page and the CSV --------------------------------------------------------------


def page_rows(page, key):
    """The body rows of one table of the page, as text cells."""
    section = re.search(rf'id="table-{key}".*?</section>', page, re.DOTALL).group(0)
    body = re.search(r"<tbody>(.*?)</tbody>", section, re.DOTALL).group(1)
    return [
        [html.unescape(cell).strip() for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.DOTALL)]
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.DOTALL)
    ]


def as_text(rows):
    return [[str(cell) for cell in row] for row in rows]


@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_every_table_is_on_the_page_and_in_its_csv(history, client, login, admin, key):
    login(client, admin)
    page = client.get("/stats", query_string=PERIOD_ARGS).get_data(as_text=True)
    expected = as_text(EXPECTED[key])
    shown = page_rows(page, key)
    if key == "languages":
        shown = [row for row in shown if row[0] in ("English", "French", "Spanish")]
    assert shown == expected

    response = client.get(f"/stats/{key}.csv", query_string=PERIOD_ARGS)
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    text = response.data.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:])))[1:]
    if key == "languages":
        rows = [row for row in rows if row[0] in ("English", "French", "Spanish")]
    if key == "guests":
        # A cell that would start a formula is escaped in the CSV (and shown as typed on the page).
        expected = [["'=University of Nairobi", "1", "1"]]
    assert rows == expected


def test_headline_and_definitions_are_on_the_page(history, client, login, admin):
    login(client, admin)
    page = client.get("/stats", query_string=PERIOD_ARGS).get_data(as_text=True)
    assert "5 of 193" in page and "4 of 193" in page and "6 of 193" in page
    assert "Member states whose delegates wrote at least one post in the period that counts" in page
    assert page.count('class="definition"') >= 13


def test_the_whole_report_downloads_as_one_csv(history, client, login, admin):
    login(client, admin)
    response = client.get("/stats/report.csv", query_string=PERIOD_ARGS)
    text = response.data.decode("utf-8")
    assert text.startswith("\ufeff")
    assert "Forum usage statistics, 2026-11-02 to 2026-11-29" in text
    assert "Group of Latin American and Caribbean Countries: 1 of 33 posting" in text
    assert "'=University of Nairobi" in text


def test_an_unknown_table_is_404(history, client, login, admin):
    login(client, admin)
    assert client.get("/stats/nothing.csv").status_code == 404


def test_weeks_follow_summer_time_in_geneva(app, make_user, frozen_clock):
    from datetime import UTC, date, datetime

    from forum.extensions import db
    from forum.rooms.service import get_room
    from tests.stats.conftest import start_thread, write

    frozen_clock.set(datetime(2026, 3, 1, tzinfo=UTC))
    author = make_user("delegate", state="FRA")
    thread = start_thread(get_room("capacity-en"), author, datetime(2026, 3, 16, 12, tzinfo=UTC))
    write(thread, author, datetime(2026, 3, 22, 23, 30, tzinfo=UTC))  # Monday 23 March 00:30 (winter time)
    write(thread, author, datetime(2026, 4, 5, 21, 30, tzinfo=UTC))  # Sunday 5 April 23:30 (summer time)
    write(thread, author, datetime(2026, 4, 5, 22, 30, tzinfo=UTC))  # Monday 6 April 00:30 (summer time)
    db.session.commit()
    with app.test_request_context():
        report = service.build_report(service.Filters(service.Period(date(2026, 3, 18), date(2026, 4, 12))))
    assert report.table("weeks").rows == [
        ["2026-03-18", 0, 0, 0],
        ["2026-03-23", 1, 1, 1],
        ["2026-03-30", 1, 1, 1],
        ["2026-04-06", 1, 1, 1],
    ]


def test_the_longest_period_counts_every_week_to_its_edges(app, make_user, frozen_clock):
    """Three years (157 weeks, each a row of the weeks the posts are bucketed against): posts on its first
    and last local days count, those just outside do not."""
    from datetime import UTC, date, datetime

    from forum.extensions import db
    from forum.rooms.service import get_room
    from tests.stats.conftest import start_thread, write

    frozen_clock.set(datetime(2026, 12, 1, tzinfo=UTC))
    author = make_user("delegate", state="FRA")
    thread = start_thread(get_room("capacity-en"), author, datetime(2023, 11, 29, 22, 30, tzinfo=UTC))  # 29th 23:30
    write(thread, author, datetime(2023, 11, 29, 23, 30, tzinfo=UTC))  # Thursday 30 November 2023 00:30 in Geneva
    write(thread, author, datetime(2025, 6, 1, 12, tzinfo=UTC))
    write(thread, author, datetime(2026, 11, 29, 22, 30, tzinfo=UTC))  # Sunday 29 November 2026 23:30
    write(thread, author, datetime(2026, 11, 29, 23, 30, tzinfo=UTC))  # Monday 30 November 00:30: outside
    db.session.commit()
    period = service.Period.custom(date(2023, 11, 30), date(2026, 11, 29))
    with app.test_request_context():
        report = service.build_report(service.Filters(period))
    weeks = report.table("weeks").rows
    assert len(weeks) == len(period.week_starts) == 157
    assert weeks[0] == ["2023-11-30", 1, 1, 1] and weeks[-1] == ["2026-11-23", 1, 1, 1]
    assert report.headline["posts"] == 3


def test_a_post_erased_at_its_authors_request_still_counts(history, app):
    """Counts stay when a deletion is carried out; only the text goes (issue: deletion requests)."""
    from sqlalchemy import select

    from forum.accounts.models import User
    from forum.erasure.service import erase_post
    from forum.extensions import db
    from forum.members.models import MemberState
    from forum.threads.models import Post, PostState

    french_post = db.session.scalars(
        select(Post)
        .join(User, User.id == Post.author_id)
        .join(MemberState, MemberState.id == User.member_state_id)
        .where(MemberState.code == "FRA", Post.state == PostState.visible)
        .order_by(Post.id)
    ).first()
    erase_post(french_post)
    db.session.commit()
    assert french_post.source == "" and french_post.state == PostState.removed
    with app.test_request_context():
        report = build()
    assert report.headline["posts"] == 13
    assert rows_of(report, "member-states") == EXPECTED["member-states"]
    assert rows_of(report, "weeks") == EXPECTED["weeks"]
