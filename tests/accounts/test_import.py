"""Creating accounts one by one and from CSV: all or nothing, errors by line."""

import io

from sqlalchemy import func, select

from forum.accounts.models import User
from forum.audit import AuditEvent
from forum.extensions import db

GOOD = "email,display_name,member_state,role\nana@example.org,Ana Pereira,PRT,delegate\nli@example.org,Li Wei,CHN,\n"


def _count_users():
    return db.session.scalar(select(func.count(User.id)))


def test_admin_imports_good_csv(client, make_user, login, outbox):
    admin = make_user("admin")
    login(client, admin)
    response = client.post("/admin/accounts/import", data={"text": GOOD})
    assert response.status_code == 302
    ana = db.session.scalar(select(User).where(User.email == "ana@example.org"))
    assert ana.member_state.code == "PRT"
    assert ana.password_hash is None
    assert len(outbox("ana@example.org")) == 1
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "account.create")) == 2


def test_csv_upload_as_file(client, make_user, login):
    login(client, make_user("admin"))
    response = client.post(
        "/admin/accounts/import",
        data={"file": (io.BytesIO(("\ufeff" + GOOD).encode()), "people.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    assert db.session.scalar(select(User).where(User.email == "li@example.org")) is not None


def test_bad_rows_are_reported_by_line_and_nothing_is_imported(client, make_user, login, outbox):
    login(client, make_user("admin", email="boss@example.org"))
    make_user(email="taken@example.org")
    before = _count_users()
    csv = (
        "email,display_name,member_state,role\n"
        "ok@example.org,Fine Person,FRA,delegate\n"
        "not-an-email,Bad Email,FRA,delegate\n"
        "x@example.org,Bad State,ATLANTIS,delegate\n"
        "y@example.org,Bad Role,FRA,emperor\n"
        "taken@example.org,Taken,FRA,delegate\n"
        "ok@example.org,Twice,FRA,delegate\n"
        "z@example.org,,FRA,delegate\n"
    )
    response = client.post("/admin/accounts/import", data={"text": csv})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Line 3:" in page and "not a valid e-mail address" in page
    assert "Line 4:" in page and "Unknown member state" in page
    assert "Line 5:" in page and "Unknown role" in page
    assert "Line 6:" in page and "already exists" in page
    assert "Line 7:" in page and "appears twice" in page
    assert "Line 8:" in page and "display name is required" in page
    assert _count_users() == before
    assert outbox() == []


def test_missing_columns_are_reported(client, make_user, login):
    login(client, make_user("admin"))
    response = client.post("/admin/accounts/import", data={"text": "mail,name\na@b.org,A\n"})
    assert response.status_code == 400
    assert "Missing columns" in response.get_data(as_text=True)


def test_empty_file_is_refused(client, make_user, login):
    login(client, make_user("admin"))
    assert client.post("/admin/accounts/import", data={"text": ""}).status_code == 400


def test_non_admin_cannot_import(client, make_user, login):
    login(client, make_user("moderator"))
    assert client.post("/admin/accounts/import", data={"text": GOOD}).status_code == 403
    assert db.session.scalar(select(User).where(User.email == "ana@example.org")) is None


def test_cli_import_all_or_nothing(app, tmp_path):
    runner = app.test_cli_runner()
    good = tmp_path / "good.csv"
    good.write_text(GOOD, encoding="utf-8")
    bad = tmp_path / "bad.csv"
    bad.write_text(GOOD + "bad,Bad,FRA,delegate\n", encoding="utf-8")
    result = runner.invoke(args=["forum", "import-delegates", str(bad)])
    assert result.exit_code == 1
    assert "line 4" in result.output
    assert db.session.scalar(select(User).where(User.email == "ana@example.org")) is None
    result = runner.invoke(args=["forum", "import-delegates", str(good)])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(User).where(User.email == "ana@example.org")) is not None


def test_admin_creates_one_account(client, make_user, login, outbox):
    login(client, make_user("admin"))
    response = client.post(
        "/admin/accounts/new",
        data={
            "email": "New.Person@Example.org",
            "display_name": "New Person",
            "role": "delegate",
            "member_state": "KEN",
        },
    )
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.email == "new.person@example.org"))
    assert user.member_state.code == "KEN"
    assert "/activate/" in outbox("new.person@example.org")[0].body


def test_delegate_without_member_state_is_refused(client, make_user, login):
    login(client, make_user("admin"))
    before = _count_users()
    response = client.post(
        "/admin/accounts/new",
        data={"email": "a@example.org", "display_name": "A", "role": "delegate", "member_state": ""},
    )
    assert b"A delegate must belong to a member state." in response.data
    assert _count_users() == before


def test_admin_changes_role_and_it_is_audited(client, make_user, login):
    admin = make_user("admin")
    user = make_user()
    login(client, admin)
    response = client.post(
        f"/admin/accounts/{user.id}",
        data={
            "display_name": user.display_name,
            "role": "language_moderator",
            "member_state": "",
            "active": "y",
            "languages": ["fr"],
        },
    )
    assert response.status_code == 302
    db.session.refresh(user)
    assert user.role.value == "language_moderator"
    assert user.moderated_language_codes == {"fr"}
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.target_id == user.id)).all()
    assert "account.update" in actions and "account.languages" in actions


def test_admin_cannot_demote_themselves(client, make_user, login):
    admin = make_user("admin")
    login(client, admin)
    response = client.post(
        f"/admin/accounts/{admin.id}",
        data={"display_name": "x", "role": "delegate", "member_state": "FRA", "active": "y"},
    )
    assert b"You cannot change your own role" in response.data
    db.session.refresh(admin)
    assert admin.role.value == "admin"


def test_outbox_page_shows_activation_links_to_admins_only(client, make_user, login):
    admin = make_user("admin")
    login(client, admin)
    client.post(
        "/admin/accounts/new", data={"email": "p@example.org", "display_name": "P", "role": "staff", "member_state": ""}
    )
    page = client.get("/admin/outbox").get_data(as_text=True)
    assert "/activate/" in page
    login(client, make_user("moderator"))
    assert client.get("/admin/outbox").status_code == 403


def test_an_existing_account_on_a_reserved_domain_is_reported_as_existing(client, make_user, login):
    # The demo's addresses end in .test, which the syntax check refuses for new accounts: a re-import
    # must still say what is true of the row, that the account exists.
    make_user(email="delegate.fr@forum.test")
    login(client, make_user("admin"))
    csv_text = "email,display_name,member_state\nDelegate.FR@forum.test,Claire,FRA\nnew@forum.test,New,FRA\n"
    page = client.post("/admin/accounts/import", data={"text": csv_text}).get_data(as_text=True)
    assert "Line 2: An account with this e-mail address already exists." in page
    assert "Line 3: This is not a valid e-mail address." in page


def test_cli_reports_the_count_without_a_broken_plural(app, tmp_path):
    single = tmp_path / "one.csv"
    single.write_text("email,display_name,member_state\nana@example.org,Ana Pereira,PRT\n", encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["forum", "import-delegates", str(single)])
    assert result.exit_code == 0, result.output
    assert "Accounts created: 1;" in result.output
