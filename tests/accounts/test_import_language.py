"""The CSV import's optional `language` column: the interface language of each new account and its e-mails."""

from sqlalchemy import func, select

from forum.accounts.models import User
from forum.extensions import db

HEADER = "email,display_name,member_state,role,language\n"


def _user(email):
    return db.session.scalar(select(User).where(User.email == email))


def test_language_column_sets_the_account_language_and_its_activation_email(client, make_user, login, outbox):
    login(client, make_user("admin"))
    csv = (
        HEADER + "ana@example.org,Ana Pereira,PRT,delegate,es\nli@example.org,Li Wei,CHN,,ZH\nmo@example.org,Mo,FRA,,\n"
    )
    response = client.post("/admin/accounts/import", data={"text": csv})
    assert response.status_code == 302
    assert (_user("ana@example.org").locale, _user("li@example.org").locale) == ("es", "zh")
    # No language: the account follows the browser until its owner chooses.
    assert _user("mo@example.org").locale is None
    (spanish,) = outbox("ana@example.org")
    assert "Hola" in spanish.body or "foro" in spanish.body.lower()


def test_a_file_without_the_column_still_imports(client, make_user, login):
    login(client, make_user("admin"))
    response = client.post(
        "/admin/accounts/import", data={"text": "email,display_name,member_state\na@example.org,A,FRA\n"}
    )
    assert response.status_code == 302 and _user("a@example.org").locale is None


def test_an_unknown_language_is_a_clear_error_on_its_line_and_nothing_is_imported(client, make_user, login, outbox):
    login(client, make_user("admin"))
    before = db.session.scalar(select(func.count(User.id)))
    csv = (
        HEADER + "ok@example.org,Fine,FRA,delegate,fr\nbad@example.org,Bad,FRA,delegate,klingon\n<x>@e.org,X,FRA,,<b>\n"
    )
    response = client.post("/admin/accounts/import", data={"text": csv})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Line 3:" in page and "Unknown language “klingon”" in page and "en, fr, es, ar, zh, ru" in page
    assert "<b>" not in page.split("errors-heading")[1]
    assert db.session.scalar(select(func.count(User.id))) == before and outbox() == []


def test_the_cli_import_reads_the_language_column(app, tmp_path):
    path = tmp_path / "people.csv"
    path.write_text(HEADER + "ru@example.org,Ivan,RUS,delegate,ru\n")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["forum", "import-delegates", str(path)])
    assert result.exit_code == 0, result.output
    assert _user("ru@example.org").locale == "ru"
    path.write_text(HEADER + "xx@example.org,X,RUS,delegate,xx\n")
    result = runner.invoke(args=["forum", "import-delegates", str(path)])
    assert result.exit_code == 1 and "line 2: Unknown language “xx”" in result.output
