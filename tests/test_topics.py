"""Weekly discussions, Secretariat experts, topic proposals and the topics page (issue 4)."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from forum import clock
from forum.audit import AuditEvent
from forum.discussions import service as discussions
from forum.discussions.models import Discussion, DiscussionExpert, DiscussionText
from forum.errors import Invalid
from forum.extensions import db
from forum.notifications.models import Notification
from forum.proposals import service as proposals
from forum.proposals.models import Endorsement, ProposalStatus, TopicProposal
from forum.rooms.models import Category
from forum.threads import service as threads_service
from forum.threads.models import (
    Post,
    PostRevision,
    Thread,
    ThreadKind,
    ThreadStatus,
)

# The clock fixture starts on Monday 23 November 2026, 10:00 UTC (11:00 in Geneva).
MONDAY_NEXT = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)  # 09:00 in Geneva (winter time)


def _texts(*codes, title="Sharing evaluation methods"):
    return {code: discussions.TextInput(f"{title} ({code})", f"Opening message in {code}.") for code in codes}


def _category(code="capacity"):
    return db.session.scalar(select(Category).where(Category.code == code))


def _count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def _actions():
    return [event.action for event in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]


def _schedule(by, codes=("en", "fr", "es"), opens_at=MONDAY_NEXT, closes_at=MONDAY_NEXT + timedelta(days=7), **kwargs):
    discussion = discussions.schedule_discussion(
        by=by, category_id=_category().id, texts=_texts(*codes), opens_at=opens_at, closes_at=closes_at, **kwargs
    )
    db.session.commit()
    return discussion


def _threads(discussion):
    return discussions.discussion_threads(discussion)


@pytest.fixture
def moderator(make_user):
    return make_user("moderator", name="Moana Moderator")


@pytest.fixture
def delegate(make_user):
    return make_user(name="Camille Dupont")


@pytest.fixture
def clock_(frozen_clock):
    return frozen_clock


# Defaults and times -------------------------------------------------------------------


@pytest.mark.parametrize(
    "now, opens",
    [
        # Monday 11:00 Geneva: next week's Monday.
        (datetime(2026, 11, 23, 10, 0, tzinfo=UTC), datetime(2026, 11, 30, 8, 0, tzinfo=UTC)),
        # Monday 08:00 Geneva: today at 09:00.
        (datetime(2026, 11, 23, 7, 0, tzinfo=UTC), datetime(2026, 11, 23, 8, 0, tzinfo=UTC)),
        # Sunday late evening UTC is already Monday in Geneva.
        (datetime(2026, 11, 29, 23, 30, tzinfo=UTC), datetime(2026, 11, 30, 8, 0, tzinfo=UTC)),
        # Summer time: 09:00 Geneva is 07:00 UTC.
        (datetime(2027, 6, 9, 12, 0, tzinfo=UTC), datetime(2027, 6, 14, 7, 0, tzinfo=UTC)),
    ],
)
def test_default_opening_is_next_monday_nine_in_geneva(app, now, opens):
    opens_at, closes_at = discussions.default_times(now)
    assert opens_at == opens
    assert closes_at - opens_at == timedelta(days=7)


def test_default_closing_keeps_nine_oclock_across_the_change_to_summer_time(app):
    # Summer time starts on Sunday 28 March 2027: opening in winter time, closing in summer time.
    opens_at, closes_at = discussions.default_times(datetime(2027, 3, 17, 12, 0, tzinfo=UTC))
    assert opens_at == datetime(2027, 3, 22, 8, 0, tzinfo=UTC)
    assert closes_at == datetime(2027, 3, 29, 7, 0, tzinfo=UTC)


# Scheduling and the life of a discussion ------------------------------------------------


def test_discussion_appears_as_linked_weekly_threads_one_per_language(clock_, moderator):
    discussion = _schedule(moderator)
    threads = _threads(discussion)
    assert set(threads) == {"en", "fr", "es"}
    for code, thread in threads.items():
        assert thread.kind == ThreadKind.weekly
        assert thread.discussion_id == discussion.id
        assert thread.room.category.code == "capacity" and thread.room.language_code == code
        assert thread.title == f"Sharing evaluation methods ({code})"
        assert (thread.opens_at, thread.closes_at) == (discussion.opens_at, discussion.closes_at)
        first = db.session.scalar(select(Post).where(Post.thread_id == thread.id))
        assert first.author_id == moderator.id and first.source == f"Opening message in {code}."


def test_a_language_can_be_left_out_on_purpose(clock_, moderator):
    discussion = _schedule(moderator, codes=("en", "es"))
    assert set(_threads(discussion)) == {"en", "es"}
    assert discussion.language_codes == {"en", "es"}


def test_discussion_is_scheduled_then_opens_then_closes_at_its_times(clock_, moderator, delegate, client, login):
    discussion = _schedule(moderator)
    thread = _threads(discussion)["en"]
    assert discussion.status == ThreadStatus.scheduled == thread.status

    # Before opening: members neither see nor post; the moderator sees it.
    login(client, delegate)
    assert client.get(f"/t/{thread.id}").status_code == 404
    with pytest.raises(threads_service.NotAllowed):
        threads_service.reply(thread, author=delegate, body="Too early")
    db.session.rollback()
    assert login(client.application.test_client(), moderator).get(f"/t/{thread.id}").status_code == 200
    # …but the topics page announces it to everyone.
    assert "Sharing evaluation methods (en)" in client.get("/topics").get_data(as_text=True)

    clock_.set(MONDAY_NEXT)
    assert discussion.status == ThreadStatus.open == thread.status
    assert client.get(f"/t/{thread.id}").status_code == 200
    response = client.post(f"/t/{thread.id}/reply", data={"body": "We use surveys."})
    assert response.status_code == 302
    assert db.session.scalar(select(func.count(Post.id)).where(Post.thread_id == thread.id)) == 2

    clock_.set(MONDAY_NEXT + timedelta(days=7))
    assert discussion.status == ThreadStatus.closed == thread.status
    assert client.post(f"/t/{thread.id}/reply", data={"body": "Too late"}).status_code == 403
    with pytest.raises(threads_service.NotAllowed):
        threads_service.reply(thread, author=delegate, body="Too late")
    db.session.rollback()
    assert db.session.scalar(select(func.count(Post.id)).where(Post.thread_id == thread.id)) == 2


def test_open_ended_discussion_never_closes_by_itself(clock_, moderator):
    discussion = _schedule(moderator, closes_at=None)
    clock_.set(MONDAY_NEXT + timedelta(days=400))
    assert discussion.status == ThreadStatus.open
    assert all(thread.status == ThreadStatus.open for thread in _threads(discussion).values())


def test_schedule_through_the_form_with_defaults(clock_, moderator, client, login):
    login(client, moderator)
    page = client.get("/topics/discussions/new").get_data(as_text=True)
    # Defaults shown in the reader's zone (Europe/Zurich): next Monday 09:00, a week long.
    assert 'value="2026-11-30T09:00"' in page and 'value="2026-12-07T09:00"' in page
    response = client.post(
        "/topics/discussions/new",
        data={
            "category": str(_category().id),
            "opens_at": "2026-11-30T09:00",
            "closes_at": "2026-12-07T09:00",
            "title_en": "Measuring impact",
            "body_en": "How do you measure it?",
            "title_fr": "Mesurer l'impact",
            "body_fr": "Comment le mesurez-vous ?",
            "title_es": "",
            "body_es": "",
        },
    )
    assert response.status_code == 302
    discussion = db.session.scalar(select(Discussion))
    assert response.location == f"/topics/discussions/{discussion.id}"
    assert discussion.opens_at == MONDAY_NEXT
    assert discussion.closes_at == MONDAY_NEXT + timedelta(days=7)
    assert set(_threads(discussion)) == {"en", "fr"}
    assert _actions() == ["discussion.create"]


def test_open_ended_through_the_form(clock_, moderator, client, login):
    login(client, moderator)
    response = client.post(
        "/topics/discussions/new",
        data={
            "category": str(_category().id),
            "opens_at": "2026-11-30T09:00",
            "closes_at": "",
            "open_ended": "y",
            "title_en": "Open forever",
            "body_en": "Come any time.",
        },
    )
    assert response.status_code == 302
    assert db.session.scalar(select(Discussion)).closes_at is None


# Bad input: a clear error, nothing written ------------------------------------------------


BAD_FORMS = [
    (
        {"opens_at": "2026-11-30T09:00", "closes_at": "2026-11-30T08:00"},
        "The closing time must be after the opening time.",
    ),
    (
        {"opens_at": "2026-11-30T09:00", "closes_at": "2026-11-30T09:00"},
        "The closing time must be after the opening time.",
    ),
    ({"opens_at": "2026-11-20T09:00", "closes_at": "2026-12-07T09:00"}, "The opening time is in the past."),
    ({"title_en": "", "body_en": ""}, "Give a title and an opening message in at least one language."),
    ({"category": "999"}, "Unknown category."),
    ({"category": "not-a-number"}, "Unknown category."),
    ({"body_en": ""}, "Write an opening message in English, or leave that language out."),
    ({"title_en": ""}, "Give a title in English, or leave that language out."),
    ({"opens_at": "next monday"}, "Give a date and time"),
    ({"opens_at": ""}, "Give an opening time."),
    ({"closes_at": ""}, "Give a closing time, or choose open-ended."),
]


@pytest.mark.parametrize("change, message", BAD_FORMS)
def test_bad_discussion_input_is_refused_with_a_clear_message_and_nothing_written(
    clock_, moderator, client, login, change, message
):
    login(client, moderator)
    data = {
        "category": str(_category().id),
        "opens_at": "2026-11-30T09:00",
        "closes_at": "2026-12-07T09:00",
        "title_en": "Measuring impact",
        "body_en": "How do you measure it?",
    }
    data.update(change)
    response = client.post("/topics/discussions/new", data=data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    db.session.rollback()
    assert _count(Discussion) == _count(Thread) == _count(Post) == _count(AuditEvent) == 0


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"category_id": 12345}, "Unknown category."),
        ({"category_id": None}, "Unknown category."),
        ({"texts": {}}, "at least one language"),
        ({"texts": {"en": discussions.TextInput("  ", "  ")}}, "at least one language"),
        ({"texts": {"xx": discussions.TextInput("Title", "Body")}}, "Unknown language"),
        ({"closes_at": MONDAY_NEXT - timedelta(hours=1)}, "closing time must be after"),
        ({"opens_at": datetime(2026, 11, 23, 9, 0, tzinfo=UTC)}, "opening time is in the past"),
        ({"texts": {"en": discussions.TextInput("x" * 201, "Body")}}, "title is too long"),
    ],
)
def test_bad_input_to_the_service_raises_before_writing(clock_, moderator, kwargs, message):
    arguments = {
        "by": moderator,
        "category_id": _category().id,
        "texts": _texts("en"),
        "opens_at": MONDAY_NEXT,
        "closes_at": MONDAY_NEXT + timedelta(days=7),
    }
    arguments.update(kwargs)
    with pytest.raises(Invalid, match=message):
        discussions.schedule_discussion(**arguments)
    db.session.rollback()
    assert _count(Discussion) == _count(Thread) == _count(AuditEvent) == 0


# Editing, rescheduling, extending, closing early, summaries --------------------------------


def test_edit_changes_titles_and_opening_posts_keeping_a_revision_and_may_add_a_language(clock_, moderator, make_user):
    discussion = _schedule(moderator, codes=("en", "fr"))
    other = make_user("moderator")
    texts = _texts("en", "fr")
    texts["en"] = discussions.TextInput("A better title", "A better opening.")
    texts["es"] = discussions.TextInput("Título", "Mensaje inicial.")
    discussions.edit_discussion(discussion, by=other, category_id=_category().id, texts=texts)
    db.session.commit()
    threads = _threads(discussion)
    assert set(threads) == {"en", "fr", "es"}
    assert threads["en"].title == "A better title"
    first = db.session.scalar(select(Post).where(Post.thread_id == threads["en"].id, Post.number == 1))
    assert first.source == "A better opening." and first.edited_at is not None
    revision = db.session.scalar(select(PostRevision).where(PostRevision.post_id == first.id))
    assert revision.source == "Opening message in en." and revision.editor_id == other.id
    assert threads["es"].opens_at == discussion.opens_at and threads["es"].kind == ThreadKind.weekly
    assert _actions() == ["discussion.create", "discussion.edit"]


def test_edit_can_move_the_discussion_to_another_category(clock_, moderator):
    discussion = _schedule(moderator, codes=("en", "fr"))
    discussions.edit_discussion(
        discussion, by=moderator, category_id=_category("legislative").id, texts=_texts("en", "fr")
    )
    db.session.commit()
    assert {thread.room.slug for thread in _threads(discussion).values()} == {"legislative-en", "legislative-fr"}


def test_edit_refuses_to_empty_a_language_the_discussion_runs_in(clock_, moderator):
    discussion = _schedule(moderator, codes=("en", "fr"))
    with pytest.raises(Invalid, match="already runs in"):
        discussions.edit_discussion(discussion, by=moderator, category_id=_category().id, texts=_texts("en"))
    db.session.rollback()
    assert _actions() == ["discussion.create"]


def test_edit_without_changes_records_nothing(clock_, moderator):
    discussion = _schedule(moderator, codes=("en",))
    discussions.edit_discussion(discussion, by=moderator, category_id=_category().id, texts=_texts("en"))
    assert _actions() == ["discussion.create"]


def test_edit_form_prefills_and_saves(clock_, moderator, client, login):
    discussion = _schedule(moderator, codes=("en",))
    login(client, moderator)
    page = client.get(f"/topics/discussions/{discussion.id}/edit").get_data(as_text=True)
    assert "Sharing evaluation methods (en)" in page
    response = client.post(
        f"/topics/discussions/{discussion.id}/edit",
        data={
            "category": str(_category().id),
            "title_en": "Renamed",
            "body_en": "Opening message in en.",
        },
    )
    assert response.status_code == 302
    assert _threads(discussion)["en"].title == "Renamed"


def test_reschedule_before_opening_moves_every_thread(clock_, moderator):
    discussion = _schedule(moderator)
    later = MONDAY_NEXT + timedelta(days=7)
    discussions.reschedule_discussion(discussion, by=moderator, opens_at=later, closes_at=later + timedelta(days=3))
    db.session.commit()
    assert all((t.opens_at, t.closes_at) == (later, later + timedelta(days=3)) for t in _threads(discussion).values())
    assert _actions()[-1] == "discussion.reschedule"


def test_opening_time_is_fixed_once_open_but_the_closing_can_be_extended(clock_, moderator):
    discussion = _schedule(moderator)
    clock_.set(MONDAY_NEXT + timedelta(days=2))
    with pytest.raises(Invalid, match="already opened"):
        discussions.reschedule_discussion(
            discussion, by=moderator, opens_at=MONDAY_NEXT + timedelta(days=3), closes_at=discussion.closes_at
        )
    db.session.rollback()
    # The form sends times to the minute: an unchanged opening is not a change.
    discussions.reschedule_discussion(
        discussion,
        by=moderator,
        opens_at=MONDAY_NEXT + timedelta(seconds=30),
        closes_at=MONDAY_NEXT + timedelta(days=14),
    )
    db.session.commit()
    assert discussion.opens_at == MONDAY_NEXT
    assert all(t.closes_at == MONDAY_NEXT + timedelta(days=14) for t in _threads(discussion).values())
    assert _actions()[-1] == "discussion.extend"
    clock_.set(MONDAY_NEXT + timedelta(days=10))
    assert discussion.status == ThreadStatus.open


def test_a_closed_discussion_can_be_extended_and_reopens(clock_, moderator):
    discussion = _schedule(moderator)
    clock_.set(MONDAY_NEXT + timedelta(days=8))
    assert discussion.status == ThreadStatus.closed
    discussions.reschedule_discussion(discussion, by=moderator, opens_at=discussion.opens_at, closes_at=None)
    db.session.commit()
    assert discussion.status == ThreadStatus.open
    assert _threads(discussion)["fr"].status == ThreadStatus.open


def test_a_closing_time_in_the_past_is_refused(clock_, moderator):
    discussion = _schedule(moderator)
    clock_.set(MONDAY_NEXT + timedelta(days=2))
    with pytest.raises(Invalid, match="Close now"):
        discussions.reschedule_discussion(
            discussion, by=moderator, opens_at=discussion.opens_at, closes_at=MONDAY_NEXT + timedelta(days=1)
        )


def test_reschedule_form(clock_, moderator, client, login):
    discussion = _schedule(moderator)
    login(client, moderator)
    page = client.get(f"/topics/discussions/{discussion.id}/schedule").get_data(as_text=True)
    assert 'value="2026-11-30T09:00"' in page
    response = client.post(
        f"/topics/discussions/{discussion.id}/schedule",
        data={
            "opens_at": "2026-11-30T09:00",
            "closes_at": "2026-12-10T18:00",
        },
    )
    assert response.status_code == 302
    assert discussion.closes_at == datetime(2026, 12, 10, 17, 0, tzinfo=UTC)
    response = client.post(
        f"/topics/discussions/{discussion.id}/schedule",
        data={
            "opens_at": "2026-11-30T09:00",
            "closes_at": "2026-11-29T18:00",
        },
    )
    assert response.status_code == 400
    assert "The closing time must be after the opening time." in response.get_data(as_text=True)


def test_close_early_closes_every_thread_now(clock_, moderator, delegate, client, login):
    discussion = _schedule(moderator)
    clock_.set(MONDAY_NEXT + timedelta(days=1))
    login(client, moderator)
    assert client.post(f"/topics/discussions/{discussion.id}/close").status_code == 302
    assert discussion.status == ThreadStatus.closed
    thread = _threads(discussion)["en"]
    assert thread.status == ThreadStatus.closed
    with pytest.raises(threads_service.NotAllowed):
        threads_service.reply(thread, author=delegate, body="After closing")
    db.session.rollback()
    assert _actions() == ["discussion.create", "discussion.close"]
    # Closing twice is refused with a message, not a second event.
    client.post(f"/topics/discussions/{discussion.id}/close")
    assert _actions() == ["discussion.create", "discussion.close"]


def test_a_scheduled_discussion_cannot_be_closed_early(clock_, moderator):
    discussion = _schedule(moderator)
    with pytest.raises(Invalid, match="not opened yet"):
        discussions.close_discussion(discussion, by=moderator)


def test_summary_shows_atop_the_closed_thread_in_its_language(clock_, moderator, delegate, client, login):
    discussion = _schedule(moderator)
    login(client, moderator)
    response = client.post(
        f"/topics/discussions/{discussion.id}/summary/fr", data={"summary": "Les **sondages** dominent."}
    )
    assert response.status_code == 302
    threads = _threads(discussion)
    clock_.set(MONDAY_NEXT + timedelta(days=1))
    login(client, delegate)
    # Not shown while open.
    assert "Les <strong>sondages</strong> dominent." not in client.get(f"/t/{threads['fr'].id}").get_data(as_text=True)
    clock_.set(MONDAY_NEXT + timedelta(days=7))
    page = client.get(f"/t/{threads['fr'].id}").get_data(as_text=True)
    assert "Les <strong>sondages</strong> dominent." in page
    assert "Les <strong>sondages</strong> dominent." not in client.get(f"/t/{threads['en'].id}").get_data(as_text=True)
    # The topics page shows it among the discussions held.
    assert "Les <strong>sondages</strong> dominent." in client.get("/topics").get_data(as_text=True)
    assert _actions() == ["discussion.create", "discussion.summary"]


def test_summary_is_sanitized(clock_, moderator):
    discussion = _schedule(moderator)
    text = discussions.set_summary(discussion, "en", "<script>alert(1)</script> [x](javascript:alert(1))", by=moderator)
    assert "<script" not in text.summary_html and 'href="javascript' not in text.summary_html


def test_summary_for_a_language_the_discussion_does_not_run_in_is_404(clock_, moderator, client, login):
    discussion = _schedule(moderator, codes=("en",))
    login(client, moderator)
    assert client.get(f"/topics/discussions/{discussion.id}/summary/fr").status_code == 404
    assert client.get(f"/topics/discussions/{discussion.id}/summary/zz").status_code == 404


# "Also in" ------------------------------------------------------------------------------------


def test_each_thread_links_its_siblings_with_their_reply_counts(clock_, moderator, make_user, client, login):
    discussion = _schedule(moderator)
    clock_.set(MONDAY_NEXT + timedelta(hours=1))
    threads = _threads(discussion)
    writers = [make_user(state=code) for code in ("FRA", "SEN", "MEX")]
    for writer in writers[:2]:
        threads_service.reply(threads["fr"], author=writer, body="Réponse")
    threads_service.reply(threads["es"], author=writers[2], body="Respuesta")
    db.session.commit()
    page = login(client, writers[0]).get(f"/t/{threads['en'].id}").get_data(as_text=True)
    assert "Also in:" in page
    assert f'href="/t/{threads["fr"].id}"' in page and "Français</a> (2 replies)" in page
    assert f'href="/t/{threads["es"].id}"' in page and "Español</a> (1 reply)" in page
    assert "English</a>" not in page
    page = client.get(f"/t/{threads['fr'].id}").get_data(as_text=True)
    assert "English</a> (0 replies)" in page and "Español</a> (1 reply)" in page


def test_ordinary_threads_have_no_also_in(client, login, delegate, room, make_thread):
    thread = make_thread(room, delegate)
    assert "Also in" not in login(client, delegate).get(f"/t/{thread.id}").get_data(as_text=True)


def test_weekly_thread_page_stays_within_the_query_budget(clock_, moderator, make_user, client, login, count_queries):
    discussion = _schedule(moderator)
    clock_.set(MONDAY_NEXT + timedelta(hours=1))
    thread = _threads(discussion)["en"]
    reader = make_user()
    for index in range(5):
        threads_service.reply(thread, author=make_user(state="KEN"), body=f"Reply {index}")
    db.session.commit()
    login(client, reader)
    client.get(f"/t/{thread.id}")
    db.session.expire_all()
    with count_queries() as counter:
        assert client.get(f"/t/{thread.id}").status_code == 200
    assert counter.count <= 10, counter.statements


# tick: the announcement, exactly once -------------------------------------------------------


def test_tick_announces_an_opened_discussion_once_to_every_member(app, clock_, moderator, make_user):
    members = [make_user(), make_user("staff"), make_user("language_moderator", languages=("fr",)), make_user("admin")]
    make_user("guest", organisation="University")
    make_user(active=False)
    make_user(password=None)  # never activated
    french = make_user(locale="fr")
    discussion = _schedule(moderator)
    runner = app.test_cli_runner()

    result = runner.invoke(args=["forum", "tick"])
    assert result.exit_code == 0, result.output
    assert "discussions announced: 0" in result.output
    assert _count(Notification) == 0

    clock_.set(MONDAY_NEXT + timedelta(minutes=5))
    for _ in range(2):
        db.session.commit()
        result = runner.invoke(args=["forum", "tick"])
        assert result.exit_code == 0, result.output
    db.session.commit()
    assert "discussions announced: 0" in result.output
    notified = db.session.scalars(select(Notification).where(Notification.kind == "discussion_opened")).all()
    assert sorted(n.user_id for n in notified) == sorted(u.id for u in [*members, french, moderator])
    threads = _threads(discussion)
    by_user = {n.user_id: n for n in notified}
    assert by_user[french.id].params["title"] == "Sharing evaluation methods (fr)"
    assert by_user[french.id].link == f"/t/{threads['fr'].id}"
    assert by_user[members[0].id].link == f"/t/{threads['en'].id}"
    assert db.session.get(Discussion, discussion.id).announced_at == MONDAY_NEXT + timedelta(minutes=5)


def test_announcement_is_claimed_once_even_if_two_ticks_overlap(clock_, moderator, delegate):
    discussion = _schedule(moderator)
    clock_.set(MONDAY_NEXT)
    assert [d.id for d in discussions.announce_opened_discussions(clock.now())] == [discussion.id]
    # A second tick running before the first committed finds nothing left to claim.
    assert discussions.announce_opened_discussions(clock.now()) == []
    db.session.commit()
    assert db.session.scalar(select(func.count(Notification.id)).where(Notification.user_id == delegate.id)) == 1


def test_a_discussion_closed_before_any_tick_is_not_announced(clock_, moderator, delegate):
    _schedule(moderator, closes_at=MONDAY_NEXT + timedelta(hours=1))
    clock_.set(MONDAY_NEXT + timedelta(hours=2))
    assert discussions.announce_opened_discussions(clock.now()) == []


def test_notifications_page_renders_the_announcement(clock_, moderator, delegate, client, login):
    _schedule(moderator)
    clock_.set(MONDAY_NEXT)
    discussions.announce_opened_discussions(clock.now())
    db.session.commit()
    page = login(client, delegate).get("/notifications").get_data(as_text=True)
    assert "The weekly discussion “Sharing evaluation methods (en)” is open" in page


# Secretariat experts -----------------------------------------------------------------------


def test_moderator_invites_a_staff_expert_who_is_notified(clock_, moderator, make_user, client, login):
    discussion = _schedule(moderator)
    expert = make_user("staff", name="Sam Secretariat")
    login(client, moderator)
    assert "Sam Secretariat" in client.get(f"/topics/discussions/{discussion.id}").get_data(as_text=True)
    assert (
        client.post(f"/topics/discussions/{discussion.id}/experts", data={"expert": str(expert.id)}).status_code == 302
    )
    invitation = db.session.scalar(select(DiscussionExpert))
    assert invitation.user_id == expert.id and invitation.notified_at is not None
    notification = db.session.scalar(select(Notification).where(Notification.user_id == expert.id))
    assert notification.kind == "expert_invited" and notification.link == f"/topics/discussions/{discussion.id}"
    page = login(client, expert).get("/notifications").get_data(as_text=True)
    assert "invited you as a Secretariat expert" in page
    # Their posts carry the badge.
    clock_.set(MONDAY_NEXT)
    thread = _threads(discussion)["en"]
    threads_service.reply(thread, author=expert, body="From the Secretariat")
    db.session.commit()
    assert "Secretariat expert" in client.get(f"/t/{thread.id}").get_data(as_text=True)
    assert _actions() == ["discussion.create", "discussion.invite_expert"]


def test_only_staff_can_be_invited_and_only_once(clock_, moderator, delegate, make_user):
    discussion = _schedule(moderator)
    with pytest.raises(Invalid, match="Only Secretariat staff"):
        discussions.invite_expert(discussion, delegate, by=moderator)
    expert = make_user("staff")
    discussions.invite_expert(discussion, expert, by=moderator)
    with pytest.raises(Invalid, match="already invited"):
        discussions.invite_expert(discussion, expert, by=moderator)
    db.session.rollback()


# Topic proposals -------------------------------------------------------------------------------


def _propose(by, **kwargs):
    arguments = {
        "title": "Technology transfer offices",
        "description": "How did you set them up?",
        "category_id": _category().id,
        "aims": "Share models.",
        "audience": "University leaders",
        "languages": ["fr", "en"],
    }
    arguments.update(kwargs)
    proposal = proposals.propose_topic(by=by, **arguments)
    db.session.commit()
    return proposal


def test_proposal_life_cycle_with_endorsements_by_group_and_a_decline(clock_, moderator, make_user, client, login):
    kenya = make_user(state="KEN", name="Wanjiru Kamau")
    login(client, kenya)
    response = client.post(
        "/topics/proposals/new",
        data={
            "title": "Technology transfer offices",
            "description": "How did you **set them up**?",
            "category": str(_category().id),
            "aims": "Share models.",
            "audience": "University leaders",
            "languages": ["es", "en"],
        },
    )
    assert response.status_code == 302
    proposal = db.session.scalar(select(TopicProposal))
    assert proposal.status == ProposalStatus.submitted
    assert proposal.preferred_languages == ["en", "es"]
    assert proposal.member_state.code == "KEN"
    assert (
        db.session.scalar(select(Notification).where(Notification.user_id == moderator.id)).kind == "proposal_submitted"
    )

    # Endorsements: one per member, counted by regional group; not one's own.
    supporters = [make_user(state="BRA"), make_user(state="MEX"), make_user(state="SEN"), make_user("staff")]
    for supporter in supporters:
        login(client, supporter)
        assert client.post(f"/topics/proposals/{proposal.id}/endorse", data={"endorse": "1"}).status_code == 302
    login(client, supporters[0])
    client.post(f"/topics/proposals/{proposal.id}/endorse", data={"endorse": "1"})
    assert _count(Endorsement) == 4
    login(client, kenya)
    assert client.post(f"/topics/proposals/{proposal.id}/endorse", data={"endorse": "1"}).status_code == 403
    page = client.get(f"/topics/proposals/{proposal.id}").get_data(as_text=True)
    assert "4 endorsements" in page
    assert "Group of Latin American and Caribbean Countries: 2" in page
    assert "African Group: 1" in page and "Secretariat: 1" in page
    counts = proposals.endorsement_counts([proposal.id])[proposal.id]
    assert [(c.group.code if c.group else None, c.count) for c in counts] == [("AFRICAN", 1), ("GRULAC", 2), (None, 1)]

    # Withdrawing.
    login(client, supporters[1])
    assert client.post(f"/topics/proposals/{proposal.id}/endorse", data={"endorse": "0"}).status_code == 302
    assert _count(Endorsement) == 3

    # Under consideration, then declined with a reason the proposer sees.
    login(client, moderator)
    assert client.post(f"/topics/proposals/{proposal.id}/consider", data={"note": "Looks promising"}).status_code == 302
    assert proposal.status == ProposalStatus.under_consideration
    assert "Looks promising" in client.get("/topics").get_data(as_text=True)
    assert client.post(f"/topics/proposals/{proposal.id}/decline", data={"reason": ""}).status_code == 302
    assert proposal.status == ProposalStatus.under_consideration
    response = client.post(f"/topics/proposals/{proposal.id}/decline", data={"reason": "Covered in March already."})
    assert response.status_code == 302
    assert proposal.status == ProposalStatus.declined and proposal.decline_reason == "Covered in March already."
    assert "Covered in March already." in login(client, kenya).get(f"/topics/proposals/{proposal.id}").get_data(
        as_text=True
    )
    assert "Your proposal “Technology transfer offices” is declined" in client.get("/notifications").get_data(
        as_text=True
    )
    assert "Covered in March already." not in login(client, supporters[0]).get(
        f"/topics/proposals/{proposal.id}"
    ).get_data(as_text=True)
    # No more endorsing a declined proposal.
    assert client.post(f"/topics/proposals/{proposal.id}/endorse", data={"endorse": "0"}).status_code == 403
    assert _actions() == [
        "proposal.create",
        "proposal.endorse",
        "proposal.endorse",
        "proposal.endorse",
        "proposal.endorse",
        "proposal.withdraw_endorsement",
        "proposal.consider",
        "proposal.decline",
    ]


def test_accepting_a_proposal_leads_to_a_prefilled_discussion_crediting_the_proposer(
    clock_, moderator, make_user, client, login
):
    kenya = make_user(state="KEN", name="Wanjiru Kamau")
    proposal = _propose(kenya)
    login(client, moderator)
    response = client.post(f"/topics/proposals/{proposal.id}/accept", data={"note": ""})
    assert response.status_code == 302
    assert response.location == f"/topics/discussions/new?proposal={proposal.id}"
    assert proposal.status == ProposalStatus.accepted
    page = client.get(response.location).get_data(as_text=True)
    assert 'value="Technology transfer offices"' in page
    assert "Topic proposed by Wanjiru Kamau (Kenya)." in page
    assert f'href="/topics/proposals/{proposal.id}"' in page
    response = client.post(
        f"/topics/discussions/new?proposal={proposal.id}",
        data={
            "category": str(_category().id),
            "opens_at": "2026-11-30T09:00",
            "closes_at": "2026-12-07T09:00",
            "title_en": "Technology transfer offices",
            "body_en": "How did you set them up?",
            "title_fr": "Bureaux de transfert de technologie",
            "body_fr": "Comment les avez-vous créés ?",
        },
    )
    assert response.status_code == 302
    discussion = db.session.scalar(select(Discussion))
    assert discussion.proposal_id == proposal.id
    assert proposal.status == ProposalStatus.scheduled
    page = client.get(f"/topics/discussions/{discussion.id}").get_data(as_text=True)
    assert "Wanjiru Kamau" in page and f'href="/topics/proposals/{proposal.id}"' in page
    assert "Your proposal “Technology transfer offices” is scheduled" in login(client, kenya).get(
        "/notifications"
    ).get_data(as_text=True)
    assert _actions() == ["proposal.create", "proposal.accept", "discussion.create"]


def test_only_an_accepted_proposal_becomes_a_discussion(clock_, moderator, delegate):
    proposal = _propose(delegate)
    with pytest.raises(Invalid, match="accepted proposal"):
        proposals.schedule_proposal(
            proposal,
            by=moderator,
            category_id=_category().id,
            texts=_texts("en", "fr", "es"),
            opens_at=MONDAY_NEXT,
            closes_at=MONDAY_NEXT + timedelta(days=7),
        )
    db.session.rollback()
    assert _count(Discussion) == 0


def test_decided_proposals_cannot_be_decided_again(clock_, moderator, delegate):
    proposal = _propose(delegate)
    proposals.decline_proposal(proposal, by=moderator, reason="No.")
    for decide in (proposals.accept_proposal, proposals.consider_proposal):
        with pytest.raises(Invalid, match="no longer"):
            decide(proposal, by=moderator)


def test_coordinator_proposes_and_endorses_on_behalf_of_the_group(clock_, make_user, client, login):
    coordinator = make_user(state="SEN", is_coordinator=True)
    login(client, coordinator)
    page = client.get("/topics/proposals/new").get_data(as_text=True)
    assert "On behalf of my regional group" in page
    client.post(
        "/topics/proposals/new",
        data={
            "title": "Traditional knowledge",
            "description": "Databases?",
            "category": str(_category().id),
            "for_group": "y",
        },
    )
    proposal = db.session.scalar(select(TopicProposal))
    assert proposal.on_behalf_of_group.code == "AFRICAN"
    assert "on behalf of the African Group" in client.get(f"/topics/proposals/{proposal.id}").get_data(as_text=True)
    other = _propose(make_user(state="BRA"))
    client.post(f"/topics/proposals/{other.id}/endorse", data={"endorse": "1", "for_group": "1"})
    endorsement = db.session.scalar(select(Endorsement).where(Endorsement.proposal_id == other.id))
    assert endorsement.on_behalf_of_group
    assert "endorsed for the group" in client.get(f"/topics/proposals/{other.id}").get_data(as_text=True)


def test_a_delegate_who_is_not_coordinator_cannot_act_for_a_group(clock_, delegate, make_user, client, login):
    login(client, delegate)
    assert "On behalf of my regional group" not in client.get("/topics/proposals/new").get_data(as_text=True)
    response = client.post(
        "/topics/proposals/new",
        data={
            "title": "T",
            "description": "D",
            "category": str(_category().id),
            "for_group": "y",
        },
    )
    assert response.status_code == 403
    db.session.rollback()
    assert _count(TopicProposal) == 0
    other = _propose(make_user(state="BRA"))
    assert (
        client.post(f"/topics/proposals/{other.id}/endorse", data={"endorse": "1", "for_group": "1"}).status_code == 403
    )
    with pytest.raises(discussions.NotAllowed):
        proposals.propose_topic(
            by=make_user("staff", is_coordinator=True),
            title="T",
            description="D",
            category_id=_category().id,
            for_group=True,
        )


@pytest.mark.parametrize(
    "change, message",
    [
        ({"title": ""}, "A title is required."),
        ({"description": ""}, "Describe the topic."),
        ({"category": "77"}, "Unknown category."),
        ({"languages": ["xx"]}, "Unknown language: xx."),
        ({"audience": "a" * 301}, "The audience is too long"),
    ],
)
def test_bad_proposals_are_refused_and_nothing_is_written(clock_, delegate, client, login, change, message):
    login(client, delegate)
    data = {"title": "T", "description": "D", "category": str(_category().id)}
    data.update(change)
    response = client.post("/topics/proposals/new", data=data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    db.session.rollback()
    assert _count(TopicProposal) == _count(AuditEvent) == 0


def test_proposals_list_filters_by_status_and_paginates(clock_, delegate, moderator, client, login, app):
    items = [_propose(delegate, title=f"Proposal number {i}") for i in range(3)]
    proposals.decline_proposal(items[0], by=moderator, reason="No")
    db.session.commit()
    login(client, delegate)
    page = client.get("/topics/proposals?status=declined").get_data(as_text=True)
    assert "Proposal number 0" in page and "Proposal number 1" not in page
    assert client.get("/topics/proposals?status=bogus").status_code == 200
    assert client.get("/topics/proposals?page=99").status_code == 200


# Permissions for every action across roles ----------------------------------------------------


ROLES = ["delegate", "staff", "language_moderator_own", "language_moderator_other", "moderator", "admin", "guest"]
MANAGERS = {"language_moderator_own", "moderator", "admin"}


@pytest.fixture
def person(make_user):
    def make(role):
        if role == "language_moderator_own":
            return make_user("language_moderator", languages=("fr",))
        if role == "language_moderator_other":
            return make_user("language_moderator", languages=("es",))
        if role == "guest":
            return make_user("guest", organisation="University")
        return make_user(role)

    return make


@pytest.mark.parametrize("role", ROLES)
def test_who_may_schedule_a_french_discussion(clock_, person, client, login, role):
    user = person(role)
    login(client, user)
    response = client.get("/topics/discussions/new")
    expected = 404 if role == "guest" else (200 if role in MANAGERS | {"language_moderator_other"} else 403)
    assert response.status_code == expected
    response = client.post(
        "/topics/discussions/new",
        data={
            "category": str(_category().id),
            "opens_at": "2026-11-30T09:00",
            "closes_at": "2026-12-07T09:00",
            "title_fr": "Titre",
            "body_fr": "Message",
        },
    )
    if role in MANAGERS:
        assert response.status_code == 302
        assert _actions() == ["discussion.create"]
    else:
        # A language moderator of another language has no French fields: the French text is not even read.
        assert response.status_code == (400 if role == "language_moderator_other" else 403 if role != "guest" else 404)
        db.session.rollback()
        assert _count(Discussion) == 0


@pytest.mark.parametrize("role", ROLES)
def test_who_may_run_a_french_discussion(clock_, moderator, person, client, login, role):
    discussion = _schedule(moderator, codes=("fr",))
    expert = person("staff")
    user = person(role)
    login(client, user)
    allowed = role in MANAGERS
    forbidden = 404 if role == "guest" else 403
    base = f"/topics/discussions/{discussion.id}"
    assert client.get(base).status_code == (404 if role == "guest" else 200)
    attempts = [
        ("get", f"{base}/edit", None),
        ("post", f"{base}/edit", {"category": str(_category().id), "title_fr": "Nouveau titre", "body_fr": "Message"}),
        ("get", f"{base}/schedule", None),
        ("post", f"{base}/schedule", {"opens_at": "2026-11-30T10:00", "closes_at": "2026-12-08T09:00"}),
        ("post", f"{base}/summary/fr", {"summary": "Résumé"}),
        ("post", f"{base}/experts", {"expert": str(expert.id)}),
    ]
    for method, url, data in attempts:
        response = getattr(client, method)(url, data=data)
        if allowed:
            assert response.status_code in (200, 302), (url, response.status_code)
        else:
            assert response.status_code == forbidden, (url, response.status_code)
    clock_.set(MONDAY_NEXT + timedelta(days=1))
    assert client.post(f"{base}/close").status_code == (302 if allowed else forbidden)
    expected = (
        [
            "discussion.create",
            "discussion.edit",
            "discussion.reschedule",
            "discussion.summary",
            "discussion.invite_expert",
            "discussion.close",
        ]
        if allowed
        else ["discussion.create"]
    )
    db.session.rollback()
    assert _actions() == expected


def test_language_moderator_may_not_run_a_discussion_in_a_language_not_theirs(clock_, moderator, make_user):
    discussion = _schedule(moderator, codes=("en", "fr"))
    french = make_user("language_moderator", languages=("fr",))
    both = make_user("language_moderator", languages=("fr", "en"))
    for action in (
        lambda by: discussions.close_discussion(discussion, by=by),
        lambda by: discussions.set_summary(discussion, "fr", "Résumé", by=by),
        lambda by: discussions.reschedule_discussion(discussion, by=by, opens_at=discussion.opens_at, closes_at=None),
    ):
        with pytest.raises(discussions.NotAllowed):
            action(french)
    discussions.set_summary(discussion, "fr", "Résumé", by=both)
    # Nor add another language to their own discussion.
    own = _schedule(french, codes=("fr",))
    with pytest.raises(discussions.NotAllowed):
        discussions.edit_discussion(own, by=french, category_id=_category().id, texts=_texts("fr", "es"))
    with pytest.raises(discussions.NotAllowed):
        _schedule(french, codes=("fr", "en"))


@pytest.mark.parametrize("role", ROLES)
def test_who_may_propose_and_endorse(clock_, person, make_user, client, login, role):
    user = person(role)
    other = _propose(make_user(state="BRA"))
    login(client, user)
    member = role != "guest"
    assert client.get("/topics").status_code == (200 if member else 404)
    assert client.get("/topics/proposals").status_code == (200 if member else 404)
    response = client.post(
        "/topics/proposals/new", data={"title": "T", "description": "D", "category": str(_category().id)}
    )
    assert response.status_code == (302 if member else 404)
    response = client.post(f"/topics/proposals/{other.id}/endorse", data={"endorse": "1"})
    assert response.status_code == (302 if member else 404)
    assert _count(Endorsement) == (1 if member else 0)


@pytest.mark.parametrize("role", ROLES)
def test_who_may_handle_a_french_proposal(clock_, person, make_user, client, login, role):
    proposals = [_propose(make_user(state="BRA"), languages=["fr"]) for _ in range(3)]
    login(client, person(role))
    allowed = role in MANAGERS
    forbidden = 404 if role == "guest" else 403
    responses = [
        client.post(f"/topics/proposals/{proposals[0].id}/consider", data={}),
        client.post(f"/topics/proposals/{proposals[1].id}/accept", data={}),
        client.post(f"/topics/proposals/{proposals[2].id}/decline", data={"reason": "Because."}),
    ]
    for response in responses:
        assert response.status_code == (302 if allowed else forbidden)
    statuses = [p.status for p in proposals]
    if allowed:
        assert statuses == [ProposalStatus.under_consideration, ProposalStatus.accepted, ProposalStatus.declined]
    else:
        assert statuses == [ProposalStatus.submitted] * 3


def test_a_proposal_naming_no_language_is_the_chief_moderators(clock_, make_user, moderator):
    proposal = _propose(make_user(state="BRA"), languages=[])
    french = make_user("language_moderator", languages=("fr",))
    with pytest.raises(discussions.NotAllowed):
        proposals.accept_proposal(proposal, by=french)
    proposals.accept_proposal(proposal, by=moderator)


def test_suspended_moderator_does_nothing(clock_, make_user):
    suspended = make_user("moderator", suspended_until=datetime(2027, 1, 1, tzinfo=UTC))
    with pytest.raises(discussions.NotAllowed):
        _schedule(suspended)
    with pytest.raises(discussions.NotAllowed):
        _propose(suspended)


# The topics page --------------------------------------------------------------------------------


def test_topics_page_shows_calendar_current_planned_held_and_proposals(clock_, moderator, delegate, client, login):
    held = _schedule(moderator, codes=("en", "fr"), opens_at=MONDAY_NEXT, closes_at=MONDAY_NEXT + timedelta(days=7))
    current = _schedule(moderator, codes=("en",), opens_at=MONDAY_NEXT + timedelta(days=7), closes_at=None)
    planned = _schedule(
        moderator, codes=("fr",), opens_at=MONDAY_NEXT + timedelta(days=21), closes_at=MONDAY_NEXT + timedelta(days=28)
    )
    for discussion, title in ((held, "Held topic"), (current, "Current topic"), (planned, "Planned topic")):
        for text in discussion.texts:
            text.title = f"{title} {text.language_code}"
    discussions.set_summary(held, "en", "What we **learned**.", by=moderator)
    _propose(delegate)
    db.session.commit()
    clock_.set(MONDAY_NEXT + timedelta(days=8))
    page = login(client, delegate).get("/topics").get_data(as_text=True)
    assert page.index("Open now") < page.index("Current topic en") < page.index("Calendar")
    assert page.index("Calendar") < page.index("Held topic en") < page.index("Planned topic fr")
    planned_section = page.split('id="planned-heading"')[1].split('id="held-heading"')[0]
    assert "Planned topic fr" in planned_section and "Held topic" not in planned_section
    held_section = page.split('id="held-heading"')[1].split('id="proposals-heading"')[0]
    assert "Held topic en" in held_section and "What we <strong>learned</strong>." in held_section
    assert "Technology transfer offices" in page.split('id="proposals-heading"')[1]
    # Titles in the reader's language where the discussion has one.
    delegate.locale = "fr"
    db.session.commit()
    assert "Held topic fr" in client.get("/topics").get_data(as_text=True)


def test_topics_page_calendar_pages_through_weeks(clock_, moderator, delegate, client, login):
    _schedule(moderator, opens_at=MONDAY_NEXT + timedelta(days=70), closes_at=None)
    login(client, delegate)
    assert (
        "Sharing evaluation methods (en)"
        not in client.get("/topics").get_data(as_text=True).split("Calendar")[1].split("Planned")[0]
    )
    later = client.get("/topics?weeks=8").get_data(as_text=True)
    assert "Sharing evaluation methods (en)" in later.split("Calendar")[1].split("Planned")[0]
    assert client.get("/topics?weeks=999999").status_code == 200
    assert client.get("/topics?weeks=abc&held=-3").status_code == 200


def test_topics_page_queries_do_not_grow_with_discussions(clock_, moderator, make_user, client, login, count_queries):
    reader = make_user()
    login(client, reader)

    def populate(count):
        for index in range(count):
            # Some held, some current, some planned, in the calendar window.
            offset = timedelta(days=7 * (index % 3))
            discussion = _schedule(
                moderator, opens_at=MONDAY_NEXT + offset, closes_at=MONDAY_NEXT + offset + timedelta(days=7)
            )
            discussions.set_summary(discussion, "en", f"Summary {index}", by=moderator)
            proposal = _propose(make_user(state=("KEN", "BRA", "JPN")[index % 3]), title=f"Proposal {index}")
            for state in ("SEN", "CHN", "POL"):
                proposals.endorse(proposal, by=make_user(state=state))
        db.session.commit()

    def measure():
        client.get("/topics")
        db.session.expire_all()
        with count_queries() as counter:
            assert client.get("/topics").status_code == 200
        return counter.count

    # One discussion of each kind (held, current, planned) against twenty.
    populate(3)
    clock_.set(MONDAY_NEXT + timedelta(days=8))
    small = measure()
    clock_.set(datetime(2026, 11, 23, 10, 0, tzinfo=UTC))
    populate(18)
    clock_.set(MONDAY_NEXT + timedelta(days=8))
    large = measure()
    assert small == large
    assert large <= 14


def test_proposals_list_queries_do_not_grow(clock_, make_user, client, login, count_queries):
    reader = make_user()
    login(client, reader)

    def measure():
        client.get("/topics/proposals")
        db.session.expire_all()
        with count_queries() as counter:
            assert client.get("/topics/proposals").status_code == 200
        counter_statements.append(counter.statements)
        return counter.count

    counter_statements = []

    _propose(make_user(state="KEN"))
    small = measure()
    for index in range(15):
        proposal = _propose(
            make_user(state=("KEN", "BRA", "JPN")[index % 3]),
            title=f"P{index}",
            category_id=_category(("capacity", "legislative", "strategies")[index % 3]).id,
        )
        proposals.endorse(proposal, by=make_user(state="CHN"))
    db.session.commit()
    large = measure()
    assert large == small, counter_statements


def test_nav_links_to_topics_for_members_only(client, login, delegate, make_user):
    assert 'href="/topics"' in login(client, delegate).get("/").get_data(as_text=True)
    guest_client = client.application.test_client()
    assert 'href="/topics"' not in login(guest_client, make_user("guest", organisation="X")).get("/").get_data(
        as_text=True
    )


def test_unknown_ids_are_404(client, login, delegate, moderator):
    login(client, moderator)
    for url in [
        "/topics/discussions/999",
        "/topics/proposals/999",
        "/topics/discussions/999/edit",
        "/topics/discussions/new?proposal=999",
    ]:
        assert client.get(url).status_code == 404, url


# Demo data ---------------------------------------------------------------------------------


def test_demo_data_has_this_weeks_discussion_and_an_endorsed_proposal(app, clock_):
    from forum.cli import seed_demo_data

    seed_demo_data()
    db.session.commit()
    discussion = db.session.scalar(select(Discussion))
    assert discussion.status == ThreadStatus.open
    assert discussion.created_by.email == "moderator@forum.test"
    assert discussion.language_codes == {"en", "fr", "es"}
    assert discussion.opens_at == datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
    assert all(t.opens_at == discussion.opens_at for t in _threads(discussion).values())
    proposal = db.session.scalar(select(TopicProposal))
    assert proposal.proposer.email == "delegate.ke@forum.test"
    assert _count(Endorsement) == 2
    assert db.session.scalar(select(func.count(DiscussionText.id))) == 3


def test_done_means_propose_endorse_schedule_hold_and_publish(clock_, moderator, make_user, client, login):
    """The issue's acceptance story, through the web pages."""
    kenya = make_user(state="KEN", name="Wanjiru Kamau")
    login(client, kenya)
    client.post(
        "/topics/proposals/new",
        data={
            "title": "Examiner training",
            "description": "What worked?",
            "category": str(_category().id),
            "languages": ["en", "fr", "es"],
        },
    )
    proposal = db.session.scalar(select(TopicProposal))
    for state in ("BRA", "JPN"):
        login(client, make_user(state=state))
        client.post(f"/topics/proposals/{proposal.id}/endorse", data={"endorse": "1"})

    login(client, moderator)
    response = client.post(f"/topics/proposals/{proposal.id}/accept", data={})
    form_page = client.get(response.location).get_data(as_text=True)
    assert "Topic proposed by Wanjiru Kamau (Kenya)." in form_page
    client.post(
        response.location,
        data={
            "category": str(_category().id),
            "opens_at": "2026-11-30T09:00",
            "closes_at": "2026-12-07T09:00",
            **{f"title_{code}": f"Examiner training {code}" for code in ("en", "fr", "es")},
            **{f"body_{code}": f"What worked? ({code})" for code in ("en", "fr", "es")},
        },
    )
    discussion = db.session.scalar(select(Discussion))
    assert discussion.language_codes == {"en", "fr", "es"} and discussion.proposal_id == proposal.id

    clock_.set(MONDAY_NEXT + timedelta(days=7, hours=1))
    for code in ("en", "fr", "es"):
        client.post(f"/topics/discussions/{discussion.id}/summary/{code}", data={"summary": f"Mentoring won ({code})."})
    page = login(client, kenya).get("/topics").get_data(as_text=True)
    held = page.split('id="held-heading"')[1].split('id="proposals-heading"')[0]
    assert "Examiner training en" in held and "Mentoring won (en)." in held
    assert "Examiner training" not in page.split('id="proposals-heading"')[1]
