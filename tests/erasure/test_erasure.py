"""Deletion requests: asking for one's own content, deciding (chief moderator and admins only), erasing for good."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from forum.accounts.models import AccountToken, User
from forum.audit import AuditEvent
from forum.calendar.models import CalendarFeed
from forum.erasure import service
from forum.erasure.models import DeletionRequest, DeletionScope, DeletionStatus
from forum.errors import Invalid, NotAllowed
from forum.extensions import db
from forum.notifications import preferences
from forum.notifications.digests import send_due_digests
from forum.notifications.kinds import Delivery, Group
from forum.notifications.models import EmailStatus, Mention, Notification, NotificationSetting, OutgoingEmail
from forum.periodic import run_periodic_work
from forum.search import service as search
from forum.search.models import SearchEntry
from forum.threads import service as threads
from forum.threads.models import Post, PostRevision, PostState, Thread, Watch

MARKER = "zanzibarquokka"
TITLE_MARKER = "Plinthwobble"
MONDAY = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def _count(model, *conditions):
    return db.session.scalar(select(func.count()).select_from(model).where(*conditions))


def _found(user, word):
    results = search.search(word, user=user, filters=search.Filters(), page=1)
    return results.hits


@pytest.fixture
def marked(room, delegate, make_user, make_thread):
    """A delegate's reply carrying the marker, edited once (so a revision holds it too), in another's thread."""
    other = make_user(name="Ana Pereira")
    thread = make_thread(room, other, title="Budget lines", body="Opening words")
    post = threads.reply(thread, author=delegate, body=f"My first {MARKER} draft")
    db.session.commit()
    threads.edit_post(post, editor=delegate, body=f"My edited {MARKER} text")
    db.session.commit()
    return post


def _ask(client, login, user, post, reason="Personal data in it"):
    login(client, user)
    return client.post(f"/p/{post.id}/ask-deletion", data={"reason": reason})


# Asking ---------------------------------------------------------------------------


def test_member_asks_for_deletion_of_own_post_from_its_menu(client, login, delegate, marked, outbox):
    login(client, delegate)
    page = client.get(f"/t/{marked.thread_id}").get_data(as_text=True)
    assert f"/p/{marked.id}/ask-deletion" in page
    response = client.post(f"/p/{marked.id}/ask-deletion", data={"reason": "It names a colleague"})
    assert response.status_code == 302
    request = db.session.scalar(select(DeletionRequest))
    assert request.scope == DeletionScope.post and request.post_id == marked.id and request.status.is_pending
    assert request.requester_id == delegate.id and request.recorded_by_id is None
    mine = client.get("/erasure/mine").get_data(as_text=True)
    assert "Waiting for a decision" in mine
    assert _count(Notification, Notification.user_id == delegate.id, Notification.kind == "deletion_requested") == 1
    assert any(message.kind == "deletion_requested" for message in outbox(delegate.email))


def test_no_ask_link_on_other_peoples_posts_and_asking_is_forbidden(client, login, make_user, marked):
    stranger = make_user()
    login(client, stranger)
    page = client.get(f"/t/{marked.thread_id}").get_data(as_text=True)
    assert "ask-deletion" not in page
    assert client.get(f"/p/{marked.id}/ask-deletion").status_code == 403
    assert client.post(f"/p/{marked.id}/ask-deletion", data={"reason": "x"}).status_code == 403
    assert client.post(f"/t/{marked.thread_id}/ask-deletion", data={"reason": "x"}).status_code == 403
    assert client.get("/p/999999/ask-deletion").status_code == 404
    assert _count(DeletionRequest) == 0


def test_empty_reason_is_refused_with_a_translated_message_and_nothing_written(client, login, delegate, marked):
    delegate.locale = "fr"
    db.session.commit()
    response = _ask(client, login, delegate, marked, reason="   ")
    assert response.status_code == 400
    # In the reader's language (the French text once /work/pending-erasure.json is merged into the catalogues).
    body = response.get_data(as_text=True)
    assert "Dites pourquoi" in body or "Say why: the moderators read it before deciding." in body
    assert _count(DeletionRequest) == 0
    with pytest.raises(Invalid):
        service.request_deletion(marked, by=delegate, reason="")
    db.session.rollback()
    assert _count(DeletionRequest) == 0


def test_thread_starter_asks_for_the_whole_thread(client, login, delegate, room, make_thread):
    thread = make_thread(room, delegate, title="My thread", body="Opening")
    login(client, delegate)
    assert f"/t/{thread.id}/ask-deletion" in client.get(f"/t/{thread.id}").get_data(as_text=True)
    assert client.post(f"/t/{thread.id}/ask-deletion", data={"reason": "Mistake"}).status_code == 302
    request = db.session.scalar(select(DeletionRequest))
    assert request.scope == DeletionScope.thread and request.thread_id == thread.id


def test_asking_twice_for_the_same_post_is_refused(delegate, marked):
    service.request_deletion(marked, by=delegate, reason="First")
    db.session.commit()
    with pytest.raises(Invalid):
        service.request_deletion(marked, by=delegate, reason="Again")
    db.session.rollback()
    assert _count(DeletionRequest) == 1


# Who decides ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["delegate", "french_moderator", "expert"])
def test_only_chief_moderator_and_admins_see_the_queue_and_decide(request, client, login, role, marked, delegate):
    deletion = service.request_deletion(marked, by=delegate, reason="Please")
    db.session.commit()
    user = request.getfixturevalue(role)
    login(client, user)
    assert client.get("/erasure").status_code == 403
    assert client.get(f"/erasure/{deletion.id}").status_code == 403
    assert client.get("/erasure/record").status_code == 403
    response = client.post(f"/erasure/{deletion.id}/carry-out", data={})
    assert response.status_code == 403
    with pytest.raises(NotAllowed):
        service.carry_out(deletion, by=user)
    db.session.rollback()
    assert db.session.get(DeletionRequest, deletion.id).status.is_pending
    assert db.session.get(Post, marked.id).source


@pytest.mark.parametrize("role", ["moderator", "admin"])
def test_deciders_see_the_queue_with_pending_first(request, client, login, role, marked, delegate):
    first = service.request_deletion(marked, by=delegate, reason="Please")
    db.session.commit()
    user = request.getfixturevalue(role)
    login(client, user)
    page = client.get("/erasure").get_data(as_text=True)
    assert f"/erasure/{first.id}" in page
    detail = client.get(f"/erasure/{first.id}").get_data(as_text=True)
    # The decider sees the text they are asked to erase.
    assert MARKER in detail
    filtered = client.get("/erasure?status=refused").get_data(as_text=True)
    assert f"/erasure/{first.id}" not in filtered
    assert client.get("/erasure/99999").status_code == 404


def test_deciding_twice_is_refused_and_audited_once(moderator, admin, marked, delegate):
    deletion = service.request_deletion(marked, by=delegate, reason="Please")
    db.session.commit()
    service.carry_out(deletion, by=moderator)
    db.session.commit()
    with pytest.raises(Invalid):
        service.refuse(deletion, by=admin, reason="No", clause="1.6")
    db.session.rollback()
    assert db.session.get(DeletionRequest, deletion.id).status == DeletionStatus.carried_out
    assert _count(AuditEvent, AuditEvent.action.like("deletion.%")) == 1


def test_a_stale_decision_form_loses_to_the_first(client, login, moderator, admin, marked, delegate):
    deletion = service.request_deletion(marked, by=delegate, reason="Please")
    db.session.commit()
    login(client, admin)
    # Someone else decided meanwhile: the conditional UPDATE finds no pending row.
    service.refuse(deletion, by=moderator, reason="Kept as a record", clause="1.6")
    db.session.commit()
    response = client.post(f"/erasure/{deletion.id}/carry-out", data={"carry-note": ""})
    assert response.status_code == 400
    assert db.session.get(Post, marked.id).source


def test_refusal_needs_a_reason_and_a_real_clause(client, login, moderator, marked, delegate, outbox):
    deletion = service.request_deletion(marked, by=delegate, reason="Please")
    db.session.commit()
    login(client, moderator)
    assert (
        client.post(f"/erasure/{deletion.id}/refuse", data={"refuse-clause": "1.6", "refuse-reason": ""}).status_code
        == 400
    )
    assert (
        client.post(f"/erasure/{deletion.id}/refuse", data={"refuse-clause": "9.9", "refuse-reason": "No"}).status_code
        == 400
    )
    assert db.session.get(DeletionRequest, deletion.id).status.is_pending
    response = client.post(
        f"/erasure/{deletion.id}/refuse", data={"refuse-clause": "1.6", "refuse-reason": "Part of a decision record"}
    )
    assert response.status_code == 302
    deletion = db.session.get(DeletionRequest, deletion.id)
    assert deletion.status.is_refused and deletion.clause == "1.6"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "deletion.refuse"))
    assert event.clause == "1.6" and event.actor_id == moderator.id
    refused = [n for n in db.session.scalars(select(Notification).where(Notification.user_id == delegate.id))]
    assert [n.kind for n in refused][-1] == "deletion_refused"
    assert any(m.kind == "deletion_refused" for m in outbox(delegate.email))
    login(client, delegate)
    assert "Part of a decision record" in client.get("/erasure/mine").get_data(as_text=True)


# Carrying out: the text is gone everywhere ---------------------------------------------------


def test_carrying_out_erases_text_and_revisions_and_leaves_a_tombstone(client, login, moderator, marked, delegate):
    assert _count(PostRevision, PostRevision.post_id == marked.id) == 1
    assert _found(delegate, MARKER)
    deletion = service.request_deletion(marked, by=delegate, reason="Please")
    db.session.commit()
    login(client, moderator)
    assert client.post(f"/erasure/{deletion.id}/carry-out", data={"carry-note": ""}).status_code == 302
    post = db.session.get(Post, marked.id)
    assert post.source == "" and post.html == "" and post.state == PostState.removed
    assert post.erased_at is not None and post.is_erased
    assert _count(PostRevision, PostRevision.post_id == marked.id) == 0
    assert _count(SearchEntry, SearchEntry.post_id == marked.id) == 0
    assert _found(delegate, MARKER) == [] and _found(moderator, MARKER) == []
    # Nothing in the database holds the marker any more, in any text column of the tables that held it.
    assert _count(Post, Post.source.contains(MARKER)) == 0
    assert _count(SearchEntry, SearchEntry.body.contains(MARKER)) == 0
    # The thread keeps its numbering; the tombstone says when, in the reader's language and zone.
    login(client, delegate)
    page = client.get(f"/t/{marked.thread_id}").get_data(as_text=True)
    assert MARKER not in page
    assert "Removed at the author&#39;s request on" in page or "Removed at the author's request on" in page
    assert 'id="post-2"' in page
    # The search page echoes the query in its box, but finds nothing.
    results = client.get(f"/search?q={MARKER}").get_data(as_text=True)
    assert f"/p/{marked.id}" not in results and "post-body" not in results
    assert "Carried out" in client.get("/erasure/mine").get_data(as_text=True)
    kinds = db.session.scalars(select(Notification.kind).where(Notification.user_id == delegate.id)).all()
    assert "deletion_carried_out" in kinds


def test_tombstone_date_is_in_the_readers_time_zone(
    client, login, make_user, moderator, marked, delegate, frozen_clock
):
    deletion = service.request_deletion(marked, by=delegate, reason="Please")
    db.session.commit()
    # 23:30 UTC on 23 November is already 24 November in Tokyo.
    frozen_clock.set(datetime(2026, 11, 23, 23, 30, tzinfo=UTC))
    service.carry_out(deletion, by=moderator)
    db.session.commit()
    reader = make_user(timezone="Asia/Tokyo", locale="en")
    login(client, reader)
    page = client.get(f"/t/{marked.thread_id}").get_data(as_text=True)
    assert "November 24, 2026" in page or "24 November 2026" in page


def test_the_audit_log_and_its_export_keep_the_fact_not_the_text(client, login, moderator, marked, delegate):
    deletion = service.request_deletion(marked, by=delegate, reason="Please")
    db.session.commit()
    service.carry_out(deletion, by=moderator, note="Done")
    db.session.commit()
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "deletion.carry_out"))
    assert event.actor_id == moderator.id and event.details["post_ids"] == [marked.id]
    login(client, moderator)
    export = client.get("/moderation/audit.csv").get_data(as_text=True)
    assert "deletion" in export.lower() and MARKER not in export
    assert MARKER not in client.get("/moderation/audit").get_data(as_text=True)


def test_pending_emails_and_digests_no_longer_carry_the_text(
    app, room, make_user, moderator, delegate, make_thread, outbox, frozen_clock
):
    frozen_clock.set(MONDAY - timedelta(hours=5))
    reader = make_user(email="reader@example.org", timezone="Europe/Zurich", locale="en")
    thread = make_thread(room, reader, title="Budget lines", body="Opening words")
    # Replies come in the daily digest (the default), written at 07:00 the reader's time.
    preferences.set_delivery(reader, Group.replies, Delivery.daily)
    post = threads.reply(thread, author=delegate, body=f"The {MARKER} figures")
    db.session.commit()
    # A digest written before the erasure, still waiting in the outbox, shows the text.
    frozen_clock.set(MONDAY)
    send_due_digests(MONDAY)
    db.session.commit()
    waiting = [m for m in outbox(reader.email) if m.status == EmailStatus.pending and MARKER in m.body]
    assert waiting, "the fixture should have queued an e-mail quoting the post"
    deletion = service.request_deletion(post, by=delegate, reason="Please")
    db.session.commit()
    service.carry_out(deletion, by=moderator)
    db.session.commit()
    pending = db.session.scalars(select(OutgoingEmail).where(OutgoingEmail.status == EmailStatus.pending)).all()
    assert not [m for m in pending if MARKER in (m.body or "") or MARKER in (m.html_body or "")]
    # The next day's digest does not bring it back either.
    frozen_clock.set(MONDAY + timedelta(days=1))
    for message in send_due_digests(MONDAY + timedelta(days=1)):
        assert MARKER not in message.body
    db.session.commit()


def test_quotes_of_the_post_are_listed_for_the_moderator(client, login, room, make_user, moderator, marked, delegate):
    other = make_user(name="Quoting Person")
    quoting = threads.reply(
        marked.thread, author=other, body=f"> **Someone:**\n> My edited {MARKER} text\n\nI agree", reply_to=marked
    )
    linking = threads.reply(marked.thread, author=other, body=f"See /p/{marked.id} above")
    unrelated = threads.reply(marked.thread, author=other, body=f"See /p/{marked.id}0 elsewhere")
    db.session.commit()
    deletion = service.request_deletion(marked, by=delegate, reason="Please")
    db.session.commit()
    decision = service.carry_out(deletion, by=moderator)
    db.session.commit()
    assert set(decision.quoting_post_ids) == {quoting.id, linking.id}
    assert unrelated.id not in decision.quoting_post_ids
    login(client, moderator)
    page = client.get(f"/erasure/{deletion.id}").get_data(as_text=True)
    assert f"/moderation/posts/{quoting.id}" in page and f"/moderation/posts/{linking.id}" in page


# Threads ---------------------------------------------------------------------------------


def test_thread_deletion_erases_every_post_and_the_title(
    client, login, room, delegate, make_user, moderator, make_thread
):
    watcher = make_user(locale="en")
    thread = make_thread(room, delegate, title=f"About {TITLE_MARKER}", body=f"Opening {MARKER}")
    threads.set_watching(watcher, thread, True)
    threads.reply(thread, author=watcher, body=f"Reply with {MARKER}")
    threads.reply(thread, author=delegate, body="Second reply")
    db.session.commit()
    # The watcher was told of the delegate's reply: the notification names the thread.
    assert _count(Notification, Notification.user_id == watcher.id) >= 1
    deletion = service.request_deletion(thread, by=delegate, reason="Please")
    db.session.commit()
    service.carry_out(deletion, by=moderator)
    db.session.commit()
    thread = db.session.get(Thread, thread.id)
    assert TITLE_MARKER not in thread.title and thread.post_count == 3
    assert all(post.is_erased for post in db.session.scalars(select(Post).where(Post.thread_id == thread.id)))
    assert _count(SearchEntry, SearchEntry.thread_id == thread.id) == 0
    assert not _found(watcher, MARKER) and not _found(watcher, TITLE_MARKER)
    login(client, watcher)
    for path in (f"/t/{thread.id}", f"/rooms/{room.slug}", "/latest", "/", "/notifications"):
        body = client.get(path).get_data(as_text=True)
        assert TITLE_MARKER not in body and MARKER not in body, path
    results = client.get(f"/search?q={TITLE_MARKER}").get_data(as_text=True)
    post_ids = db.session.scalars(select(Post.id).where(Post.thread_id == thread.id)).all()
    assert not any(f"/p/{post_id}" in results for post_id in post_ids)
    for notification in db.session.scalars(select(Notification)):
        assert TITLE_MARKER not in str(notification.params)


def test_partly_carrying_out_a_thread_erases_only_the_chosen_posts(
    client, login, room, delegate, moderator, make_thread
):
    thread = make_thread(room, delegate, title="Keep title", body="Opening stays")
    reply = threads.reply(thread, author=delegate, body=f"Goes {MARKER}")
    db.session.commit()
    deletion = service.request_deletion(thread, by=delegate, reason="Please")
    db.session.commit()
    login(client, moderator)
    empty_note = client.post(f"/erasure/{deletion.id}/partly", data={"partly-post_ids": [reply.id], "partly-note": ""})
    assert empty_note.status_code == 400 and not db.session.get(Post, reply.id).is_erased
    response = client.post(
        f"/erasure/{deletion.id}/partly",
        data={"partly-post_ids": [reply.id], "partly-note": "The opening is part of a weekly summary"},
    )
    assert response.status_code == 302
    assert db.session.get(Post, reply.id).is_erased
    opening = db.session.scalar(select(Post).where(Post.thread_id == thread.id, Post.number == 1))
    assert not opening.is_erased and db.session.get(Thread, thread.id).title == "Keep title"
    assert db.session.get(DeletionRequest, deletion.id).status == DeletionStatus.partly_carried_out


# Accounts -------------------------------------------------------------------------------


def test_account_deletion_removes_personal_data_and_keeps_posts_under_a_former_name(
    client, login, app, room, make_user, moderator, make_thread
):
    member = make_user(name=f"Jean {TITLE_MARKER}", email="jean@example.org", state="FRA")
    thread = make_thread(room, member, title="Member thread", body="Kept words")
    db.session.add(CalendarFeed(user_id=member.id, token_hash="a" * 64))
    db.session.commit()
    login(client, member)
    assert client.get("/profile").status_code == 200
    assert client.post("/profile/ask-deletion", data={"reason": "Leaving the mission"}).status_code == 302
    deletion = db.session.scalar(select(DeletionRequest))
    assert deletion.scope == DeletionScope.account and not deletion.include_posts
    service.carry_out(deletion, by=moderator)
    db.session.commit()
    member = db.session.get(User, member.id)
    assert member.is_erased and member.password_hash is None and not member.active
    assert member.email.endswith("@erased.invalid") and TITLE_MARKER not in member.stored_display_name
    assert member.display_name == "Former delegate of France"
    assert _count(AccountToken, AccountToken.user_id == member.id) == 0
    assert _count(CalendarFeed, CalendarFeed.user_id == member.id) == 0
    assert _count(NotificationSetting, NotificationSetting.user_id == member.id) == 0
    assert _count(Watch, Watch.user_id == member.id) == 0
    # The old session no longer works.
    assert client.get("/profile").status_code == 302
    # The posts stay, under the former delegate's name.
    reader = make_user()
    login(client, reader)
    page = client.get(f"/t/{thread.id}").get_data(as_text=True)
    assert "Kept words" in page and "Former delegate of France" in page and TITLE_MARKER not in page
    # The last e-mail went to the address before it was erased, linked to no account.
    farewell = db.session.scalar(select(OutgoingEmail).where(OutgoingEmail.kind == "deletion_carried_out"))
    assert farewell is not None and farewell.user_id is None


def test_account_deletion_with_posts_erases_them(room, make_user, moderator, make_thread):
    member = make_user()
    thread = make_thread(room, member, title="Member thread", body=f"Words {MARKER}")
    deletion = service.request_deletion(member, by=member, reason="All of it", include_posts=True)
    db.session.commit()
    service.carry_out(deletion, by=moderator)
    db.session.commit()
    assert all(post.is_erased for post in db.session.scalars(select(Post).where(Post.author_id == member.id)))
    assert _count(SearchEntry, SearchEntry.body.contains(MARKER)) == 0
    assert db.session.get(Thread, thread.id).post_count == 1


# Recording on someone's behalf ---------------------------------------------------------------


def test_chief_moderator_records_a_request_received_by_letter(client, login, moderator, marked, delegate):
    login(client, moderator)
    assert client.get("/erasure/record").status_code == 200
    missing = client.post(
        "/erasure/record", data={"scope": "post", "target_id": marked.id, "received_by": "", "reason": "Asked"}
    )
    assert missing.status_code == 400 and _count(DeletionRequest) == 0
    response = client.post(
        "/erasure/record",
        data={
            "scope": "post",
            "target_id": marked.id,
            "received_by": "Letter from the mission, 2 Nov",
            "reason": "Asked",
        },
    )
    assert response.status_code == 302
    deletion = db.session.scalar(select(DeletionRequest))
    assert deletion.requester_id == delegate.id and deletion.recorded_by_id == moderator.id
    assert deletion.received_by.startswith("Letter")
    assert _count(AuditEvent, AuditEvent.action == "deletion.record") == 1
    kinds = db.session.scalars(select(Notification.kind).where(Notification.user_id == delegate.id)).all()
    assert "deletion_recorded" in kinds
    unknown = client.post(
        "/erasure/record", data={"scope": "post", "target_id": 987654, "received_by": "Letter", "reason": "Asked"}
    )
    assert unknown.status_code == 400 and _count(DeletionRequest) == 1


# Reminder ---------------------------------------------------------------------------------------


def test_deciders_are_reminded_once_after_the_configured_wait(
    app, frozen_clock, moderator, admin, marked, delegate, outbox
):
    frozen_clock.set(MONDAY)
    service.request_deletion(marked, by=delegate, reason="Please")
    db.session.commit()
    frozen_clock.set(MONDAY + timedelta(days=13))
    run_periodic_work(MONDAY + timedelta(days=13))
    assert not [m for m in outbox() if m.kind == "deletion_reminder"]
    later = MONDAY + timedelta(days=15)
    frozen_clock.set(later)
    run_periodic_work(later)
    reminders = [m for m in outbox() if m.kind == "deletion_reminder"]
    assert {m.to for m in reminders} == {moderator.email, admin.email}
    run_periodic_work(later + timedelta(hours=1))
    assert len([m for m in outbox() if m.kind == "deletion_reminder"]) == 2


def test_the_reminder_wait_is_configurable(app, frozen_clock, moderator, marked, delegate, outbox):
    app.config["DELETION_REMINDER_DAYS"] = 2
    frozen_clock.set(MONDAY)
    service.request_deletion(marked, by=delegate, reason="Please")
    db.session.commit()
    run_periodic_work(MONDAY + timedelta(days=3))
    assert [m.to for m in outbox() if m.kind == "deletion_reminder"] == [moderator.email]


def test_open_reports_on_an_erased_post_are_closed(make_user, moderator, marked, delegate):
    from forum.moderation import service as moderation
    from forum.moderation.models import Flag

    flag = moderation.flag_post(marked, by=make_user("staff"), clause="1.2", note="Off topic")
    deletion = service.request_deletion(marked, by=delegate, reason="Please")
    db.session.commit()
    service.carry_out(deletion, by=moderator)
    db.session.commit()
    assert db.session.get(Flag, flag.id).status.is_dismissed


def test_rebuilding_the_search_index_leaves_erased_posts_out(app, moderator, marked, delegate):
    from forum.search.index import reindex_batches

    deletion = service.request_deletion(marked, by=delegate, reason="Please")
    db.session.commit()
    service.carry_out(deletion, by=moderator)
    db.session.commit()
    list(reindex_batches(db.session))
    assert _count(SearchEntry, SearchEntry.post_id == marked.id) == 0


def test_a_mention_email_waiting_in_the_outbox_is_withdrawn(room, make_user, moderator, delegate, make_thread, outbox):
    reader = make_user(name="Ines Reader", email="ines@example.org")
    thread = make_thread(room, reader, title="Budget lines", body="Opening words")
    post = threads.reply(thread, author=delegate, body=f"@[Ines Reader] the {MARKER} figures")
    db.session.commit()
    assert [m for m in outbox(reader.email) if m.kind == "mention" and MARKER in m.body]
    deletion = service.request_deletion(post, by=delegate, reason="Please")
    db.session.commit()
    service.carry_out(deletion, by=moderator)
    db.session.commit()
    assert not [m for m in outbox() if MARKER in m.body or MARKER in (m.html_body or "")]
    # The mention itself is gone too (its notification names no text, only the thread and author).
    assert _count(Mention, Mention.post_id == post.id) == 0
