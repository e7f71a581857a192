"""Weekly discussions and Secretariat experts (forum.discussions, issue 4)."""

import re
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
from forum.proposals.models import Endorsement, TopicProposal
from forum.threads import service as threads_service
from forum.threads.models import (
    Post,
    PostRevision,
    Thread,
    ThreadKind,
    ThreadStatus,
)
from tests.helpers import weekly
from tests.helpers.weekly import MANAGERS, ROLES


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
    discussion = weekly.schedule(moderator)
    threads = weekly.threads(discussion)
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
    discussion = weekly.schedule(moderator, codes=("en", "es"))
    assert set(weekly.threads(discussion)) == {"en", "es"}
    assert discussion.language_codes == {"en", "es"}


def test_discussion_is_scheduled_then_opens_then_closes_at_its_times(clock_, moderator, delegate, client, login):
    discussion = weekly.schedule(moderator)
    thread = weekly.threads(discussion)["en"]
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

    clock_.set(weekly.MONDAY_NEXT)
    assert discussion.status == ThreadStatus.open == thread.status
    assert client.get(f"/t/{thread.id}").status_code == 200
    response = client.post(f"/t/{thread.id}/reply", data={"body": "We use surveys."})
    assert response.status_code == 302
    assert db.session.scalar(select(func.count(Post.id)).where(Post.thread_id == thread.id)) == 2

    clock_.set(weekly.MONDAY_NEXT + timedelta(days=7))
    assert discussion.status == ThreadStatus.closed == thread.status
    assert client.post(f"/t/{thread.id}/reply", data={"body": "Too late"}).status_code == 403
    with pytest.raises(threads_service.NotAllowed):
        threads_service.reply(thread, author=delegate, body="Too late")
    db.session.rollback()
    assert db.session.scalar(select(func.count(Post.id)).where(Post.thread_id == thread.id)) == 2


def test_open_ended_discussion_never_closes_by_itself(clock_, moderator):
    discussion = weekly.schedule(moderator, closes_at=None)
    clock_.set(weekly.MONDAY_NEXT + timedelta(days=400))
    assert discussion.status == ThreadStatus.open
    assert all(thread.status == ThreadStatus.open for thread in weekly.threads(discussion).values())


def test_schedule_through_the_form_with_defaults(clock_, moderator, client, login):
    login(client, moderator)
    page = client.get("/topics/discussions/new").get_data(as_text=True)
    # Defaults shown in the reader's zone (Europe/Zurich): next Monday 09:00, a week long.
    assert 'value="2026-11-30T09:00"' in page and 'value="2026-12-07T09:00"' in page
    response = client.post(
        "/topics/discussions/new",
        data={
            "category": str(weekly.category().id),
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
    assert discussion.opens_at == weekly.MONDAY_NEXT
    assert discussion.closes_at == weekly.MONDAY_NEXT + timedelta(days=7)
    assert set(weekly.threads(discussion)) == {"en", "fr"}
    assert weekly.actions() == ["discussion.create"]


def test_open_ended_through_the_form(clock_, moderator, client, login):
    login(client, moderator)
    response = client.post(
        "/topics/discussions/new",
        data={
            "category": str(weekly.category().id),
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
        "category": str(weekly.category().id),
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
    assert weekly.count(Discussion) == weekly.count(Thread) == weekly.count(Post) == weekly.count(AuditEvent) == 0


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"category_id": 12345}, "Unknown category."),
        ({"category_id": None}, "Unknown category."),
        ({"texts": {}}, "at least one language"),
        ({"texts": {"en": discussions.TextInput("  ", "  ")}}, "at least one language"),
        ({"texts": {"xx": discussions.TextInput("Title", "Body")}}, "Unknown language"),
        ({"closes_at": weekly.MONDAY_NEXT - timedelta(hours=1)}, "closing time must be after"),
        ({"opens_at": datetime(2026, 11, 23, 9, 0, tzinfo=UTC)}, "opening time is in the past"),
        ({"texts": {"en": discussions.TextInput("x" * 201, "Body")}}, "title is too long"),
    ],
)
def test_bad_input_to_the_service_raises_before_writing(clock_, moderator, kwargs, message):
    arguments = {
        "by": moderator,
        "category_id": weekly.category().id,
        "texts": weekly.texts("en"),
        "opens_at": weekly.MONDAY_NEXT,
        "closes_at": weekly.MONDAY_NEXT + timedelta(days=7),
    }
    arguments.update(kwargs)
    with pytest.raises(Invalid, match=message):
        discussions.schedule_discussion(**arguments)
    db.session.rollback()
    assert weekly.count(Discussion) == weekly.count(Thread) == weekly.count(AuditEvent) == 0


# Editing, rescheduling, extending, closing early, summaries --------------------------------


def test_edit_changes_titles_and_opening_posts_keeping_a_revision_and_may_add_a_language(clock_, moderator, make_user):
    discussion = weekly.schedule(moderator, codes=("en", "fr"))
    other = make_user("moderator")
    texts = weekly.texts("en", "fr")
    texts["en"] = discussions.TextInput("A better title", "A better opening.")
    texts["es"] = discussions.TextInput("Título", "Mensaje inicial.")
    discussions.edit_discussion(discussion, by=other, category_id=weekly.category().id, texts=texts)
    db.session.commit()
    threads = weekly.threads(discussion)
    assert set(threads) == {"en", "fr", "es"}
    assert threads["en"].title == "A better title"
    first = db.session.scalar(select(Post).where(Post.thread_id == threads["en"].id, Post.number == 1))
    assert first.source == "A better opening." and first.edited_at is not None
    revision = db.session.scalar(select(PostRevision).where(PostRevision.post_id == first.id))
    assert revision.source == "Opening message in en." and revision.editor_id == other.id
    assert threads["es"].opens_at == discussion.opens_at and threads["es"].kind == ThreadKind.weekly
    assert weekly.actions() == ["discussion.create", "discussion.edit"]


def test_edit_can_move_the_discussion_to_another_category(clock_, moderator):
    discussion = weekly.schedule(moderator, codes=("en", "fr"))
    discussions.edit_discussion(
        discussion, by=moderator, category_id=weekly.category("legislative").id, texts=weekly.texts("en", "fr")
    )
    db.session.commit()
    assert {thread.room.slug for thread in weekly.threads(discussion).values()} == {"legislative-en", "legislative-fr"}


def test_edit_refuses_to_empty_a_language_the_discussion_runs_in(clock_, moderator):
    discussion = weekly.schedule(moderator, codes=("en", "fr"))
    with pytest.raises(Invalid, match="already runs in"):
        discussions.edit_discussion(
            discussion, by=moderator, category_id=weekly.category().id, texts=weekly.texts("en")
        )
    db.session.rollback()
    assert weekly.actions() == ["discussion.create"]


def test_edit_without_changes_records_nothing(clock_, moderator):
    discussion = weekly.schedule(moderator, codes=("en",))
    discussions.edit_discussion(discussion, by=moderator, category_id=weekly.category().id, texts=weekly.texts("en"))
    assert weekly.actions() == ["discussion.create"]


def test_edit_form_prefills_and_saves(clock_, moderator, client, login):
    discussion = weekly.schedule(moderator, codes=("en",))
    login(client, moderator)
    page = client.get(f"/topics/discussions/{discussion.id}/edit").get_data(as_text=True)
    assert "Sharing evaluation methods (en)" in page
    response = client.post(
        f"/topics/discussions/{discussion.id}/edit",
        data={
            "category": str(weekly.category().id),
            "title_en": "Renamed",
            "body_en": "Opening message in en.",
        },
    )
    assert response.status_code == 302
    assert weekly.threads(discussion)["en"].title == "Renamed"


def test_reschedule_before_opening_moves_every_thread(clock_, moderator):
    discussion = weekly.schedule(moderator)
    later = weekly.MONDAY_NEXT + timedelta(days=7)
    discussions.reschedule_discussion(discussion, by=moderator, opens_at=later, closes_at=later + timedelta(days=3))
    db.session.commit()
    assert all(
        (t.opens_at, t.closes_at) == (later, later + timedelta(days=3)) for t in weekly.threads(discussion).values()
    )
    assert weekly.actions()[-1] == "discussion.reschedule"


def test_opening_time_is_fixed_once_open_but_the_closing_can_be_extended(clock_, moderator):
    discussion = weekly.schedule(moderator)
    clock_.set(weekly.MONDAY_NEXT + timedelta(days=2))
    with pytest.raises(Invalid, match="already opened"):
        discussions.reschedule_discussion(
            discussion, by=moderator, opens_at=weekly.MONDAY_NEXT + timedelta(days=3), closes_at=discussion.closes_at
        )
    db.session.rollback()
    # The form sends times to the minute: an unchanged opening is not a change.
    discussions.reschedule_discussion(
        discussion,
        by=moderator,
        opens_at=weekly.MONDAY_NEXT + timedelta(seconds=30),
        closes_at=weekly.MONDAY_NEXT + timedelta(days=14),
    )
    db.session.commit()
    assert discussion.opens_at == weekly.MONDAY_NEXT
    assert all(t.closes_at == weekly.MONDAY_NEXT + timedelta(days=14) for t in weekly.threads(discussion).values())
    assert weekly.actions()[-1] == "discussion.extend"
    clock_.set(weekly.MONDAY_NEXT + timedelta(days=10))
    assert discussion.status == ThreadStatus.open


def test_a_closed_discussion_can_be_extended_and_reopens(clock_, moderator):
    discussion = weekly.schedule(moderator)
    clock_.set(weekly.MONDAY_NEXT + timedelta(days=8))
    assert discussion.status == ThreadStatus.closed
    discussions.reschedule_discussion(discussion, by=moderator, opens_at=discussion.opens_at, closes_at=None)
    db.session.commit()
    assert discussion.status == ThreadStatus.open
    assert weekly.threads(discussion)["fr"].status == ThreadStatus.open


def test_a_closing_time_in_the_past_is_refused(clock_, moderator):
    discussion = weekly.schedule(moderator)
    clock_.set(weekly.MONDAY_NEXT + timedelta(days=2))
    with pytest.raises(Invalid, match="Close now"):
        discussions.reschedule_discussion(
            discussion, by=moderator, opens_at=discussion.opens_at, closes_at=weekly.MONDAY_NEXT + timedelta(days=1)
        )


def test_reschedule_form(clock_, moderator, client, login):
    discussion = weekly.schedule(moderator)
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
    discussion = weekly.schedule(moderator)
    clock_.set(weekly.MONDAY_NEXT + timedelta(days=1))
    login(client, moderator)
    assert client.post(f"/topics/discussions/{discussion.id}/close").status_code == 302
    assert discussion.status == ThreadStatus.closed
    thread = weekly.threads(discussion)["en"]
    assert thread.status == ThreadStatus.closed
    with pytest.raises(threads_service.NotAllowed):
        threads_service.reply(thread, author=delegate, body="After closing")
    db.session.rollback()
    assert weekly.actions() == ["discussion.create", "discussion.close"]
    # Closing twice is refused with a message, not a second event.
    client.post(f"/topics/discussions/{discussion.id}/close")
    assert weekly.actions() == ["discussion.create", "discussion.close"]


def test_a_scheduled_discussion_cannot_be_closed_early(clock_, moderator):
    discussion = weekly.schedule(moderator)
    with pytest.raises(Invalid, match="not opened yet"):
        discussions.close_discussion(discussion, by=moderator)


def test_summary_shows_atop_the_closed_thread_in_its_language(clock_, moderator, delegate, client, login):
    discussion = weekly.schedule(moderator)
    login(client, moderator)
    response = client.post(
        f"/topics/discussions/{discussion.id}/summary/fr", data={"summary": "Les **sondages** dominent."}
    )
    assert response.status_code == 302
    threads = weekly.threads(discussion)
    clock_.set(weekly.MONDAY_NEXT + timedelta(days=1))
    login(client, delegate)
    # Not shown while open.
    assert "Les <strong>sondages</strong> dominent." not in client.get(f"/t/{threads['fr'].id}").get_data(as_text=True)
    clock_.set(weekly.MONDAY_NEXT + timedelta(days=7))
    page = client.get(f"/t/{threads['fr'].id}").get_data(as_text=True)
    assert "Les <strong>sondages</strong> dominent." in page
    assert "Les <strong>sondages</strong> dominent." not in client.get(f"/t/{threads['en'].id}").get_data(as_text=True)
    # The topics page shows it among the discussions held.
    assert "Les <strong>sondages</strong> dominent." in client.get("/topics").get_data(as_text=True)
    assert weekly.actions() == ["discussion.create", "discussion.summary"]


def test_summary_is_sanitized(clock_, moderator):
    discussion = weekly.schedule(moderator)
    text = discussions.set_summary(discussion, "en", "<script>alert(1)</script> [x](javascript:alert(1))", by=moderator)
    assert "<script" not in text.summary_html and 'href="javascript' not in text.summary_html


def test_summary_for_a_language_the_discussion_does_not_run_in_is_404(clock_, moderator, client, login):
    discussion = weekly.schedule(moderator, codes=("en",))
    login(client, moderator)
    assert client.get(f"/topics/discussions/{discussion.id}/summary/fr").status_code == 404
    assert client.get(f"/topics/discussions/{discussion.id}/summary/zz").status_code == 404


# "Also in" ------------------------------------------------------------------------------------


def test_each_thread_links_its_siblings_with_their_reply_counts(clock_, moderator, make_user, client, login):
    discussion = weekly.schedule(moderator)
    clock_.set(weekly.MONDAY_NEXT + timedelta(hours=1))
    threads = weekly.threads(discussion)
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
    discussion = weekly.schedule(moderator)
    clock_.set(weekly.MONDAY_NEXT + timedelta(hours=1))
    thread = weekly.threads(discussion)["en"]
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
    discussion = weekly.schedule(moderator)
    runner = app.test_cli_runner()

    result = runner.invoke(args=["forum", "tick"])
    assert result.exit_code == 0, result.output
    assert "discussions announced: 0" in result.output
    assert weekly.count(Notification) == 0

    clock_.set(weekly.MONDAY_NEXT + timedelta(minutes=5))
    for _ in range(2):
        db.session.commit()
        result = runner.invoke(args=["forum", "tick"])
        assert result.exit_code == 0, result.output
    db.session.commit()
    assert "discussions announced: 0" in result.output
    notified = db.session.scalars(select(Notification).where(Notification.kind == "discussion_opened")).all()
    assert sorted(n.user_id for n in notified) == sorted(u.id for u in [*members, french, moderator])
    threads = weekly.threads(discussion)
    by_user = {n.user_id: n for n in notified}
    assert by_user[french.id].params["title"] == "Sharing evaluation methods (fr)"
    assert by_user[french.id].link == f"/t/{threads['fr'].id}"
    assert by_user[members[0].id].link == f"/t/{threads['en'].id}"
    assert db.session.get(Discussion, discussion.id).announced_at == weekly.MONDAY_NEXT + timedelta(minutes=5)


def test_announcement_is_claimed_once_even_if_two_ticks_overlap(clock_, moderator, delegate):
    discussion = weekly.schedule(moderator)
    clock_.set(weekly.MONDAY_NEXT)
    assert [d.id for d in discussions.announce_opened_discussions(clock.now())] == [discussion.id]
    # A second tick running before the first committed finds nothing left to claim.
    assert discussions.announce_opened_discussions(clock.now()) == []
    db.session.commit()
    assert db.session.scalar(select(func.count(Notification.id)).where(Notification.user_id == delegate.id)) == 1


def test_a_discussion_closed_before_any_tick_is_not_announced(clock_, moderator, delegate):
    weekly.schedule(moderator, closes_at=weekly.MONDAY_NEXT + timedelta(hours=1))
    clock_.set(weekly.MONDAY_NEXT + timedelta(hours=2))
    assert discussions.announce_opened_discussions(clock.now()) == []


def test_notifications_page_renders_the_announcement(clock_, moderator, delegate, client, login):
    weekly.schedule(moderator)
    clock_.set(weekly.MONDAY_NEXT)
    discussions.announce_opened_discussions(clock.now())
    db.session.commit()
    page = login(client, delegate).get("/notifications").get_data(as_text=True)
    assert "The weekly discussion “Sharing evaluation methods (en)” is open" in page


# Secretariat experts -----------------------------------------------------------------------


def test_moderator_invites_a_staff_expert_who_is_notified(clock_, moderator, make_user, client, login):
    discussion = weekly.schedule(moderator)
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
    clock_.set(weekly.MONDAY_NEXT)
    thread = weekly.threads(discussion)["en"]
    threads_service.reply(thread, author=expert, body="From the Secretariat")
    db.session.commit()
    assert "Secretariat expert" in client.get(f"/t/{thread.id}").get_data(as_text=True)
    assert weekly.actions() == ["discussion.create", "discussion.invite_expert"]


def test_experts_already_invited_are_not_offered_again(clock_, moderator, make_user, client, login):
    discussion = weekly.schedule(moderator)
    first = make_user("staff", name="Sam Secretariat")
    second = make_user("staff", name="Rita Rapporteur")
    discussions.invite_expert(discussion, first, by=moderator)
    db.session.commit()
    login(client, moderator)
    page = client.get(f"/topics/discussions/{discussion.id}").get_data(as_text=True)
    offered = re.search(r'<select[^>]*name="expert".*?</select>', page, re.S).group(0)
    assert "Rita Rapporteur" in offered and "Sam Secretariat" not in offered
    discussions.invite_expert(discussion, second, by=moderator)
    db.session.commit()
    page = client.get(f"/topics/discussions/{discussion.id}").get_data(as_text=True)
    assert 'name="expert"' not in page and "Every Secretariat expert is already invited." in page


def test_only_staff_can_be_invited_and_only_once(clock_, moderator, delegate, make_user):
    discussion = weekly.schedule(moderator)
    with pytest.raises(Invalid, match="Only Secretariat staff"):
        discussions.invite_expert(discussion, delegate, by=moderator)
    expert = make_user("staff")
    discussions.invite_expert(discussion, expert, by=moderator)
    with pytest.raises(Invalid, match="already invited"):
        discussions.invite_expert(discussion, expert, by=moderator)
    db.session.rollback()


# Permissions for every action across roles ----------------------------------------------------


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
            "category": str(weekly.category().id),
            "opens_at": "2026-11-30T09:00",
            "closes_at": "2026-12-07T09:00",
            "title_fr": "Titre",
            "body_fr": "Message",
        },
    )
    if role in MANAGERS:
        assert response.status_code == 302
        assert weekly.actions() == ["discussion.create"]
    else:
        # A language moderator of another language has no French fields: the French text is not even read.
        assert response.status_code == (400 if role == "language_moderator_other" else 403 if role != "guest" else 404)
        db.session.rollback()
        assert weekly.count(Discussion) == 0


@pytest.mark.parametrize("role", ROLES)
def test_who_may_run_a_french_discussion(clock_, moderator, person, client, login, role):
    discussion = weekly.schedule(moderator, codes=("fr",))
    expert = person("staff")
    user = person(role)
    login(client, user)
    allowed = role in MANAGERS
    forbidden = 404 if role == "guest" else 403
    base = f"/topics/discussions/{discussion.id}"
    assert client.get(base).status_code == (404 if role == "guest" else 200)
    attempts = [
        ("get", f"{base}/edit", None),
        (
            "post",
            f"{base}/edit",
            {"category": str(weekly.category().id), "title_fr": "Nouveau titre", "body_fr": "Message"},
        ),
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
    clock_.set(weekly.MONDAY_NEXT + timedelta(days=1))
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
    assert weekly.actions() == expected


def test_language_moderator_may_not_run_a_discussion_in_a_language_not_theirs(clock_, moderator, make_user):
    discussion = weekly.schedule(moderator, codes=("en", "fr"))
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
    own = weekly.schedule(french, codes=("fr",))
    with pytest.raises(discussions.NotAllowed):
        discussions.edit_discussion(own, by=french, category_id=weekly.category().id, texts=weekly.texts("fr", "es"))
    with pytest.raises(discussions.NotAllowed):
        weekly.schedule(french, codes=("fr", "en"))


def test_suspended_moderator_does_nothing(clock_, make_user):
    suspended = make_user("moderator", suspended_until=datetime(2027, 1, 1, tzinfo=UTC))
    with pytest.raises(discussions.NotAllowed):
        weekly.schedule(suspended)
    with pytest.raises(discussions.NotAllowed):
        weekly.propose(suspended)


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
    assert all(t.opens_at == discussion.opens_at for t in weekly.threads(discussion).values())
    proposal = db.session.scalar(select(TopicProposal))
    assert proposal.proposer.email == "delegate.ke@forum.test"
    assert weekly.count(Endorsement) == 2
    assert db.session.scalar(select(func.count(DiscussionText.id))) == 3
