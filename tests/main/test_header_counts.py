"""The header's counts: what waits for the reader, each a link (forum.main.counts)."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from forum.extensions import db
from forum.guests import service as guests
from forum.main.counts import compute_header_counts
from forum.moderation import service as moderation
from forum.notifications.service import notify
from forum.rooms.service import get_room
from forum.threads import service as threads
from forum.threads.models import Post, PostState
from tests.helpers import weekly


def header(page):
    """The counts strip of a page's header ('' when there is none)."""
    if 'class="header-counts"' not in page:
        return ""
    start = page.index('class="header-counts"')
    return page[start : page.index("</nav>", start)]


def counts_for(client, login, user, url="/"):
    login(client, user)
    response = client.get(url)
    assert response.status_code == 200
    return header(response.get_data(as_text=True))


@pytest.fixture
def waiting(make_user, make_thread, moderator, frozen_clock):
    """Reports and held posts in French and English rooms, and guest requests at both stages."""
    author, reader = make_user(), make_user(state="BRA")
    fr_thread = make_thread(get_room("capacity-fr"), author, title="Fil", replies=2)
    en_thread = make_thread(get_room("capacity-en"), author, title="Thread", replies=1)
    fr_posts = db.session.scalars(select(Post).where(Post.thread_id == fr_thread.id).order_by(Post.number)).all()
    en_posts = db.session.scalars(select(Post).where(Post.thread_id == en_thread.id).order_by(Post.number)).all()
    # French: one post reported twice (one post to handle), one held. English: one reported post.
    moderation.flag_post(fr_posts[0], by=reader, clause="3.2")
    moderation.flag_post(fr_posts[0], by=make_user(state="KEN"), clause="3.4")
    fr_posts[1].state = PostState.held
    moderation.flag_post(en_posts[0], by=reader, clause="3.2")
    # A report already handled waits for nobody.
    moderation.flag_post(en_posts[1], by=reader, clause="3.2")
    moderation.dismiss_flags(en_posts[1], by=moderator, reason="Fine")

    opens_at = frozen_clock.now.replace(second=0, microsecond=0)
    discussion = weekly.schedule(moderator, opens_at=opens_at, closes_at=opens_at + timedelta(days=7))
    requests = [
        guests.request_guest(
            discussion,
            by=make_user(state=state),
            guest_name=f"Guest {index}",
            email=f"guest{index}@university.example",
            organisation="University",
            organisation_kind="academic",
            justification="Relevant expertise.",
        )
        for index, state in enumerate(("KEN", "MEX", "POL"))
    ]
    guests.assess_request(requests[0], by=moderator, recommend=True, clause="1.2", reason="Relevant.")
    db.session.commit()
    return requests


def test_a_delegate_sees_unread_notifications_linked(client, login, delegate):
    assert counts_for(client, login, delegate) == ""
    notify(delegate, "reply", link="/t/1", thread="A thread", author="Someone")
    notify(delegate, "reply", link="/t/1", thread="A thread", author="Someone else")
    db.session.commit()
    strip = counts_for(client, login, delegate, "/profile")
    assert '<a href="/notifications">2 unread notifications</a>' in strip
    # Reading them clears the count.
    client.get("/notifications")
    assert counts_for(client, login, delegate) == ""


def test_a_delegate_sees_no_moderation_or_guest_counts(client, login, make_user, waiting):
    strip = counts_for(client, login, waiting[1].requested_by)
    assert "reported" not in strip and "held" not in strip and "guest request" not in strip


def test_the_french_moderator_sees_only_french_reports_and_held_posts(client, login, french_moderator, waiting):
    strip = counts_for(client, login, french_moderator)
    assert '<a href="/moderation">1 reported post</a>' in strip
    assert '<a href="/moderation">1 post held for approval</a>' in strip
    assert "guest request" not in strip


def test_the_chief_moderator_sees_every_language_and_requests_to_assess(client, login, moderator, waiting):
    strip = counts_for(client, login, moderator)
    assert "2 reported posts" in strip and "1 post held for approval" in strip
    assert '<a href="/guests?status=requested">2 guest requests to assess</a>' in strip
    assert "to approve" not in strip


def test_an_administrator_sees_requests_to_approve(client, login, admin, waiting):
    strip = counts_for(client, login, admin)
    assert '<a href="/guests?status=recommended">1 guest request to approve</a>' in strip
    assert "2 guest requests to assess" in strip


def test_the_links_lead_to_pages_the_reader_may_open(client, login, french_moderator, admin, waiting):
    for user in (french_moderator, admin):
        strip = counts_for(client, login, user)
        for href in {part.split('"')[0] for part in strip.split('href="')[1:]}:
            assert client.get(href.replace("&amp;", "&")).status_code == 200, href


def test_counts_follow_the_work_done(client, login, french_moderator, waiting):
    held = db.session.scalar(select(Post).where(Post.state == PostState.held))
    moderation.approve_post(held, by=french_moderator)
    db.session.commit()
    strip = counts_for(client, login, french_moderator)
    assert "held" not in strip and "1 reported post" in strip


def test_a_guest_gets_the_unread_notifications_count_and_page(client, login, guest):
    thread_id = db.session.scalar(select(Post.thread_id).order_by(Post.id))
    login(client, guest)
    threads.set_watching(guest, threads.get_thread(thread_id), True)
    notify(guest, "reply", link=f"/t/{thread_id}", thread="Guest discussion (en)", author="A delegate")
    db.session.commit()
    strip = counts_for(client, login, guest)
    assert '<a href="/notifications">1 unread notification</a>' in strip
    page = client.get("/notifications")
    assert page.status_code == 200 and "A delegate replied" in page.get_data(as_text=True)


def test_one_query_for_every_count(client, login, admin, waiting, count_queries):
    login(client, admin)  # gives the administrator a second factor: before one, nothing counts
    notify(admin, "reply", link="/t/1", thread="A thread", author="Someone")
    db.session.commit()
    db.session.refresh(admin)
    with count_queries() as counter:
        counts = compute_header_counts(admin)
    assert counter.count == 1
    assert (counts.notifications, counts.reports, counts.held, counts.to_assess, counts.to_approve) >= (1, 2, 1, 2, 1)


def test_none_for_anonymous_visitors_or_staff_still_to_enrol(app, anonymous, admin, count_queries):
    db.session.refresh(admin)
    with count_queries() as counter:
        assert compute_header_counts(anonymous) is None
        assert compute_header_counts(admin) is None
    assert counter.count == 0


def test_visitors_pages_show_no_counts(client):
    assert 'class="header-counts"' not in client.get("/login").get_data(as_text=True)


def test_error_pages_show_counts_except_a_server_error(app, client, login, delegate):
    """A 500 may follow a lost database: its page asks nothing more of it; a 404 is an ordinary page."""

    @app.route("/boom")
    def boom():
        raise RuntimeError("broken")

    notify(delegate, "reply", link="/t/1", thread="A thread", author="Someone")
    db.session.commit()
    login(client, delegate)
    assert "1 unread notification" in header(client.get("/no/such/page").get_data(as_text=True))
    response = client.get("/boom")
    assert response.status_code == 500 and header(response.get_data(as_text=True)) == ""


def test_a_members_page_has_its_count_and_protocol_answer_from_the_statement_loading_the_account(
    client, login, make_user, make_thread, count_queries
):
    """The session's user loader asks for the unread notifications and the protocol answer with the account: a
    thread page (its header and its reply form) runs no statement of its own for either, and both are right."""
    reader, other = make_user(), make_user(accepted_protocol=False)
    thread = make_thread(get_room("capacity-en"), make_user(), title="Thread", replies=1)
    notify(reader, "reply", link="/t/1", thread="A thread", author="Someone")
    notify(other, "reply", link="/t/1", thread="A thread", author="Someone")
    db.session.commit()
    for user, accepted in ((reader, True), (other, False)):
        login(client, user)
        with count_queries() as counter:
            page = client.get(f"/t/{thread.id}").get_data(as_text=True)
        assert "1 unread notification" in header(page)
        # The reply form is offered only once the protocol in force is accepted (the gate's notice otherwise).
        assert ('name="body"' in page) is accepted
        loading_the_reader = [statement for statement in counter.statements if "FROM users" in statement]
        assert any("notifications" in statement for statement in loading_the_reader)
        on_their_own = [
            statement
            for statement in counter.statements
            if ("notifications" in statement or "protocol_acceptances" in statement)
            and statement not in loading_the_reader
        ]
        assert on_their_own == []
