"""The security events log (issue #14): what is recorded, who may read it, the CSV export."""

import csv
import io

import pytest
from sqlalchemy import select

from forum.csvsafe import safe_cell as csv_safe
from forum.extensions import db
from forum.twofactor.models import SecurityEvent, SecurityLogIsAppendOnly
from forum.twofactor.service import record_event
from tests.conftest import PASSWORD


def _kinds():
    return [event.kind for event in db.session.scalars(select(SecurityEvent).order_by(SecurityEvent.id))]


def test_sign_in_success_failure_logout_and_password_change_are_recorded(client, make_user):
    user = make_user()
    client.post("/login", data={"email": user.email, "password": "wrong password!!"})
    client.post("/login", data={"email": "nobody@example.org", "password": "whatever"})
    client.post("/login", data={"email": user.email, "password": PASSWORD})
    client.post(
        "/profile",
        data={
            "password-current_password": PASSWORD,
            "password-password": "another long passphrase here",
            "password-confirm": "another long passphrase here",
        },
    )
    client.post("/login", data={"email": user.email, "password": "another long passphrase here"})
    client.post("/logout")
    assert _kinds() == [
        "login.failure",
        "login.failure",
        "login.success",
        "password.change",
        "login.success",
        "session.logout",
    ]
    events = db.session.scalars(select(SecurityEvent).order_by(SecurityEvent.id)).all()
    assert events[1].email == "nobody@example.org" and events[1].user_id is None
    # No secret is ever stored.
    for event in events:
        text = repr(event.details) + event.email
        assert PASSWORD not in text and "wrong password" not in text and "another long" not in text


class TestLockout:
    @pytest.fixture
    def config_overrides(self):
        return {"LOGIN_LIMIT_PER_ACCOUNT": "2 per 10 minutes"}

    def test_a_lockout_is_recorded(self, client, make_user):
        user = make_user()
        for _ in range(2):
            client.post("/login", data={"email": user.email, "password": "wrong password!!"})
        assert client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 429
        assert _kinds()[-1] == "login.lockout"


def test_events_are_append_only(app, make_user):
    event = record_event("login.success", make_user())
    db.session.commit()
    event.kind = "login.failure"
    with pytest.raises(SecurityLogIsAppendOnly):
        db.session.commit()
    db.session.rollback()


@pytest.mark.parametrize(
    "role,status", [("delegate", 403), ("staff", 403), ("language_moderator", 403), ("moderator", 403), ("admin", 200)]
)
def test_only_admins_see_the_log(client, make_user, login, role, status):
    login(client, make_user(role, languages=("fr",) if role == "language_moderator" else ()))
    assert client.get("/admin/security-events").status_code == status
    assert client.get("/admin/security-events.csv").status_code == status
    # The same answer as the other admin pages.
    assert client.get("/admin/accounts").status_code == status


def test_filters_by_kind_email_and_date_and_pages(client, make_user, login, frozen_clock):
    admin = make_user("admin")
    alice = make_user(email="alice@example.org")
    for _ in range(3):
        record_event("login.failure", email="alice@example.org")
    record_event("login.success", alice)
    frozen_clock.advance(days=2)
    record_event("login.success", alice)
    db.session.commit()
    login(client, admin)
    page = client.get("/admin/security-events?kind=login.failure").data.decode()
    assert page.count("alice@example.org") == 3
    page = client.get("/admin/security-events?kind=login.success&email=ALICE@example.org&date=2026-11-23").data.decode()
    assert page.count("<tr><td>") == 1
    page = client.get("/admin/security-events?date=2026-11-25").data.decode()
    assert page.count("alice@example.org") == 1
    assert client.get("/admin/security-events?page=99999999999999999999&kind=bogus&date=nonsense").status_code == 200


def test_csv_export_cells_are_formula_safe(client, make_user, login):
    admin = make_user("admin")
    for address in (
        "=cmd|' /C calc'!A0@x.org",
        "+1@x.org",
        "-2@x.org",
        "@sum@x.org",
        "%x@x.org",
        "|p@x.org",
        "\tt@x.org",
        "\rr@x.org",
        "plain@x.org",
    ):
        record_event("login.failure", email=address)
    db.session.commit()
    login(client, admin)
    response = client.get("/admin/security-events.csv?kind=login.failure")
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.data.decode())))
    assert rows[0][:3] == ["time_utc", "kind", "email"]
    emails = [row[2] for row in rows[1:]]
    assert "plain@x.org" in emails
    for email in emails:
        if email != "plain@x.org":
            assert email.startswith("'"), email


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1", "@A1", "\tx", "\rx", "|x", "%x"])
def test_csv_safe_quotes_formula_starts(value):
    assert csv_safe(value) == "'" + value
    assert csv_safe("ok " + value) == "ok " + value
