"""Per-user notification settings, and the e-mail each notification set to "immediately" sends."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from forum.discussions.service import announce_opened_discussions
from forum.extensions import db
from forum.moderation import service as moderation
from forum.notifications import preferences
from forum.notifications.kinds import Delivery, Group
from forum.notifications.models import Notification, NotificationSetting
from forum.notifications.service import notify
from forum.threads import service as threads
from forum.urls import site_path
from tests.helpers import weekly
from tests.hostile_inputs import SCRIPT_TAGS

ALL_IMMEDIATE = {group.value: "immediately" for group in Group}


def _form(**overrides):
    data = {group.value: group.default.value for group in Group}
    data["follow_on_reply"] = "y"
    data.update(overrides)
    return {name: value for name, value in data.items() if value is not None}


def _immediately(user, *groups):
    preferences.update_settings(user, choices={group.value: "immediately" for group in groups})
    db.session.commit()


# Settings ------------------------------------------------------------------------


def test_defaults_send_openings_mentions_and_decisions_at_once_and_replies_daily(app, delegate):
    deliveries = preferences.deliveries(delegate)
    assert deliveries[Group.discussions] == Delivery.immediately
    assert deliveries[Group.mentions] == Delivery.immediately
    assert deliveries[Group.replies] == Delivery.daily
    assert deliveries[Group.moderation] == Delivery.immediately
    assert deliveries[Group.proposals] == Delivery.immediately
    assert deliveries[Group.guests] == Delivery.immediately
    assert preferences.follows_on_reply(delegate)
    # Defaults are not stored: a later change of default reaches everyone who never chose.
    assert db.session.scalar(select(func.count()).select_from(NotificationSetting)) == 0


@pytest.mark.parametrize("delivery", list(Delivery))
def test_each_setting_decides_whether_a_notification_is_emailed_at_once(app, delegate, outbox, delivery):
    preferences.update_settings(delegate, choices={"moderation": delivery.value})
    notify(delegate, "warning", clause="1.1", reason="Tone")
    db.session.commit()
    assert preferences.delivery_for(delegate, Group.moderation) == delivery
    assert len(outbox(delegate.email)) == (1 if delivery == Delivery.immediately else 0)
    # The in-forum list shows it whatever the e-mail setting.
    assert db.session.scalar(select(func.count()).select_from(Notification)) == 1


def test_a_setting_for_one_group_leaves_the_others(app, delegate, outbox):
    preferences.update_settings(delegate, choices={"moderation": "never"})
    notify(delegate, "warning", clause="1.1", reason="Tone")
    notify(delegate, "proposal_accepted", link="/topics/1", title="Offices")
    db.session.commit()
    assert [message.kind for message in outbox()] == ["proposal_accepted"]


def test_settings_page_shows_the_current_choices(client, login, delegate):
    preferences.update_settings(delegate, choices={"mentions": "weekly"}, follow_on_reply=False)
    db.session.commit()
    login(client, delegate)
    html = client.get("/profile/notifications").get_data(as_text=True)
    assert '<option selected value="weekly">' in html.split('name="mentions"')[1].split("</select>")[0]
    assert '<option selected value="daily">' in html.split('name="replies"')[1].split("</select>")[0]
    assert 'name="follow_on_reply"' in html and "checked" not in html.split('name="follow_on_reply"')[1][:40]
    # Each group lists its kinds, worded by the registry.
    assert "A reply in a thread you follow" in html and "Your proposal is accepted" in html


def test_settings_form_saves_every_group(client, login, delegate):
    login(client, delegate)
    choices = {"replies": "weekly", "mentions": "daily", "discussions": "never", "moderation": "immediately"}
    response = client.post("/profile/notifications", data=_form(follow_on_reply=None, **choices))
    assert response.status_code == 302
    deliveries = preferences.deliveries(delegate)
    assert {group.value: deliveries[group].value for group in Group if group.value in choices} == choices
    assert not preferences.follows_on_reply(delegate)


@pytest.mark.parametrize(("field", "value"), [("replies", "hourly"), ("mentions", ""), ("moderation", "<b>never</b>")])
def test_settings_form_rejects_unknown_values_and_changes_nothing(client, login, delegate, field, value):
    preferences.update_settings(delegate, choices={"discussions": "weekly"})
    db.session.commit()
    login(client, delegate)
    response = client.post("/profile/notifications", data=_form(**{field: value, "discussions": "never"}))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Unknown choice" in html and "<b>never</b>" not in html
    db.session.expire_all()
    assert preferences.delivery_for(delegate, Group.discussions) == Delivery.weekly


def test_service_refuses_an_unknown_group(app, delegate):
    from forum.errors import Invalid

    with pytest.raises(Invalid, match="Unknown kind of notification"):
        preferences.update_settings(delegate, choices={"gossip": "daily"})


@pytest.mark.parametrize("config_overrides", [{"WTF_CSRF_ENABLED": True}])
def test_settings_form_needs_its_csrf_token(client, login, delegate):
    login(client, delegate)
    response = client.post("/profile/notifications", data=_form(replies="never"))
    assert response.status_code == 400
    assert preferences.delivery_for(delegate, Group.replies) == Delivery.daily


def test_profile_links_to_the_settings(client, login, delegate):
    login(client, delegate)
    assert "/profile/notifications" in client.get("/profile").get_data(as_text=True)


def test_settings_need_a_signed_in_user(client):
    response = client.get("/profile/notifications")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_guest_chooses_too(client, login, guest):
    login(client, guest)
    assert client.get("/profile/notifications").status_code == 200


# Following what one writes -------------------------------------------------------------


def test_replying_follows_the_thread_by_default(app, make_user, make_thread, room):
    thread = make_thread(room, make_user())
    replier = make_user()
    threads.reply(thread, author=replier, body="Agreed.")
    assert threads.is_watching(replier, thread)


def test_switched_off_replying_and_starting_do_not_follow(app, make_user, make_thread, room):
    quiet = make_user()
    preferences.update_settings(quiet, choices={}, follow_on_reply=False)
    thread = make_thread(room, make_user())
    threads.reply(thread, author=quiet, body="Agreed.")
    own = threads.start_thread(room, author=quiet, title="Mine", body="Hello")
    assert not threads.is_watching(quiet, thread) and not threads.is_watching(quiet, own)
    # Following by hand still works.
    threads.set_watching(quiet, thread, True)
    assert threads.is_watching(quiet, thread)


# The immediate e-mail ---------------------------------------------------------------


@pytest.fixture
def replied(make_user, make_thread, room, frozen_clock):
    """A French reader in Tokyo and an English one in Geneva follow a thread; someone replies at 10:00 UTC."""
    frozen_clock.set(datetime(2026, 11, 23, 10, 0, tzinfo=UTC))
    tokyo = make_user(locale="fr", timezone="Asia/Tokyo", email="tokyo@example.org")
    geneva = make_user(locale="en", timezone="Europe/Zurich", email="geneva@example.org")
    author = make_user(name="Ana Pereira")
    thread = make_thread(room, author, title="Evaluation methods")
    for reader in (tokyo, geneva):
        _immediately(reader, Group.replies)
        threads.set_watching(reader, thread, True)
    post = threads.reply(thread, author=author, body="We used **surveys**.")
    db.session.commit()
    return tokyo, geneva, post


def test_reply_email_is_in_the_recipients_language_and_time_zone(app, outbox, replied):
    tokyo, geneva, post = replied
    (french,) = outbox("tokyo@example.org")
    (english,) = outbox("geneva@example.org")
    assert "Ana Pereira a répondu dans « Evaluation methods »" in french.subject
    assert "Ana Pereira replied in “Evaluation methods”" in english.subject
    # 10:00 UTC is 19:00 in Tokyo and 11:00 in Geneva (winter time).
    assert "19:00" in french.body and "19:00" in french.html_body and "11:00" not in french.body
    assert "11:00" in english.body and "11:00" in english.html_body and "19:00" not in english.body
    assert 'lang="fr"' in french.html_body
    assert french.kind == "reply" and french.user_id == tokyo.id


def test_reply_email_links_absolutely_and_carries_one_click_unsubscribe(app, outbox, replied):
    _, geneva, post = replied
    (message,) = outbox("geneva@example.org")
    base = app.config["FORUM_BASE_URL"].rstrip("/")
    link = base + site_path("threads.goto_post", post_id=post.id)
    assert link in message.body and f'href="{link}"' in message.html_body
    assert message.headers["List-Unsubscribe"].startswith(f"<{base}/unsubscribe/")
    assert message.headers["List-Unsubscribe"].endswith(">")
    assert message.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = message.headers["List-Unsubscribe"][1:-1]
    assert unsubscribe in message.body and unsubscribe in message.html_body
    assert f"{base}/profile/notifications" in message.body
    # The post itself, as the page shows it.
    assert post.html in message.html_body and "surveys" in message.body


def test_email_html_escapes_hostile_text(app, make_user, make_thread, room, outbox):
    reader = make_user()
    _immediately(reader, Group.replies)
    author = make_user(name='<img src=x onerror="alert(1)">')
    thread = make_thread(room, make_user(), title="<script>alert('title')</script>")
    threads.set_watching(reader, thread, True)
    post = threads.reply(thread, author=author, body=f"{SCRIPT_TAGS[0]} [x](javascript:alert(1)) **ok**")
    db.session.commit()
    (message,) = outbox(reader.email)
    assert "<script" not in message.html_body and "<img" not in message.html_body
    assert 'href="javascript' not in message.html_body
    assert "&lt;script&gt;alert(&#39;title&#39;)&lt;/script&gt;" in message.html_body
    assert post.html in message.html_body and "<strong>ok</strong>" in message.html_body
    assert "\n" not in message.subject


def test_a_reason_with_line_breaks_gives_a_one_line_subject(app, delegate, outbox):
    notify(delegate, "warning", clause="1.1", reason="Line one\r\nBcc: victim@example.org")
    db.session.commit()
    (message,) = outbox()
    assert "\n" not in message.subject and "\r" not in message.subject


@pytest.mark.parametrize("fields", [{"active": False}, {"password": None}], ids=["deactivated", "never activated"])
def test_no_email_to_accounts_that_cannot_sign_in(app, make_user, outbox, fields):
    user = make_user(**fields)
    notify(user, "warning", clause="1.1", reason="Tone")
    db.session.commit()
    assert outbox() == []


def test_hidden_post_is_not_quoted_in_a_later_email(app, make_user, make_thread, room, outbox, moderator):
    reader = make_user()
    _immediately(reader, Group.replies)
    thread = make_thread(room, make_user())
    threads.set_watching(reader, thread, True)
    post = threads.reply(thread, author=make_user(), body="Secret detail")
    moderation.hide_post(post, by=moderator, clause="1.2", reason="Off topic")
    db.session.commit()
    from forum.notifications.emails import send_notification_email

    notification = db.session.scalars(select(Notification).where(Notification.user_id == reader.id)).one()
    later = send_notification_email(reader, notification)
    assert "Secret detail" not in later.body and "Secret detail" not in later.html_body


# Events that e-mail through the registry ---------------------------------------------------------------


def test_discussion_opening_is_emailed_to_each_member_in_their_language(app, make_user, outbox, frozen_clock):
    moderator = make_user("moderator", locale="en")
    french = make_user(locale="fr", email="fr@example.org")
    spanish = make_user(locale="es", email="es@example.org")
    quiet = make_user(locale="en", email="quiet@example.org")
    preferences.update_settings(quiet, choices={"discussions": "never"})
    discussion = weekly.schedule(moderator)
    frozen_clock.set(weekly.MONDAY_NEXT)
    announce_opened_discussions(weekly.MONDAY_NEXT)
    db.session.commit()
    threads_by_language = weekly.threads(discussion)
    (fr_message,) = outbox("fr@example.org")
    (es_message,) = outbox("es@example.org")
    assert "La discussion hebdomadaire « Sharing evaluation methods (fr) » est ouverte" in fr_message.subject
    assert "El debate semanal «Sharing evaluation methods (es)» está abierto" in es_message.subject
    assert (fr_message.user_id, es_message.user_id) == (french.id, spanish.id)
    assert site_path("threads.thread", thread_id=threads_by_language["fr"].id) in fr_message.body
    assert site_path("threads.thread", thread_id=threads_by_language["es"].id) in es_message.body
    assert outbox("quiet@example.org") == []
    # Claimed once per discussion: a second run sends nothing more.
    count = len(outbox())
    announce_opened_discussions(weekly.MONDAY_NEXT)
    db.session.commit()
    assert len(outbox()) == count


def test_a_decision_on_ones_proposal_is_emailed(app, make_user, outbox):
    from forum.proposals import service as proposals

    proposer = make_user(email="proposer@example.org")
    proposal = weekly.propose(proposer)
    proposals.accept_proposal(proposal, by=make_user("moderator"), note="Good idea")
    db.session.commit()
    assert [message.kind for message in outbox("proposer@example.org")] == ["proposal_accepted"]


def test_moderation_of_ones_post_is_emailed(app, make_user, make_thread, room, outbox, moderator):
    author = make_user(email="author@example.org", locale="fr")
    thread = make_thread(room, author)
    moderation.hide_post(thread_first_post(thread), by=moderator, clause="1.2", reason="Hors sujet")
    db.session.commit()
    (message,) = outbox("author@example.org")
    assert message.kind == "post_hidden" and "Hors sujet" in message.body
    assert "Un modérateur" in message.subject or "modérat" in message.subject


def test_a_decision_on_ones_guest_request_is_emailed(app, guest_invitation, outbox):
    requester = guest_invitation.requested_by
    kinds = [message.kind for message in outbox(requester.email)]
    assert kinds[:2] == ["guest_recommended", "guest_approved"] and "guest_accepted" in kinds


def thread_first_post(thread):
    from forum.threads.models import Post

    return db.session.scalar(select(Post).where(Post.thread_id == thread.id, Post.number == 1))


def test_reply_email_arrives_over_smtp(app, smtp_server, replied):
    from forum.notifications.service import deliver_pending

    deliver_pending()
    (received,) = smtp_server.to("tokyo@example.org")
    assert "a répondu dans" in received.subject and "19:00" in received.text
