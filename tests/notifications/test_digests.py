"""Daily and weekly digests: once per period in the reader's own day, grouped, linked, nothing when nothing is new."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from forum.extensions import db
from forum.moderation import service as moderation
from forum.notifications import preferences
from forum.notifications.digests import send_due_digests
from forum.notifications.kinds import Group
from forum.notifications.models import Digest, OutgoingEmail
from forum.notifications.service import notify
from forum.rooms.service import get_room
from forum.threads import service as threads
from forum.urls import site_path
from tests.helpers import weekly

SUNDAY = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)
MONDAY = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # 11:00 in Geneva, 19:00 in Tokyo


def _digests(outbox, user):
    return [message for message in outbox(user.email) if message.kind == "digest"]


def _to(user, messages):
    """The messages for `user` (the other people of the fixture follow threads too)."""
    return [message for message in messages if message.to == user.email]


@pytest.fixture
def world(frozen_clock, make_user, make_thread):
    """On Sunday, a reader follows a thread of their own room and two language threads of a weekly discussion."""
    frozen_clock.set(SUNDAY)
    reader = make_user(locale="en", timezone="Europe/Zurich", email="reader@example.org")
    moderator = make_user("moderator")
    others = [make_user(name="Li Wei"), make_user(name="Ana Pereira")]
    discussion = weekly.schedule(moderator, codes=("en", "fr"), opens_at=SUNDAY, closes_at=SUNDAY + timedelta(days=7))
    by_language = weekly.threads(discussion)
    plain = make_thread(get_room("capacity-en"), others[0], title="Budget lines")
    unfollowed = make_thread(get_room("capacity-en"), others[0], title="Not followed")
    for thread in (plain, by_language["en"], by_language["fr"]):
        threads.set_watching(reader, thread, True)
    db.session.commit()
    frozen_clock.set(MONDAY - timedelta(hours=1))
    return {
        "reader": reader,
        "moderator": moderator,
        "others": others,
        "discussion": discussion,
        "en": by_language["en"],
        "fr": by_language["fr"],
        "plain": plain,
        "unfollowed": unfollowed,
    }


def test_daily_digest_groups_new_posts_by_discussion_and_thread(app, world, outbox):
    li, ana = world["others"]
    reader = world["reader"]
    in_plain = threads.reply(world["plain"], author=li, body="Line **one**")
    in_english = threads.reply(world["en"], author=ana, body="English reply")
    in_french = threads.reply(world["fr"], author=li, body="Réponse en français")
    threads.reply(world["en"], author=reader, body="My own reply")
    hidden = threads.reply(world["en"], author=ana, body="Hidden words")
    moderation.hide_post(hidden, by=world["moderator"], clause="1.2", reason="Off topic")
    threads.reply(world["unfollowed"], author=li, body="Elsewhere")
    db.session.commit()

    (message,) = _to(reader, send_due_digests(MONDAY))
    db.session.commit()
    assert _digests(outbox, reader) == [message]
    body, html = message.body, message.html_body
    base = app.config["FORUM_BASE_URL"].rstrip("/")
    for post in (in_plain, in_english, in_french):
        link = base + site_path("threads.goto_post", post_id=post.id)
        assert link in body and f'href="{link}"' in html
    assert "Line one" in body and "English reply" in body and "Réponse en français" in body
    assert "My own reply" not in body and "Hidden words" not in body and "Elsewhere" not in body
    # One section for the discussion (its title in the reader's language), its threads under it by language.
    assert body.count("Sharing evaluation methods (en)") == 2  # the section, and its English thread
    section = body.index("== Sharing evaluation methods (en) ==")
    assert section < body.index("English reply") and section < body.index("Réponse en français")
    assert "Français" in body and "== Budget lines ==" in body
    assert message.subject == "Your daily digest from the CDIP forum"
    assert message.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message.headers["List-Unsubscribe"].startswith(f"<{base}/unsubscribe/")


def test_nothing_new_sends_nothing_but_the_day_is_done(app, world, outbox):
    assert _to(world["reader"], send_due_digests(MONDAY)) == []
    db.session.commit()
    assert _digests(outbox, world["reader"]) == []
    digest = db.session.scalar(select(Digest).where(Digest.user_id == world["reader"].id))
    assert digest.item_count == 0 and digest.period.is_daily


def test_one_digest_per_day_and_the_next_covers_only_what_came_after(app, world, outbox, frozen_clock):
    li = world["others"][0]
    threads.reply(world["plain"], author=li, body="Before the digest")
    db.session.commit()
    assert len(_to(world["reader"], send_due_digests(MONDAY))) == 1
    db.session.commit()
    threads_after = MONDAY + timedelta(hours=2)
    frozen_clock.set(threads_after)
    threads.reply(world["plain"], author=li, body="After the digest")
    db.session.commit()
    # Later the same day: the day's digest is sent already.
    assert _to(world["reader"], send_due_digests(MONDAY + timedelta(hours=5))) == []
    # The next day, before 07:00 in Geneva: not yet; after it, one more with only the new post.
    assert _to(world["reader"], send_due_digests(datetime(2026, 11, 24, 5, 30, tzinfo=UTC))) == []
    (second,) = _to(world["reader"], send_due_digests(datetime(2026, 11, 24, 6, 30, tzinfo=UTC)))
    db.session.commit()
    assert "After the digest" in second.body and "Before the digest" not in second.body
    assert len(_digests(outbox, world["reader"])) == 2


def test_digest_is_in_the_readers_language_and_time_zone(app, world, outbox, frozen_clock):
    reader = world["reader"]
    reader.locale, reader.timezone = "fr", "Asia/Tokyo"
    preferences.update_settings(reader, choices={"proposals": "daily"})
    db.session.commit()
    frozen_clock.advance(minutes=1)
    threads.reply(world["fr"], author=world["others"][0], body="Réponse")
    notify(reader, "proposal_accepted", link="/topics/1", title="Offices")
    db.session.commit()
    (message,) = _to(reader, send_due_digests(MONDAY))
    # Posted at 09:01 UTC: 18:01 in Tokyo.
    assert "18:01" in message.body and "09:01" not in message.body
    assert "Sharing evaluation methods (fr)" in message.body
    assert "Votre proposition « Offices » a été acceptée" in message.body
    assert 'lang="fr"' in message.html_body


def test_notifications_set_to_a_digest_are_listed_by_group(app, world, outbox, frozen_clock):
    reader = world["reader"]
    preferences.update_settings(reader, choices={"replies": "never", "moderation": "daily", "proposals": "daily"})
    db.session.commit()
    frozen_clock.advance(minutes=1)
    notify(reader, "warning", link="/p/1", clause="1.1", reason="Tone")
    notify(reader, "proposal_accepted", link="/topics/1", title="Offices")
    notify(reader, "discussion_opened", link="/t/1", title="Immediate one")
    threads.reply(world["plain"], author=world["others"][0], body="Not in any digest")
    db.session.commit()
    (message,) = _to(reader, send_due_digests(MONDAY))
    body = message.body
    assert "== Moderation of your messages and account ==" in body and "== Topic proposals ==" in body
    assert body.index("Tone") > body.index("== Moderation") and "Offices" in body
    assert "Immediate one" not in body and "Not in any digest" not in body
    assert app.config["FORUM_BASE_URL"].rstrip("/") + "/topics/1" in body


def test_what_was_emailed_before_a_change_of_setting_is_not_repeated(app, world, outbox, frozen_clock):
    reader = world["reader"]
    notify(reader, "proposal_accepted", link="/topics/1", title="Sent at once")
    db.session.commit()
    frozen_clock.advance(minutes=10)
    preferences.update_settings(reader, choices={"proposals": "daily", "replies": "never"})
    frozen_clock.advance(minutes=1)
    notify(reader, "proposal_declined", link="/topics/2", title="Kept for the digest")
    db.session.commit()
    (message,) = _to(reader, send_due_digests(MONDAY))
    assert "Kept for the digest" in message.body and "Sent at once" not in message.body


def test_weekly_digest_comes_on_monday_morning_in_each_readers_zone(app, frozen_clock, make_user, outbox):
    frozen_clock.set(datetime(2026, 11, 25, 12, 0, tzinfo=UTC))
    tokyo = make_user(timezone="Asia/Tokyo", email="tokyo@example.org")
    geneva = make_user(timezone="Europe/Zurich", email="geneva@example.org")
    for user in (tokyo, geneva):
        preferences.update_settings(user, choices={"replies": "never", "mentions": "weekly"})
    frozen_clock.advance(minutes=1)
    for user in (tokyo, geneva):
        notify(user, "mention", link="/p/1", thread="Evaluation", author="Li Wei", post_id=1)
    db.session.commit()
    # Sunday 21:00 UTC is Monday 06:00 in Tokyo; 22:30 UTC is 07:30 there, still Sunday in Geneva.
    assert send_due_digests(datetime(2026, 11, 29, 21, 0, tzinfo=UTC)) == []
    (first,) = send_due_digests(datetime(2026, 11, 29, 22, 30, tzinfo=UTC))
    assert first.to == "tokyo@example.org" and first.subject == "Your weekly digest from the CDIP forum"
    assert "Li Wei mentioned you in “Evaluation”" in first.body
    (second,) = send_due_digests(datetime(2026, 11, 30, 6, 30, tzinfo=UTC))
    assert second.to == "geneva@example.org"
    # Tuesday: nothing more this week.
    assert send_due_digests(datetime(2026, 12, 1, 9, 0, tzinfo=UTC)) == []


def test_no_digest_for_accounts_that_cannot_sign_in_or_chose_no_digest(app, world, make_user, outbox):
    from forum.threads.models import Watch

    gone = make_user(active=False)
    nothing = make_user()
    preferences.update_settings(nothing, choices={"replies": "never"})
    for user in (gone, nothing):
        db.session.add(Watch(user_id=user.id, thread_id=world["plain"].id))
    threads.reply(world["plain"], author=world["others"][1], body="News")
    db.session.commit()
    sent = {message.to for message in send_due_digests(MONDAY)}
    assert world["reader"].email in sent and gone.email not in sent and nothing.email not in sent


def test_digest_html_escapes_hostile_text(app, world, outbox):
    from tests.hostile_inputs import SCRIPT_TAGS

    hostile = world["others"][1]
    hostile.display_name = '<img src=x onerror="alert(1)">'
    world["plain"].title = "<script>alert('t')</script>"
    threads.reply(world["plain"], author=hostile, body=SCRIPT_TAGS[0] + " text")
    db.session.commit()
    (message,) = _to(world["reader"], send_due_digests(MONDAY))
    assert "<script" not in message.html_body and "<img" not in message.html_body
    assert "&lt;script&gt;alert(&#39;t&#39;)&lt;/script&gt;" in message.html_body


def test_two_runs_at_once_send_one_digest(app, world, outbox):
    """Two `tick`s at the same moment, in two sessions: the unique claim lets exactly one write the digest."""
    from forum.notifications import digests

    threads.reply(world["plain"], author=world["others"][0], body="News")
    db.session.commit()
    postgres = db.engine.dialect.name == "postgresql"
    barrier = threading.Barrier(2)
    original = digests._claim
    waited = threading.local()

    def claim_together(*args):
        # On PostgreSQL both runs have seen no claim when they try their first one (SQLite queues the second
        # run). Only the first: afterwards the second run waits on the unique index for the first to commit.
        if postgres and not getattr(waited, "done", False):
            waited.done = True
            barrier.wait(timeout=30)
        return original(*args)

    digests._claim = claim_together
    errors = []

    def run():
        with app.app_context():
            try:
                send_due_digests(MONDAY)
                db.session.commit()
            except Exception as error:  # noqa: BLE001 (reported below)
                errors.append(error)
                db.session.rollback()
            finally:
                db.session.remove()

    try:
        runs = [threading.Thread(target=run) for _ in range(2)]
        for thread in runs:
            thread.start()
        for thread in runs:
            thread.join(timeout=60)
    finally:
        digests._claim = original
    assert errors == []
    db.session.expire_all()
    sent = db.session.scalars(select(OutgoingEmail).where(OutgoingEmail.kind == "digest")).all()
    assert sorted(message.to for message in sent) == sorted({message.to for message in sent})
    assert world["reader"].email in {message.to for message in sent}
    claims = db.session.execute(select(Digest.user_id, Digest.period, Digest.period_start)).all()
    assert len(claims) == len(set(claims))


def test_replies_in_an_immediate_setting_are_not_repeated_in_a_digest(app, world, outbox):
    reader = world["reader"]
    preferences.update_settings(reader, choices={Group.replies.value: "immediately"})
    db.session.commit()
    threads.reply(world["plain"], author=world["others"][0], body="At once")
    db.session.commit()
    assert [message.kind for message in outbox(reader.email)] == ["reply"]
    assert _to(reader, send_due_digests(MONDAY)) == []
