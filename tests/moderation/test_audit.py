"""The audit trail: browsing, filtering, CSV export, and that nothing changes it."""

import csv
import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from forum import audit
from forum.audit import AuditEvent
from forum.extensions import db
from forum.moderation import service
from forum.rooms.service import get_room
from forum.threads.models import Post


def _snapshot():
    return [
        (e.id, e.at, e.actor_id, e.action, e.target_type, e.target_id, e.reason, e.clause, dict(e.details or {}))
        for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))
    ]


@pytest.fixture
def acts(app, make_user, make_thread, frozen_clock):
    """A few days of moderation: a language moderator hides, the chief warns and suspends, the forum holds a post."""
    from types import SimpleNamespace

    w = SimpleNamespace()
    w.author = make_user(state="FRA", name="Camille Dupont", email="camille@example.org")
    w.other = make_user(state="KEN", name="Wanjiru Kamau", email="wanjiru@example.org")
    w.langmod = make_user("language_moderator", languages=("fr",), name="Léa Modératrice")
    w.chief = make_user("moderator", name="Moana Moderator")
    w.admin = make_user("admin", name="Ada Administrator")
    thread = make_thread(get_room("capacity-fr"), w.author, body="Un message")
    w.post = db.session.scalar(select(Post).where(Post.thread_id == thread.id))
    w.start = frozen_clock.now
    w.hide = service.hide_post(w.post, by=w.langmod, clause="3.2", reason="Rude")
    frozen_clock.advance(days=1)
    w.warn = service.warn_user(w.other, by=w.chief, clause="3.4", reason='=HYPERLINK("http://evil.example")')
    frozen_clock.advance(days=1)
    w.suspend = service.suspend_user(w.author, by=w.chief, clause="3.2", reason="Repeated insults", days=7)
    w.hold = audit.record(None, "post.hold", w.post, terms=["x"])
    db.session.commit()
    return w


def _listed_actions(page):
    return re.findall(
        r"<td>(Hid a message|Warned a user|Suspended a user|Held a message for moderation \(blocked term\))</td>", page
    )


def test_audit_log_shows_who_did_what_on_what_under_which_clause(client, login, acts):
    login(client, acts.chief)
    page = client.get("/moderation/audit").get_data(as_text=True)
    assert "4 events" in page
    # Newest first; the suspension and the hold happened at the same moment, the hold last.
    assert _listed_actions(page) == [
        "Held a message for moderation (blocked term)",
        "Suspended a user",
        "Warned a user",
        "Hid a message",
    ]
    assert "Léa Modératrice" in page and "Moana Moderator" in page and "The forum (automatic)" in page
    assert "Repeated insults" in page and "Message #1 in" in page and "Camille Dupont" in page


@pytest.mark.parametrize(
    "query, expected",
    [
        ("action=user.warn", ["Warned a user"]),
        ("actor={chief}", ["Suspended a user", "Warned a user"]),
        ("actor=system", ["Held a message for moderation (blocked term)"]),
        (
            "user=camille@example.org",
            ["Held a message for moderation (blocked term)", "Suspended a user", "Hid a message"],
        ),
        ("user=nobody@example.org", []),
        ("since={day1}", ["Held a message for moderation (blocked term)", "Suspended a user", "Warned a user"]),
        ("until={day0}", ["Hid a message"]),
        ("since={day1}&until={day1}", ["Warned a user"]),
        (
            "since=not-a-date",
            ["Held a message for moderation (blocked term)", "Suspended a user", "Warned a user", "Hid a message"],
        ),
    ],
)
def test_audit_log_filters(client, login, acts, query, expected):
    login(client, acts.admin)
    day0 = acts.start.date()
    url = "/moderation/audit?" + query.format(chief=acts.chief.id, day0=day0, day1=day0 + timedelta(days=1))
    response = client.get(url)
    assert response.status_code == 200
    assert _listed_actions(response.get_data(as_text=True)) == expected


def test_language_moderators_see_only_their_own_acts(client, login, acts):
    login(client, acts.langmod)
    page = client.get(f"/moderation/audit?actor={acts.chief.id}").get_data(as_text=True)
    assert _listed_actions(page) == ["Hid a message"]
    rows = list(csv.reader(io.StringIO(client.get("/moderation/audit.csv").get_data(as_text=True))))
    assert [row[4] for row in rows[1:]] == ["post.hide"]


@pytest.mark.parametrize("role", ["delegate", "staff"])
def test_audit_log_is_refused_to_members(client, login, make_user, role):
    login(client, make_user(role))
    assert client.get("/moderation/audit").status_code == 403
    assert client.get("/moderation/audit.csv").status_code == 403


def test_audit_log_exports_as_csv_with_the_same_filters(client, login, acts):
    login(client, acts.chief)
    response = client.get(f"/moderation/audit.csv?actor={acts.chief.id}")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="audit-')
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == list(service.CSV_COLUMNS)
    assert [row[4] for row in rows[1:]] == ["user.suspend", "user.warn"]
    warn = rows[2]
    assert warn[0] == str(acts.warn.id) and warn[3] == acts.chief.email and warn[7] == "3.4"
    # A reason typed like a formula is not run by a spreadsheet.
    assert warn[8].startswith("'=HYPERLINK")
    everything = list(csv.reader(io.StringIO(client.get("/moderation/audit.csv").get_data(as_text=True))))
    assert len(everything) == 5


def test_audit_log_pages_keep_their_filters(client, login, acts, make_user):
    for _index in range(60):
        audit.record(acts.chief, "thread.pin", None)
    db.session.commit()
    login(client, acts.chief)
    page = client.get("/moderation/audit?action=thread.pin").get_data(as_text=True)
    assert "60 events" in page
    [next_link] = re.findall(r'href="(/moderation/audit\?[^"]*)" rel="next"', page)
    assert "page=2" in next_link and "action=thread.pin" in next_link
    assert page.count("Pinned a thread") >= 50


def test_audit_log_queries_do_not_grow_with_events(client, login, acts, count_queries):
    login(client, acts.chief)

    def measure():
        client.get("/moderation/audit")
        db.session.expire_all()
        with count_queries() as counter:
            assert client.get("/moderation/audit").status_code == 200
        return counter.count

    small = measure()
    users = [acts.author, acts.other, acts.langmod, acts.admin]
    for index in range(80):
        audit.record(users[index % 4], "user.warn", users[(index + 1) % 4], reason=f"r{index}", clause="3.2")
        audit.record(acts.langmod, "post.hide", acts.post, reason=f"h{index}", clause="3.2")
    db.session.commit()
    assert measure() == small


# Append-only ---------------------------------------------------------------------------------


def test_the_audit_pages_only_read(app, client, login, acts):
    audit_rules = [rule for rule in app.url_map.iter_rules() if "audit" in rule.rule]
    assert {rule.endpoint for rule in audit_rules} == {"moderation.audit_log", "moderation.audit_csv"}
    for rule in audit_rules:
        assert rule.methods <= {"GET", "HEAD", "OPTIONS"}, rule
    login(client, acts.admin)
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        for url in ("/moderation/audit", "/moderation/audit.csv", f"/moderation/audit/{acts.hide.id}"):
            assert client.open(url, method=method).status_code in (404, 405), (method, url)


@pytest.mark.parametrize("role", ["admin", "moderator", "language_moderator"])
def test_no_route_changes_or_deletes_an_audit_event(app, client, login, acts, make_user, role):
    """Every route, every method, as each kind of moderator: existing events stay exactly as they were."""
    actor = {"admin": acts.admin, "moderator": acts.chief, "language_moderator": acts.langmod}[role]
    before = _snapshot()
    login(client, actor)
    rules = sorted(app.url_map.iter_rules(), key=lambda rule: rule.endpoint == "accounts.logout")
    for rule in rules:
        url = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(acts.hide.id) if "id" in m.group(1) else "x", rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            client.open(url, method=method, data={"reason": "x", "hide-reason": "x", "restore-reason": "x"})
    db.session.expire_all()
    after = _snapshot()
    assert after[: len(before)] == before


def test_the_orm_refuses_to_change_or_delete_an_event(acts):
    event = db.session.get(AuditEvent, acts.hide.id)
    event.reason = "Rewritten history"
    with pytest.raises(audit.AuditTrailIsAppendOnly):
        db.session.flush()
    db.session.rollback()
    db.session.delete(db.session.get(AuditEvent, acts.hide.id))
    with pytest.raises(audit.AuditTrailIsAppendOnly):
        db.session.flush()
    db.session.rollback()
    assert db.session.get(AuditEvent, acts.hide.id).reason == "Rude"


def test_a_reversal_is_a_new_event_and_leaves_the_reversed_one_unchanged(acts):
    before = _snapshot()
    reversal = service.reverse_act(acts.hide, by=acts.chief, reason="Not rude")
    db.session.commit()
    after = _snapshot()
    assert after[: len(before)] == before
    assert after[-1][0] == reversal.id and after[-1][3] == "act.reverse"
