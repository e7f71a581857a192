"""@[Display Name] mentions: resolved when posted or edited, shown highlighted, notified once to readers only."""

import pytest
from sqlalchemy import select

from forum.discussions.service import discussion_threads
from forum.extensions import db
from forum.forms import MARKDOWN_HELP
from forum.moderation import service as moderation
from forum.notifications import preferences
from forum.notifications.models import Notification
from forum.rooms.service import add_language, get_language, get_room, set_language_active
from forum.threads import service as threads
from forum.urls import site_path


def _notified(user, kind="mention"):
    return db.session.scalars(
        select(Notification).where(Notification.user_id == user.id, Notification.kind == kind)
    ).all()


@pytest.fixture
def ana(make_user):
    return make_user(name="Ana Pereira", email="ana@example.org")


def test_a_mention_notifies_and_emails_the_person_named(app, make_user, make_thread, room, ana, outbox):
    author = make_user(name="Li Wei")
    thread = make_thread(room, author, title="Evaluation")
    post = threads.reply(thread, author=author, body="What do you think, @[Ana Pereira]?")
    db.session.commit()
    (notification,) = _notified(ana)
    assert notification.link == site_path("threads.goto_post", post_id=post.id)
    assert notification.params == {"thread": "Evaluation", "author": "Li Wei", "post_id": post.id}
    (message,) = outbox("ana@example.org")
    assert message.kind == "mention" and "Li Wei mentioned you in “Evaluation”" in message.subject
    assert post.html in message.html_body
    assert '<span class="mention">@Ana Pereira</span>' in post.html


def test_the_first_post_of_a_thread_mentions_too(app, make_user, room, ana):
    threads.start_thread(room, author=make_user(), title="Hello", body="Welcome @[Ana Pereira]")
    assert len(_notified(ana)) == 1


def test_names_compare_without_case_and_extra_spaces(app, make_user, make_thread, room, ana):
    thread = make_thread(room, make_user())
    post = threads.reply(thread, author=make_user(), body="Thanks @[ana   PEREIRA]!")
    assert len(_notified(ana)) == 1
    # Shown as the person's own name.
    assert '<span class="mention">@Ana Pereira</span>' in post.html


def test_an_unknown_name_stays_plain_text(app, make_user, make_thread, room):
    thread = make_thread(room, make_user())
    post = threads.reply(thread, author=make_user(), body="Hello @[Nobody Here] and @[]")
    assert "@[Nobody Here]" in post.html and "mention" not in post.html
    assert db.session.scalars(select(Notification).where(Notification.kind == "mention")).all() == []


def test_two_people_of_one_name_are_not_guessed_between(app, make_user, make_thread, room):
    first, second = make_user(name="Sam Lee"), make_user(name="Sam Lee")
    thread = make_thread(room, make_user())
    post = threads.reply(thread, author=make_user(), body="@[Sam Lee]")
    assert "mention" not in post.html and not _notified(first) and not _notified(second)


def test_a_mention_in_code_or_a_link_is_not_one(app, make_user, make_thread, room, ana):
    thread = make_thread(room, make_user())
    threads.reply(thread, author=make_user(), body="`@[Ana Pereira]` and [@[Ana Pereira]](https://example.org)")
    threads.reply(thread, author=make_user(), body="```\n@[Ana Pereira]\n```")
    assert _notified(ana) == []


def test_the_author_is_never_notified_of_their_own_mention(app, make_thread, room, ana):
    thread = make_thread(room, ana)
    threads.reply(thread, author=ana, body="As I, @[Ana Pereira], said.")
    assert _notified(ana) == []


def test_a_post_notifies_each_person_once_whatever_its_edits(app, make_user, make_thread, room, ana, outbox):
    li = make_user(name="Li Wei", email="li@example.org")
    author = make_user()
    thread = make_thread(room, author)
    post = threads.reply(thread, author=author, body="@[Ana Pereira] @[Ana Pereira] @[ana pereira]")
    threads.edit_post(post, editor=author, body="Hello @[Ana Pereira]!")
    threads.edit_post(post, editor=author, body="Hello all")
    threads.edit_post(post, editor=author, body="Hello @[Ana Pereira] and @[Li Wei]")
    db.session.commit()
    assert len(_notified(ana)) == 1 and len(outbox("ana@example.org")) == 1
    # Only the name the edit added is new.
    assert len(_notified(li)) == 1 and '<span class="mention">@Li Wei</span>' in post.html


def test_a_follower_who_is_mentioned_hears_once_as_a_mention(app, make_user, make_thread, room, ana):
    thread = make_thread(room, make_user())
    threads.set_watching(ana, thread, True)
    threads.reply(thread, author=make_user(), body="@[Ana Pereira], see this")
    threads.reply(thread, author=make_user(), body="Another reply")
    assert len(_notified(ana)) == 1 and len(_notified(ana, "reply")) == 1


def test_a_guest_outside_the_thread_is_not_mentioned(app, make_user, make_thread, room, guest):
    thread = make_thread(room, make_user())
    post = threads.reply(thread, author=make_user(), body=f"Hello @[{guest.display_name}]")
    assert _notified(guest) == [] and "mention" not in post.html


def test_a_guest_inside_the_discussion_is_mentioned(app, make_user, guest, guest_invitation):
    thread = discussion_threads(guest_invitation.discussion)["en"]
    threads.reply(thread, author=make_user(), body=f"Welcome @[{guest.display_name}]")
    assert len(_notified(guest)) == 1


def test_a_reader_who_cannot_see_the_room_is_not_mentioned(app, make_user, admin):
    """A room of an inactive language is read only by its moderators: others named there hear nothing."""
    add_language("pt", by=admin)
    set_language_active(get_language("pt"), False, by=admin)
    portuguese_moderator = make_user("language_moderator", languages=("pt",))
    french_moderator = make_user("language_moderator", languages=("fr",), name="Marie Curie")
    delegate = make_user(name="Dele Gate")
    chief = make_user("moderator", name="Chief Mod")
    room = get_room("capacity-pt")
    thread = threads.start_thread(room, author=portuguese_moderator, title="Interno", body="Notes")
    post = threads.reply(thread, author=portuguese_moderator, body="@[Marie Curie] @[Dele Gate] @[Chief Mod]")
    assert _notified(french_moderator) == [] and _notified(delegate) == []
    assert len(_notified(chief)) == 1
    assert "@[Dele Gate]" in post.html and '<span class="mention">@Chief Mod</span>' in post.html


def test_a_held_post_mentions_when_a_moderator_approves_it(app, make_user, make_thread, room, ana, moderator):
    app.config["BLOCKED_TERMS"] = "forbiddenword"
    thread = make_thread(room, make_user())
    post = threads.reply(thread, author=make_user(), body="forbiddenword @[Ana Pereira]")
    assert post.state.is_held and _notified(ana) == []
    moderation.approve_post(post, by=moderator)
    assert len(_notified(ana)) == 1


@pytest.mark.parametrize(
    "name",
    ["<script>alert(1)</script>", '<img src=x onerror="alert(1)">', "Robert'); DROP TABLE users;--", "**Bold** _x_"],
)
def test_hostile_names_are_shown_as_text(app, make_user, make_thread, room, name):
    person = make_user(name=name)
    thread = make_thread(room, make_user())
    post = threads.reply(thread, author=make_user(), body=f"Hello @[{name}]")
    assert "<script" not in post.html and "<img" not in post.html and 'onerror="' not in post.html
    if "*" not in name:
        # Markdown inside the brackets makes it something else than a plain-text mention.
        assert len(_notified(person)) == 1 and 'class="mention"' in post.html


def test_mentions_need_no_javascript_and_are_documented(client, login, make_user, make_thread, room, ana):
    author = make_user()
    thread = make_thread(room, author)
    login(client, author)
    page = client.get(f"/t/{thread.id}").get_data(as_text=True)
    assert "@[" in str(MARKDOWN_HELP) and "@[Their display name]" in page
    preview = client.post(f"/t/{thread.id}/reply", data={"body": "Hi @[Ana Pereira]", "preview": "1"})
    assert '<span class="mention">@Ana Pereira</span>' in preview.get_data(as_text=True)
    assert _notified(ana) == []
    response = client.post(f"/t/{thread.id}/reply", data={"body": "Hi @[Ana Pereira]", "submission_key": "k1"})
    assert response.status_code == 302 and len(_notified(ana)) == 1


def test_a_mention_set_to_never_is_not_emailed(app, make_user, make_thread, room, ana, outbox):
    preferences.update_settings(ana, choices={"mentions": "never"})
    thread = make_thread(room, make_user())
    threads.reply(thread, author=make_user(), body="@[Ana Pereira]")
    db.session.commit()
    assert len(_notified(ana)) == 1 and outbox("ana@example.org") == []
