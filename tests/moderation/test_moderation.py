"""Enforcing the protocol: flags, decisions on posts, sanctions, automatic rules, language moderators, supervision."""

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select, update

from forum import clock
from forum.accounts.models import User
from forum.audit import AuditEvent
from forum.errors import Invalid
from forum.extensions import db
from forum.moderation import service
from forum.moderation.models import (
    Flag,
    FlagStatus,
    ReversedAct,
    Sanction,
    SanctionKind,
)
from forum.notifications.models import Notification
from forum.rooms.service import get_room
from forum.threads import service as threads_service
from forum.threads.models import Post, PostState


def _first_post(thread):
    return db.session.scalar(select(Post).where(Post.thread_id == thread.id, Post.number == 1))


def _events(action=None):
    query = select(AuditEvent).order_by(AuditEvent.id)
    if action:
        query = query.where(AuditEvent.action == action)
    return db.session.scalars(query).all()


def _count_events():
    return db.session.scalar(select(func.count(AuditEvent.id)))


def _notifications(user, kind=None):
    query = select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)
    if kind:
        query = query.where(Notification.kind == kind)
    return db.session.scalars(query).all()


def _fresh(obj):
    db.session.expire_all()
    return db.session.get(type(obj), obj.id)


@pytest.fixture
def world(app, make_user, make_thread):
    """A French and an English thread by one delegate; a reader, the French language moderator, the chief moderator."""
    w = SimpleNamespace()
    w.author = make_user(state="FRA", name="Camille Dupont")
    w.reader = make_user(state="BRA", name="João Silva")
    w.langmod = make_user("language_moderator", languages=("fr",), name="Léa Modératrice")
    w.chief = make_user("moderator", name="Moana Moderator")
    w.fr_room = get_room("capacity-fr")
    w.en_room = get_room("capacity-en")
    w.fr_thread = make_thread(w.fr_room, w.author, title="Évaluer une stratégie", body="Un message discourtois")
    w.en_thread = make_thread(w.en_room, w.author, title="Training examiners", body="A rude message")
    w.fr_post = _first_post(w.fr_thread)
    w.en_post = _first_post(w.en_thread)
    return w


@pytest.fixture
def blocked_terms(app):
    app.config["BLOCKED_TERMS"] = ("viagra", "cheap loans")
    return app.config["BLOCKED_TERMS"]


# Flags ------------------------------------------------------------------------------


def test_a_reader_reports_a_post_citing_a_clause(client, login, world):
    login(client, world.reader)
    thread_page = client.get(f"/t/{world.fr_thread.id}").get_data(as_text=True)
    assert f'href="/p/{world.fr_post.id}/flag"' in thread_page
    form = client.get(f"/p/{world.fr_post.id}/flag").get_data(as_text=True)
    assert 'value="3.2"' in form and "3.2 — " in form
    response = client.post(f"/p/{world.fr_post.id}/flag", data={"clause": "3.2", "note": "Insulting"})
    assert response.status_code == 302
    [flag] = db.session.scalars(select(Flag)).all()
    assert (flag.post_id, flag.reporter_id, flag.clause, flag.note, flag.status, flag.protocol_version) == (
        world.fr_post.id,
        world.reader.id,
        "3.2",
        "Insulting",
        FlagStatus.open,
        1,
    )
    # Reports are not moderator acts: nothing in the audit trail.
    assert _events() == []


def test_authors_cannot_report_their_own_post(client, login, world):
    login(client, world.author)
    assert f'href="/p/{world.fr_post.id}/flag"' not in client.get(f"/t/{world.fr_thread.id}").get_data(as_text=True)
    assert client.post(f"/p/{world.fr_post.id}/flag", data={"clause": "3.2"}).status_code == 403


def test_flag_hide_restore_cycle_with_notifications(client, login, world):
    service.flag_post(world.fr_post, by=world.reader, clause="3.2", note="Insulting")
    db.session.commit()

    login(client, world.langmod)
    queue = client.get("/moderation").get_data(as_text=True)
    assert "Un message discourtois" in queue and "Clause 3.2, reported by João Silva" in queue
    response = client.post(
        f"/moderation/posts/{world.fr_post.id}/hide", data={"hide-clause": "3.2", "hide-reason": "Personal attack"}
    )
    assert response.status_code == 302
    post = _fresh(world.fr_post)
    assert (post.state, post.state_clause, post.state_reason) == (PostState.hidden, "3.2", "Personal attack")
    assert db.session.scalar(select(Flag.status)) == FlagStatus.upheld
    [hidden] = _notifications(world.author, "post_hidden")
    assert hidden.params["clause"] == "3.2" and hidden.params["reason"] == "Personal attack"
    assert _notifications(world.reader, "flag_upheld")

    # Readers see that it was hidden and under which clause, not the text.
    login(client, world.reader)
    page = client.get(f"/t/{world.fr_thread.id}").get_data(as_text=True)
    assert "Hidden by a moderator under clause 3.2." in page
    assert "Un message discourtois" not in page
    # The author is told, with the clause, in their notifications.
    login(client, world.author)
    assert "under clause 3.2 of the usage protocol. Reason: Personal attack" in client.get("/notifications").get_data(
        as_text=True
    )
    assert "Un message discourtois" in client.get(f"/t/{world.fr_thread.id}").get_data(as_text=True)

    login(client, world.langmod)
    response = client.post(f"/moderation/posts/{world.fr_post.id}/restore", data={"restore-reason": "Apology received"})
    assert response.status_code == 302
    assert _fresh(world.fr_post).state == PostState.visible
    assert _notifications(world.author, "post_restored")
    login(client, world.reader)
    assert "Un message discourtois" in client.get(f"/t/{world.fr_thread.id}").get_data(as_text=True)
    assert [e.action for e in _events()] == ["post.hide", "post.restore"]


def test_dismissing_reports_keeps_the_post_and_tells_the_reporters(client, login, world, make_user):
    second = make_user(state="KEN")
    service.flag_post(world.en_post, by=world.reader, clause="3.4")
    service.flag_post(world.en_post, by=second, clause="3.2")
    db.session.commit()
    login(client, world.chief)
    response = client.post(f"/moderation/posts/{world.en_post.id}/dismiss", data={"dismiss-reason": "Fair criticism"})
    assert response.status_code == 302
    assert _fresh(world.en_post).state == PostState.visible
    assert set(db.session.scalars(select(Flag.status))) == {FlagStatus.dismissed}
    assert _notifications(world.reader, "flag_dismissed") and _notifications(second, "flag_dismissed")
    assert _notifications(world.author) == [n for n in _notifications(world.author) if n.kind == "reply"]
    assert "Nothing is waiting for moderation." in client.get("/moderation").get_data(as_text=True)


def test_queue_groups_reports_by_post_oldest_first_with_held_posts(
    client, login, world, make_user, frozen_clock, blocked_terms
):
    start = frozen_clock.now
    other = make_user(state="KEN")
    threads_service.reply(world.en_thread, author=other, body="Try our cheap loans today")  # held at start
    frozen_clock.set(start + timedelta(hours=2))
    service.flag_post(world.fr_post, by=world.reader, clause="3.2")
    service.flag_post(world.fr_post, by=other, clause="3.3")
    frozen_clock.set(start + timedelta(hours=1))
    service.flag_post(world.en_post, by=world.reader, clause="3.4")
    db.session.commit()
    login(client, world.chief)
    page = client.get("/moderation").get_data(as_text=True)
    assert "3 messages wait for a decision" in page
    assert page.index("cheap loans") < page.index("A rude message") < page.index("Un message discourtois")
    assert page.count("Un message discourtois") == 1 and "2 open reports" in page
    assert "Held: awaiting approval" in page


def test_language_moderators_see_only_their_languages_in_the_queue(client, login, world):
    service.flag_post(world.fr_post, by=world.reader, clause="3.2")
    service.flag_post(world.en_post, by=world.reader, clause="3.2")
    db.session.commit()
    login(client, world.langmod)
    page = client.get("/moderation").get_data(as_text=True)
    assert "Un message discourtois" in page and "A rude message" not in page
    login(client, world.chief)
    page = client.get("/moderation?language=en").get_data(as_text=True)
    assert "A rude message" in page and "Un message discourtois" not in page


def test_queue_makes_a_constant_number_of_queries_for_1_or_30_flags(
    client, login, make_user, room, make_thread, count_queries
):
    author = make_user()
    reporters = [make_user(state=code) for code in ("BRA", "KEN", "JPN", "MEX", "POL")]
    thread = make_thread(room, author, replies=31)
    posts = db.session.scalars(select(Post).where(Post.thread_id == thread.id).order_by(Post.number)).all()
    login(client, make_user("moderator"))

    def measure():
        client.get("/moderation")
        db.session.expire_all()
        with count_queries() as counter:
            response = client.get("/moderation")
        assert response.status_code == 200
        return counter.count, response.get_data(as_text=True)

    service.flag_post(posts[0], by=reporters[0], clause="3.2")
    db.session.commit()
    small, page = measure()
    assert "1 message waits" in page
    for index, post in enumerate(posts[1:30], start=1):
        service.flag_post(post, by=reporters[index % len(reporters)], clause="3.4", note=f"note {index}")
    db.session.commit()
    large, page = measure()
    assert "30 messages wait" in page
    assert small == large <= 12


# Decisions: who may, on what ------------------------------------------------------------

LANGUAGE_SCOPED_ROUTES = [
    ("review", "GET", "/moderation/posts/{post}", None),
    ("hide", "POST", "/moderation/posts/{post}/hide", {"hide-clause": "3.2", "hide-reason": "r"}),
    ("restore", "POST", "/moderation/posts/{post}/restore", {"restore-reason": "r"}),
    ("approve", "POST", "/moderation/posts/{post}/approve", {}),
    ("dismiss", "POST", "/moderation/posts/{post}/dismiss", {}),
    ("warn_author", "POST", "/moderation/posts/{post}/warn", {"warn-clause": "3.2", "warn-reason": "r"}),
]
CHIEF_ONLY_ROUTES = [
    ("supervision", "GET", "/moderation/supervision", None),
    ("warn_user", "POST", "/moderation/users/{user}/warn", {"warn-clause": "3.2", "warn-reason": "r"}),
    (
        "suspend",
        "POST",
        "/moderation/users/{user}/suspend",
        {"suspend-clause": "3.2", "suspend-reason": "r", "suspend-duration": "7"},
    ),
    ("lift", "POST", "/moderation/users/{user}/lift", {"lift-reason": "r"}),
    ("reverse", "GET", "/moderation/acts/{event}/reverse", None),
    ("reverse", "POST", "/moderation/acts/{event}/reverse", {"reason": "r"}),
]
# Routes not tied to a language: reporting (any reader), the queue (filtered to
# the moderator's languages), a user's record (read-only) and the audit log
# (a language moderator's own acts; tests/moderation/test_audit.py).
NOT_LANGUAGE_SCOPED = {"flag_post", "queue", "user_record", "audit_log", "audit_csv"}


def test_every_moderation_route_is_in_the_permission_tests(app):
    endpoints = {
        rule.endpoint.split(".", 1)[1] for rule in app.url_map.iter_rules() if rule.endpoint.startswith("moderation.")
    }
    covered = {name for name, *_ in LANGUAGE_SCOPED_ROUTES + CHIEF_ONLY_ROUTES} | NOT_LANGUAGE_SCOPED
    assert endpoints == covered


def _a_language_moderators_act(world):
    event = service.hide_post(world.fr_post, by=world.langmod, clause="3.2", reason="Rude")
    db.session.commit()
    return event


@pytest.mark.parametrize("name, method, url, data", LANGUAGE_SCOPED_ROUTES, ids=[r[0] for r in LANGUAGE_SCOPED_ROUTES])
def test_language_moderators_are_refused_outside_their_languages(client, login, world, name, method, url, data):
    service.flag_post(world.en_post, by=world.reader, clause="3.2")
    db.session.commit()
    before = _count_events()
    login(client, world.langmod)
    response = client.open(url.format(post=world.en_post.id), method=method, data=data)
    assert response.status_code == 403
    assert _count_events() == before
    assert _fresh(world.en_post).state == PostState.visible
    assert db.session.scalar(select(Flag.status)) == FlagStatus.open


@pytest.mark.parametrize(
    "name, method, url, data", CHIEF_ONLY_ROUTES, ids=[f"{r[0]}-{r[1]}" for r in CHIEF_ONLY_ROUTES]
)
def test_chief_moderator_routes_refuse_language_moderators(client, login, world, make_user, name, method, url, data):
    other_langmod = make_user("language_moderator", languages=("fr",))
    event = _a_language_moderators_act(world)
    world.author.suspended_until = clock.now() + timedelta(days=1) if name == "lift" else None
    db.session.commit()
    before = _count_events()
    login(client, other_langmod)
    response = client.open(url.format(user=world.author.id, event=event.id), method=method, data=data)
    assert response.status_code == 403
    assert _count_events() == before
    assert db.session.scalar(select(func.count(Sanction.id))) == 0


@pytest.mark.parametrize("name, method, url, data", LANGUAGE_SCOPED_ROUTES + CHIEF_ONLY_ROUTES)
def test_delegates_are_refused_every_moderation_route(client, login, world, name, method, url, data):
    event = _a_language_moderators_act(world)
    before = _count_events()
    login(client, world.reader)
    response = client.open(
        url.format(post=world.en_post.id, user=world.author.id, event=event.id), method=method, data=data
    )
    assert response.status_code == 403
    assert _count_events() == before


def test_moderation_pages_are_refused_to_delegates(client, login, world):
    login(client, world.reader)
    for url in ("/moderation", f"/moderation/users/{world.author.id}", "/moderation/audit", "/moderation/audit.csv"):
        assert client.get(url).status_code == 403, url
    assert "/moderation" not in client.get("/").get_data(as_text=True).split("<main")[0]


def test_language_moderator_acts_on_their_language_at_the_service_level_too(world):
    with pytest.raises(service.NotAllowed):
        service.hide_post(world.en_post, by=world.langmod, clause="3.2", reason="x")
    with pytest.raises(service.NotAllowed):
        service.warn_user(world.author, by=world.langmod, clause="3.2", reason="x", post=world.en_post)
    with pytest.raises(service.NotAllowed):
        service.warn_user(world.author, by=world.langmod, clause="3.2", reason="x")
    with pytest.raises(service.NotAllowed):
        service.suspend_user(world.author, by=world.langmod, clause="3.2", reason="x", days=3)
    db.session.rollback()
    assert _count_events() == 0


def test_unreadable_posts_are_404_not_403(client, login, world):
    login(client, world.langmod)
    assert client.get("/moderation/posts/999999").status_code == 404
    assert client.get("/p/999999/flag").status_code == 404
    assert client.get("/moderation/users/999999").status_code == 404
    assert client.get("/moderation/acts/999999/reverse").status_code == 404


# Exactly one audit event per act ----------------------------------------------------------


def _setup_hide(w):
    service.flag_post(w.fr_post, by=w.reader, clause="3.2")
    return (
        f"/moderation/posts/{w.fr_post.id}/hide",
        {"hide-clause": "3.2", "hide-reason": "Rude"},
        "post.hide",
        w.langmod,
    )


def _setup_restore(w):
    service.hide_post(w.fr_post, by=w.chief, clause="3.2", reason="Rude")
    return f"/moderation/posts/{w.fr_post.id}/restore", {"restore-reason": "Fine after all"}, "post.restore", w.langmod


def _setup_approve(w):
    w.fr_post.state = PostState.held
    return (
        f"/moderation/posts/{w.fr_post.id}/approve",
        {"approve-reason": "Quoting a spam e-mail"},
        "post.approve",
        w.langmod,
    )


def _setup_dismiss(w):
    service.flag_post(w.fr_post, by=w.reader, clause="3.2")
    return f"/moderation/posts/{w.fr_post.id}/dismiss", {"dismiss-reason": "No breach"}, "flags.dismiss", w.langmod


def _setup_warn_author(w):
    return (
        f"/moderation/posts/{w.fr_post.id}/warn",
        {"warn-clause": "3.2", "warn-reason": "Mind your tone"},
        "user.warn",
        w.langmod,
    )


def _setup_warn_user(w):
    return (
        f"/moderation/users/{w.author.id}/warn",
        {"warn-clause": "3.4", "warn-reason": "No ads"},
        "user.warn",
        w.chief,
    )


def _setup_suspend(w):
    data = {"suspend-clause": "3.2", "suspend-reason": "Repeated insults", "suspend-duration": "7"}
    return f"/moderation/users/{w.author.id}/suspend", data, "user.suspend", w.chief


def _setup_lift(w):
    service.suspend_user(w.author, by=w.chief, clause="3.2", reason="Insults", days=7)
    return f"/moderation/users/{w.author.id}/lift", {"lift-reason": "Apologised"}, "user.unsuspend", w.chief


def _setup_reverse(w):
    event = service.hide_post(w.fr_post, by=w.langmod, clause="3.2", reason="Rude")
    return f"/moderation/acts/{event.id}/reverse", {"reason": "Not rude in context"}, "act.reverse", w.chief


ACTS = [
    _setup_hide,
    _setup_restore,
    _setup_approve,
    _setup_dismiss,
    _setup_warn_author,
    _setup_warn_user,
    _setup_suspend,
    _setup_lift,
    _setup_reverse,
]


@pytest.mark.parametrize("setup", ACTS, ids=[s.__name__.removeprefix("_setup_") for s in ACTS])
def test_every_moderation_act_leaves_exactly_one_audit_event(client, login, world, setup):
    url, data, action, actor = setup(world)
    db.session.commit()
    before = _events()
    login(client, actor)
    assert client.post(url, data=data).status_code == 302
    new = _events()[len(before) :]
    assert [(e.action, e.actor_id) for e in new] == [(action, actor.id)]
    assert new[0].reason


# Bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data, message",
    [
        ({"hide-clause": "9.9", "hide-reason": "Rude"}, "There is no clause 9.9 in the usage protocol in force."),
        ({"hide-clause": "", "hide-reason": "Rude"}, "Cite the clause of the protocol that applies."),
        ({"hide-clause": "3.2", "hide-reason": "   "}, "Give a reason"),
        ({"hide-clause": "3.2"}, "Give a reason"),
    ],
)
def test_bad_decisions_are_refused_clearly_and_write_nothing(client, login, world, data, message):
    service.flag_post(world.fr_post, by=world.reader, clause="3.2")
    db.session.commit()
    login(client, world.langmod)
    response = client.post(f"/moderation/posts/{world.fr_post.id}/hide", data=data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert _fresh(world.fr_post).state == PostState.visible
    assert db.session.scalar(select(Flag.status)) == FlagStatus.open
    assert _events() == [] and _notifications(world.author, "post_hidden") == []


def test_acting_twice_on_the_same_post_is_refused(client, login, world):
    service.flag_post(world.fr_post, by=world.reader, clause="3.2")
    db.session.commit()
    login(client, world.langmod)
    data = {"hide-clause": "3.2", "hide-reason": "Rude"}
    assert client.post(f"/moderation/posts/{world.fr_post.id}/hide", data=data).status_code == 302
    again = client.post(f"/moderation/posts/{world.fr_post.id}/hide", data=data)
    assert again.status_code == 400 and "This message is already hidden." in again.get_data(as_text=True)
    dismiss = client.post(f"/moderation/posts/{world.fr_post.id}/dismiss", data={})
    assert dismiss.status_code == 400 and "There are no open reports on this message." in dismiss.get_data(as_text=True)
    approve = client.post(f"/moderation/posts/{world.fr_post.id}/approve", data={})
    assert approve.status_code == 400 and "This message is not awaiting moderation." in approve.get_data(as_text=True)
    assert (
        client.post(f"/moderation/posts/{world.fr_post.id}/restore", data={"restore-reason": "ok"}).status_code == 302
    )
    twice = client.post(f"/moderation/posts/{world.fr_post.id}/restore", data={"restore-reason": "ok"})
    assert twice.status_code == 400 and "This message is not hidden." in twice.get_data(as_text=True)
    assert [e.action for e in _events()] == ["post.hide", "post.restore"]


def test_two_moderators_acting_at_once_make_one_act(world):
    """The second of two simultaneous decisions finds the post already changed and writes nothing."""
    service.flag_post(world.fr_post, by=world.reader, clause="3.2")
    db.session.commit()
    # Another moderator's request hid the post and upheld the report after this one loaded them.
    db.session.execute(
        update(Post).where(Post.id == world.fr_post.id).values(state=PostState.hidden),
        execution_options={"synchronize_session": False},
    )
    db.session.execute(update(Flag).values(status=FlagStatus.upheld), execution_options={"synchronize_session": False})
    assert world.fr_post.state == PostState.visible  # stale in memory
    with pytest.raises(Invalid, match="already hidden"):
        service.hide_post(world.fr_post, by=world.chief, clause="3.2", reason="Rude")
    with pytest.raises(Invalid, match="no open reports"):
        service.dismiss_flags(world.fr_post, by=world.chief)
    assert _events() == []


def test_reporting_twice_or_an_unknown_clause_is_refused(client, login, world):
    login(client, world.reader)
    assert client.post(f"/p/{world.fr_post.id}/flag", data={"clause": "3.2"}).status_code == 302
    twice = client.post(f"/p/{world.fr_post.id}/flag", data={"clause": "3.3"})
    assert twice.status_code == 400 and "You have already reported this message" in twice.get_data(as_text=True)
    unknown = client.post(f"/p/{world.en_post.id}/flag", data={"clause": "42.1"})
    assert unknown.status_code == 400 and "There is no clause 42.1" in unknown.get_data(as_text=True)
    long_note = client.post(f"/p/{world.en_post.id}/flag", data={"clause": "3.2", "note": "x" * 1001})
    assert long_note.status_code == 400
    assert db.session.scalar(select(func.count(Flag.id))) == 1


def test_hidden_posts_cannot_be_reported(client, login, world):
    service.hide_post(world.fr_post, by=world.chief, clause="3.2", reason="Rude")
    db.session.commit()
    login(client, world.reader)
    assert client.post(f"/p/{world.fr_post.id}/flag", data={"clause": "3.2"}).status_code == 403


def test_bad_suspensions_are_refused(client, login, world):
    login(client, world.chief)
    url = f"/moderation/users/{world.author.id}/suspend"
    odd = client.post(url, data={"suspend-clause": "3.2", "suspend-reason": "x", "suspend-duration": "5"})
    assert odd.status_code == 400
    ok = {"suspend-clause": "3.2", "suspend-reason": "Insults", "suspend-duration": "7"}
    assert client.post(url, data=ok).status_code == 302
    twice = client.post(url, data=ok)
    assert twice.status_code == 400 and "already suspended" in twice.get_data(as_text=True)
    lift = f"/moderation/users/{world.reader.id}/lift"
    not_suspended = client.post(lift, data={"lift-reason": "x"})
    assert not_suspended.status_code == 400 and "This account is not suspended." in not_suspended.get_data(as_text=True)
    assert [e.action for e in _events()] == ["user.suspend"]


@pytest.mark.parametrize("target_role", ["moderator", "admin"])
def test_chief_moderators_cannot_be_sanctioned_by_moderators(client, login, world, make_user, target_role):
    target = make_user(target_role)
    login(client, world.chief)
    data = {"suspend-clause": "3.2", "suspend-reason": "x", "suspend-duration": "7"}
    assert client.post(f"/moderation/users/{target.id}/suspend", data=data).status_code == 403
    assert client.post(f"/moderation/users/{world.chief.id}/suspend", data=data).status_code == 403


# Warnings and suspensions --------------------------------------------------------------


def test_warnings_are_recorded_and_told_to_the_user(client, login, world):
    login(client, world.langmod)
    response = client.post(
        f"/moderation/posts/{world.fr_post.id}/warn",
        data={"warn-clause": "3.2", "warn-reason": "Please stay courteous"},
    )
    assert response.status_code == 302
    [warning] = db.session.scalars(select(Sanction)).all()
    assert (warning.kind, warning.clause, warning.reason, warning.post_id) == (
        SanctionKind.warning,
        "3.2",
        "Please stay courteous",
        world.fr_post.id,
    )
    assert not _fresh(world.author).is_suspended
    login(client, world.author)
    assert "A moderator warned you under clause 3.2 of the usage protocol: Please stay courteous" in client.get(
        "/notifications"
    ).get_data(as_text=True)
    login(client, world.chief)
    record = client.get(f"/moderation/users/{world.author.id}").get_data(as_text=True)
    assert "Please stay courteous" in record and "Léa Modératrice" in record


def test_suspended_users_read_but_cannot_write_until_the_end(client, login, world, make_user, frozen_clock):
    author = make_user(state="MEX")
    login(client, world.chief)
    response = client.post(
        f"/moderation/users/{author.id}/suspend",
        data={"suspend-clause": "4.4", "suspend-reason": "Ignored moderators' instructions", "suspend-duration": "3"},
    )
    assert response.status_code == 302
    author = _fresh(author)
    assert author.is_suspended and author.suspended_until == frozen_clock.now + timedelta(days=3)

    login(client, author)
    page = client.get(f"/t/{world.en_thread.id}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert (
        "Your account is suspended until" in text
        and "Ignored moderators&#39; instructions" in text
        and "Clause 4.4" in text
    )
    assert client.post(f"/t/{world.en_thread.id}/reply", data={"body": "Let me in"}).status_code == 403
    assert client.post(f"/rooms/{world.en_room.slug}/new", data={"title": "t", "body": "b"}).status_code == 403
    assert client.post(f"/p/{world.en_post.id}/flag", data={"clause": "3.2"}).status_code == 403
    with pytest.raises(threads_service.NotAllowed):
        threads_service.reply(world.en_thread, author=author, body="Let me in")
    db.session.rollback()
    assert _notifications(author, "suspension")[0].params["clause"] == "4.4"

    frozen_clock.advance(days=3, minutes=1)
    assert "Your account is suspended" not in client.get(f"/t/{world.en_thread.id}").get_data(as_text=True)
    assert client.post(f"/t/{world.en_thread.id}/reply", data={"body": "Back again"}).status_code == 302


def test_suspension_until_lifted(client, login, world, make_user, frozen_clock):
    author = make_user(state="MEX")
    service.suspend_user(author, by=world.chief, clause="2.6", reason="Tried to collect addresses", days=None)
    db.session.commit()
    frozen_clock.advance(days=400)
    login(client, author)
    page = client.get("/").get_data(as_text=True)
    assert "suspended until a moderator lifts the suspension" in page and "Tried to collect addresses" in page
    assert client.post(f"/t/{world.en_thread.id}/reply", data={"body": "Hello"}).status_code == 403

    login(client, world.chief)
    assert client.post(f"/moderation/users/{author.id}/lift", data={"lift-reason": "Explained"}).status_code == 302
    sanction = db.session.scalar(select(Sanction))
    assert sanction.lifted_at == frozen_clock.now and sanction.lift_reason == "Explained"
    assert _notifications(author, "suspension_lifted")
    login(client, author)
    assert client.post(f"/t/{world.en_thread.id}/reply", data={"body": "Hello"}).status_code == 302


# Automatic enforcement ----------------------------------------------------------------------


def test_posting_rate_limit_gives_a_clear_message(client, login, world, make_user, app, frozen_clock):
    app.config["POST_RATE_LIMIT"] = "3 per minute"
    writer = make_user(state="JPN")
    for index in range(3):
        threads_service.reply(world.en_thread, author=writer, body=f"Quick {index}")
    db.session.commit()
    with pytest.raises(Invalid, match="You are posting too quickly: at most 3 messages in 1 minute"):
        threads_service.reply(world.en_thread, author=writer, body="One more")
    db.session.rollback()
    login(client, writer)
    response = client.post(f"/t/{world.en_thread.id}/reply", data={"body": "One more"})
    text = response.get_data(as_text=True)
    assert "You are posting too quickly" in text and "One more" in text  # the text is kept in the form
    frozen_clock.advance(seconds=61)
    assert client.post(f"/t/{world.en_thread.id}/reply", data={"body": "One more"}).status_code == 302
    # The room's moderators are exempt.
    for index in range(5):
        threads_service.reply(world.en_thread, author=world.chief, body=f"Summary {index}")


def test_rate_limit_can_be_switched_off(world, make_user, app):
    app.config["POST_RATE_LIMIT"] = "1 per hour"
    app.config["RATELIMIT_ENABLED"] = False
    writer = make_user(state="JPN")
    for index in range(3):
        threads_service.reply(world.en_thread, author=writer, body=f"Quick {index}")


def test_new_members_are_limited_in_links(client, login, world, make_user, app, frozen_clock):
    app.config.update(NEW_MEMBER_DAYS=7, NEW_MEMBER_MAX_LINKS=2)
    newcomer = make_user(state="JPN")
    body = "See https://a.example.org, https://b.example.org and www.c.org"
    with pytest.raises(Invalid, match="as a new member you may put at most 2 links in a message; this one has 3"):
        threads_service.reply(world.en_thread, author=newcomer, body=body)
    db.session.rollback()
    login(client, newcomer)
    assert "at most 2 links" in client.post(f"/t/{world.en_thread.id}/reply", data={"body": body}).get_data(
        as_text=True
    )
    threads_service.reply(world.en_thread, author=newcomer, body="See https://a.example and https://b.example")
    frozen_clock.advance(days=8)
    threads_service.reply(world.en_thread, author=newcomer, body=body)
    threads_service.reply(world.en_thread, author=world.chief, body=body + " https://d.example")


def test_the_link_limit_counts_links_as_shown_and_says_until_when(client, login, world, make_user, app, frozen_clock):
    app.config.update(NEW_MEMBER_DAYS=7, NEW_MEMBER_MAX_LINKS=2)
    frozen_clock.set(datetime(2026, 11, 30, 9, 0, tzinfo=UTC))
    newcomer = make_user(state="JPN")
    # Two official links are two, not four ("https://" and "www." each used to count).
    threads_service.reply(world.en_thread, author=newcomer, body="https://www.wipo.int and https://www.example.org")
    # The refusal names the day the limit ends rather than "your first 1 week".
    login(client, newcomer)
    page = client.post(
        f"/t/{world.en_thread.id}/reply",
        data={"body": "https://www.a.org https://www.b.org https://www.c.org"},
    ).get_data(as_text=True)
    assert "Until December 7, 2026, as a new member you may put at most 2 links in a message; this one has 3." in page


def test_blocked_terms_hold_a_post_for_a_moderator(client, login, world, make_user, blocked_terms):
    writer = make_user(state="JPN", name="Haruto Sato")
    threads_service.set_watching(world.reader, world.en_thread, True)
    post = threads_service.reply(world.en_thread, author=writer, body="Great deals on VIAGRA here")
    db.session.commit()
    assert post.state == PostState.held
    assert _notifications(world.reader, "reply") == []
    [hold] = _events("post.hold")
    assert hold.actor_id is None and hold.details["terms"] == ["viagra"]

    login(client, writer)
    page = client.get(f"/t/{world.en_thread.id}").get_data(as_text=True)
    assert "This message is awaiting moderation." in page and "Great deals" in page
    login(client, world.reader)
    page = client.get(f"/t/{world.en_thread.id}").get_data(as_text=True)
    assert "This message is awaiting moderation." in page and "Great deals" not in page

    login(client, world.chief)
    assert "Held: awaiting approval" in client.get("/moderation").get_data(as_text=True)
    assert client.post(f"/moderation/posts/{post.id}/approve", data={}).status_code == 302
    assert _fresh(post).state == PostState.visible
    assert _notifications(writer, "post_approved") and _notifications(world.reader, "reply")


def test_blocked_terms_match_whole_words_only(world, make_user, blocked_terms):
    writer = make_user(state="JPN")
    assert (
        threads_service.reply(world.en_thread, author=writer, body="Viagrafication is not a word").state
        == PostState.visible
    )
    assert threads_service.reply(world.en_thread, author=writer, body="No cheap  loans").state == PostState.visible
    assert threads_service.reply(world.en_thread, author=writer, body="Cheap loans!").state == PostState.held


def test_blocked_terms_in_a_title_are_refused_and_edits_are_held(world, make_user, blocked_terms, room):
    writer = make_user(state="JPN")
    with pytest.raises(Invalid, match="The title contains a term that is not allowed"):
        threads_service.start_thread(room, author=writer, title="Cheap loans for offices", body="Hello")
    db.session.rollback()
    thread = threads_service.start_thread(room, author=writer, title="Office budgets", body="Try viagra")
    assert _first_post(thread).state == PostState.held
    post = threads_service.reply(world.en_thread, author=writer, body="A clean message")
    threads_service.edit_post(post, editor=writer, body="A clean message with viagra")
    assert post.state == PostState.held
    assert len(_events("post.hold")) == 2


# Supervision of language moderators ----------------------------------------------------------


def test_done_scenario_from_gate_to_reversal(client, login, world, make_user):
    """The issue's definition of done, through the web."""
    newcomer = make_user(state="POL", name="Zofia Nowak", accepted_protocol=False)
    login(client, newcomer)
    assert "Accept the usage protocol to post" in client.get(f"/t/{world.fr_thread.id}").get_data(as_text=True)
    client.post("/protocol/accept", data={"version": "1", "confirm": "y"})
    assert (
        client.post(f"/t/{world.fr_thread.id}/reply", data={"body": "Un avis tranché et blessant"}).status_code == 302
    )
    post = db.session.scalar(select(Post).where(Post.author_id == newcomer.id))

    login(client, world.reader)
    assert client.post(f"/p/{post.id}/flag", data={"clause": "3.2", "note": "Blessant"}).status_code == 302

    login(client, world.langmod)
    assert (
        client.post(
            f"/moderation/posts/{post.id}/hide", data={"hide-clause": "3.2", "hide-reason": "Propos blessants"}
        ).status_code
        == 302
    )
    [hide] = _events("post.hide")

    login(client, world.chief)
    page = client.get("/moderation/supervision").get_data(as_text=True)
    assert "Léa Modératrice" in page and "Hid a message" in page and f"/moderation/acts/{hide.id}/reverse" in page
    assert "Propos blessants" in client.get(f"/moderation/acts/{hide.id}/reverse").get_data(as_text=True)
    response = client.post(f"/moderation/acts/{hide.id}/reverse", data={"reason": "Sharp but courteous"})
    assert response.status_code == 302
    assert _fresh(post).state == PostState.visible
    assert db.session.scalar(select(Flag.status)) == FlagStatus.dismissed
    page = client.get("/moderation/supervision").get_data(as_text=True)
    assert "Reversed on" in page and "Sharp but courteous" in page

    actions = [(e.action, e.actor_id) for e in _events()]
    assert actions == [("post.hide", world.langmod.id), ("act.reverse", world.chief.id)]
    reversal = _events("act.reverse")[0]
    assert reversal.details["reverses"] == hide.id and reversal.target_id == post.id
    assert db.session.get(ReversedAct, hide.id).reversal_event_id == reversal.id
    audit_page = client.get("/moderation/audit").get_data(as_text=True)
    assert "Reversed a language moderator&#39;s act" in audit_page and "Hid a message" in audit_page
    assert _notifications(newcomer, "post_hidden") and _notifications(newcomer, "post_restored")


def _reversal_cases():
    def restore(w):
        service.hide_post(w.fr_post, by=w.chief, clause="3.3", reason="Political")
        event = service.restore_post(w.fr_post, by=w.langmod, reason="Not political")
        return event, lambda: _fresh(w.fr_post).state == PostState.hidden and _fresh(w.fr_post).state_clause == "3.3"

    def approve(w):
        w.fr_post.state = PostState.held
        event = service.approve_post(w.fr_post, by=w.langmod)
        return event, lambda: _fresh(w.fr_post).state == PostState.held

    def dismiss(w):
        service.flag_post(w.fr_post, by=w.reader, clause="3.2")
        event = service.dismiss_flags(w.fr_post, by=w.langmod)
        return event, lambda: db.session.scalar(select(Flag.status)) == FlagStatus.open

    def warn(w):
        event = service.warn_user(w.author, by=w.langmod, clause="3.2", reason="Tone", post=w.fr_post)
        return event, lambda: db.session.scalar(select(Sanction.lifted_at)) is not None

    def hide_held(w):
        w.fr_post.state = PostState.held
        event = service.hide_post(w.fr_post, by=w.langmod, clause="3.4", reason="Spam")
        return event, lambda: _fresh(w.fr_post).state == PostState.held

    def _last_event():
        return db.session.scalar(select(AuditEvent).order_by(AuditEvent.id.desc()))

    def pin(w):
        threads_service.set_pinned(w.fr_thread, True, by=w.langmod)
        return _last_event(), lambda: not _fresh(w.fr_thread).pinned

    def lock(w):
        threads_service.set_locked(w.fr_thread, True, by=w.langmod)
        return _last_event(), lambda: not _fresh(w.fr_thread).locked

    def move(w):
        threads_service.move_thread(w.fr_thread, get_room("strategies-fr"), by=w.langmod)
        return _last_event(), lambda: _fresh(w.fr_thread).room.slug == "capacity-fr"

    return [restore, approve, dismiss, warn, hide_held, pin, lock, move]


@pytest.mark.parametrize("case", _reversal_cases(), ids=lambda case: case.__name__)
def test_chief_moderator_reverses_each_kind_of_act(world, case):
    event, reversed_ = case(world)
    db.session.commit()
    service.reverse_act(event, by=world.chief, reason="On reflection")
    db.session.commit()
    assert reversed_()
    with pytest.raises(Invalid, match="already reversed"):
        service.reverse_act(event, by=world.chief, reason="Again")


def test_only_language_moderators_acts_are_reversed_and_with_a_reason(client, login, world):
    chiefs_act = service.hide_post(world.en_post, by=world.chief, clause="3.2", reason="Rude")
    langmods_act = service.hide_post(world.fr_post, by=world.langmod, clause="3.2", reason="Rude")
    db.session.commit()
    login(client, world.chief)
    assert client.post(f"/moderation/acts/{chiefs_act.id}/reverse", data={"reason": "x"}).status_code == 403
    empty = client.post(f"/moderation/acts/{langmods_act.id}/reverse", data={"reason": ""})
    assert empty.status_code == 400 and "Give a reason" in empty.get_data(as_text=True)
    assert _fresh(world.fr_post).state == PostState.hidden
    # A reversal that no longer applies says so instead of failing.
    service.restore_post(world.fr_post, by=world.chief, reason="Restored meanwhile")
    db.session.commit()
    stale = client.post(f"/moderation/acts/{langmods_act.id}/reverse", data={"reason": "x"})
    assert stale.status_code == 400 and "no longer hidden" in stale.get_data(as_text=True)
    assert [e.action for e in _events()] == ["post.hide", "post.hide", "post.restore"]


def test_supervision_names_what_each_act_concerned_and_offers_to_reverse_thread_acts(client, login, world):
    threads_service.set_pinned(world.fr_thread, True, by=world.langmod)
    threads_service.move_thread(world.fr_thread, get_room("strategies-fr"), by=world.langmod)
    db.session.commit()
    login(client, world.chief)
    page = client.get("/moderation/supervision").get_data(as_text=True)
    assert "threads #" not in page
    assert f'<a href="/t/{world.fr_thread.id}" dir="auto">Thread “Évaluer une stratégie”</a>' in page
    assert page.count(">Reverse</a>") == 2
    pin_event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "thread.pin"))
    client.post(f"/moderation/acts/{pin_event.id}/reverse", data={"reason": "Not worth pinning"})
    assert not _fresh(world.fr_thread).pinned


def test_moderators_see_moderate_links_on_posts_of_their_languages(client, login, world):
    login(client, world.langmod)
    assert f'href="/moderation/posts/{world.fr_post.id}"' in client.get(f"/t/{world.fr_thread.id}").get_data(
        as_text=True
    )
    assert f'href="/moderation/posts/{world.en_post.id}"' not in client.get(f"/t/{world.en_thread.id}").get_data(
        as_text=True
    )
    assert 'href="/moderation"' in client.get("/").get_data(as_text=True)
    page = client.get(f"/moderation/posts/{world.fr_post.id}").get_data(as_text=True)
    assert "Hide the message" in page and "Warn the author" in page


def test_user_record_lists_sanctions(client, login, world):
    service.warn_user(world.author, by=world.chief, clause="3.4", reason="No ads please")
    db.session.commit()
    login(client, world.langmod)
    page = client.get(f"/moderation/users/{world.author.id}").get_data(as_text=True)
    assert "No ads please" in page
    assert "Suspend the account" not in page  # language moderators do not suspend
    login(client, world.chief)
    page = client.get(f"/moderation/users/{world.author.id}").get_data(as_text=True)
    assert "Suspend the account" in page and "Until lifted" in page


def test_user_deactivated_by_an_admin_shows_as_such(client, login, world, make_user):
    world.author.active = False
    db.session.commit()
    login(client, world.chief)
    assert "Deactivated" in client.get(f"/moderation/users/{world.author.id}").get_data(as_text=True)
    assert isinstance(db.session.get(User, world.author.id), User)
