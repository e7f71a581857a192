"""Nobody finds what they may not read: unique marker words, one per forbidden case."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from forum import clock
from forum.discussions import service as discussions
from forum.extensions import db
from forum.guests import service as guests
from forum.rooms.models import Language
from forum.rooms.service import get_room
from forum.search import service
from forum.threads import service as threads
from forum.threads.models import Post, PostState, Thread
from tests.helpers import weekly


def _reply(thread, author, body, state=PostState.visible):
    post = threads.reply(thread, author=author, body=body)
    post.state = state
    db.session.commit()
    return post


@pytest.fixture
def other(make_user):
    return make_user(state="KEN")


def test_delegate_never_finds_a_hidden_post_or_another_users_held_post(delegate, other, room, make_thread, found_posts):
    thread = make_thread(room, other)
    _reply(thread, other, "Hiddenmarkerzeta text", PostState.hidden)
    _reply(thread, other, "Heldmarkerzeta text", PostState.held)
    _reply(thread, other, "Removedmarkerzeta text", PostState.removed)
    assert found_posts(delegate, "hiddenmarkerzeta") == set()
    assert found_posts(delegate, "heldmarkerzeta") == set()
    assert found_posts(delegate, "removedmarkerzeta") == set()


def test_an_author_finds_their_own_held_post_as_the_thread_shows_it(delegate, room, make_thread, found_posts):
    thread = make_thread(room, delegate)
    post = _reply(thread, delegate, "Ownheldmarker text", PostState.held)
    assert found_posts(delegate, "ownheldmarker") == {post.id}


def test_moderators_find_hidden_and_held_posts_in_their_languages_marked(
    french_moderator, moderator, other, make_thread, client, login
):
    english, french = get_room("capacity-en"), get_room("capacity-fr")
    in_french = _reply(make_thread(french, other), other, "Modmarkerfr caché", PostState.hidden)
    held_french = _reply(make_thread(french, other), other, "Modmarkerfr retenu", PostState.held)
    in_english = _reply(make_thread(english, other), other, "Modmarkerfr hidden", PostState.hidden)
    found = {hit.post_id for hit in service.search("modmarkerfr", user=french_moderator).hits}
    assert found == {in_french.id, held_french.id}
    everywhere = {hit.post_id for hit in service.search("modmarkerfr", user=moderator).hits}
    assert everywhere == {in_french.id, held_french.id, in_english.id}
    login(client, french_moderator)
    page = client.get("/search?q=modmarkerfr").get_data(as_text=True)
    assert 'class="badge badge-hidden"' in page and 'class="badge badge-held"' in page


def test_a_scheduled_discussions_opening_is_not_found(delegate, moderator, frozen_clock, found_posts):
    weekly.schedule(
        moderator, opens_at=frozen_clock.now + timedelta(days=3), closes_at=frozen_clock.now + timedelta(days=9)
    )
    # weekly.texts: "Opening message in en." / title "Sharing evaluation methods (en)".
    assert service.search("sharing evaluation", user=delegate).total == 0
    assert service.search("sharing evaluation", user=moderator).total == 3


def test_posts_in_a_deactivated_languages_room_are_not_found(delegate, make_user, moderator, make_thread, found_posts):
    from forum.rooms.service import add_language, set_language_active

    portuguese = add_language("pt", by=moderator)
    db.session.commit()
    thread = make_thread(get_room("capacity-pt"), delegate, body="Desativadomarker texto")
    post = db.session.scalar(select(Post).where(Post.thread_id == thread.id))
    assert found_posts(delegate, "desativadomarker") == {post.id}
    set_language_active(db.session.get(Language, "pt") or portuguese, False, by=moderator)
    db.session.commit()
    assert found_posts(delegate, "desativadomarker") == set()
    portuguese_moderator = make_user("language_moderator", languages=("pt",))
    assert found_posts(portuguese_moderator, "desativadomarker") == {post.id}


def test_a_guest_finds_only_their_discussion_and_nothing_after_revocation(
    guest, guest_invitation, delegate, moderator, room, make_thread, found_posts
):
    discussion_threads = db.session.scalars(
        select(Thread).where(Thread.discussion_id == guest_invitation.discussion_id)
    ).all()
    inside = _reply(discussion_threads[0], delegate, "Guestmarkerxi inside")
    make_thread(room, delegate, title="Outside", body="Guestmarkerxi outside")
    weekly.propose(delegate, title="Guestmarkerxi proposal")
    assert found_posts(guest, "guestmarkerxi") == {inside.id}
    assert service.search("guestmarkerxi", user=guest).total == 1
    guests.revoke_invitation(guest_invitation, by=moderator, reason="Ended early")
    db.session.commit()
    db.session.expire_all()
    assert service.search("guestmarkerxi", user=guest).total == 0


def test_members_find_topic_proposals(delegate, other):
    weekly.propose(other, title="Proposalmarkernu offices")
    assert service.search("proposalmarkernu", user=delegate).total == 1


def test_summary_follows_its_threads_visibility(delegate, moderator, frozen_clock):
    discussion = weekly.schedule(moderator, opens_at=frozen_clock.now)
    discussions.close_discussion(discussion, by=moderator)
    discussions.set_summary(discussion, "fr", "Résumé summarymarkerpi", by=moderator)
    db.session.commit()
    assert service.search("summarymarkerpi", user=delegate).total == 1
    db.session.get(Language, "fr").active = False
    db.session.commit()
    assert service.search("summarymarkerpi", user=delegate).total == 0
    assert clock.now() == frozen_clock.now
