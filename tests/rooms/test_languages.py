"""Content languages and categories added by administrators get their rooms; nothing is ever deleted."""

import pytest
from sqlalchemy import func, select

from forum.audit import AuditEvent
from forum.extensions import db
from forum.rooms.models import Category, Language, Room


def _rooms(language=None):
    query = select(func.count(Room.id))
    if language:
        query = query.where(Room.language_code == language)
    return db.session.scalar(query)


def test_default_rooms_one_per_category_and_language(app):
    assert _rooms() == 6 * 3
    assert {code for code in db.session.scalars(select(Language.code))} == {"en", "fr", "es"}


def test_admin_adds_portuguese_and_its_rooms_appear(client, make_user, login):
    login(client, make_user("admin"))
    response = client.post("/admin/languages", data={"code": "pt"})
    assert response.status_code == 302
    assert _rooms("pt") == 6
    language = db.session.get(Language, "pt")
    assert language.native_name == "Português" and language.direction == "ltr"
    assert db.session.scalar(select(AuditEvent.action).where(AuditEvent.action == "language.add")) == "language.add"
    login(client, make_user())
    assert client.get("/rooms/capacity-pt").status_code == 200


def test_arabic_content_language_is_right_to_left(app, make_user):
    from forum.rooms.service import add_language

    assert add_language("ar", by=make_user("admin")).direction == "rtl"


def test_adding_a_language_twice_adds_nothing(app, make_user):
    from forum.rooms.service import add_language

    admin = make_user("admin")
    add_language("pt", by=admin)
    add_language("pt", by=admin)
    assert _rooms("pt") == 6


@pytest.mark.parametrize("code", ["p1!", "xx", "klingon", "tlh", "-", "pt--"])
def test_bad_or_unknown_language_code_is_refused(client, make_user, login, code):
    login(client, make_user("admin"))
    response = client.post("/admin/languages", data={"code": code}, follow_redirects=True)
    assert response.status_code == 200
    assert "Unknown language code. Use a code such as pt, sw or pt-br." in response.get_data(as_text=True)
    assert _rooms() == 18
    assert db.session.scalar(select(func.count(Language.code))) == 3


def test_a_regional_code_babel_knows_is_accepted(app, make_user):
    from forum.rooms.service import add_language

    language = add_language("pt-BR", by=make_user("admin"))
    assert language.code == "pt-br" and language.native_name == "Português (Brasil)"


def test_cli_refuses_an_unknown_language_in_one_line(app):
    result = app.test_cli_runner().invoke(args=["forum", "add-language", "xx"])
    assert result.exit_code == 1
    assert result.output.strip() == "Unknown language code. Use a code such as pt, sw or pt-br."
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert _rooms() == 18


def test_deactivating_hides_rooms_and_deletes_nothing(client, make_user, login, make_thread):
    from forum.rooms.service import get_room

    delegate = make_user()
    make_thread(get_room("capacity-es"), delegate, title="Hilo guardado")
    login(client, make_user("admin"))
    client.post("/admin/languages/es/active", data={"active": "0"})
    assert _rooms("es") == 6
    login(client, delegate)
    assert client.get("/rooms/capacity-es").status_code == 404
    login(client, make_user("admin"))
    client.post("/admin/languages/es/active", data={"active": "1"})
    login(client, delegate)
    assert "Hilo guardado" in client.get("/rooms/capacity-es").get_data(as_text=True)


def test_cli_add_language(app):
    result = app.test_cli_runner().invoke(args=["forum", "add-language", "pt"])
    assert result.exit_code == 0, result.output
    assert _rooms("pt") == 6


def test_admin_adds_a_category_with_rooms_in_every_language(client, make_user, login):
    login(client, make_user("admin"))
    response = client.post("/admin/categories", data={"code": "ip-offices", "name": "IP office management"})
    assert response.status_code == 302
    category = db.session.scalar(select(Category).where(Category.code == "ip-offices"))
    assert {room.language_code for room in category.rooms} == {"en", "fr", "es"}
    page = client.get("/admin/categories").get_data(as_text=True)
    assert "Translations missing" in page
    client.post(f"/admin/categories/{category.id}", data={"language": "fr", "name": "Gestion des offices de PI"})
    db.session.refresh(category)
    assert category.text("fr")[0] == "Gestion des offices de PI"
    assert category.text("es")[0] == "IP office management"


def test_cli_add_category(app):
    result = app.test_cli_runner().invoke(args=["forum", "add-category", "ip-offices", "IP office management"])
    assert result.exit_code == 0, result.output
    assert _rooms() == 21


def test_only_admins_manage_languages_and_categories(client, make_user, login):
    login(client, make_user("moderator"))
    assert client.post("/admin/languages", data={"code": "pt"}).status_code == 403
    assert client.post("/admin/categories", data={"code": "x", "name": "X"}).status_code == 403
    assert _rooms() == 18


def test_language_moderator_of_a_new_language_moderates_only_there(client, make_user, login, make_thread):
    from forum.rooms.service import get_room

    admin = make_user("admin")
    login(client, admin)
    client.post("/admin/languages", data={"code": "pt"})
    moderator = make_user("language_moderator")
    response = client.post(
        f"/admin/accounts/{moderator.id}",
        data={
            "display_name": moderator.display_name,
            "role": "language_moderator",
            "member_state": "",
            "active": "y",
            "languages": ["pt"],
        },
    )
    assert response.status_code == 302
    assert (
        db.session.scalar(select(AuditEvent.action).where(AuditEvent.action == "account.languages"))
        == "account.languages"
    )
    author = make_user()
    in_portuguese = make_thread(get_room("capacity-pt"), author, title="Em português")
    in_english = make_thread(get_room("capacity-en"), author, title="In English")
    login(client, moderator)
    assert client.post(f"/t/{in_portuguese.id}/pin", data={"pinned": "1"}).status_code == 302
    assert client.post(f"/t/{in_english.id}/pin", data={"pinned": "1"}).status_code == 403
    assert client.get("/moderation").status_code == 200


def test_a_renamed_category_is_shown_by_the_pages_that_name_it_without_reading_its_translations(
    client, make_user, login, make_thread, count_queries
):
    """Pages read a category's names from its own row (Category.texts), which the administrator's edit keeps equal to
    the translations: the new name shows at once, and no page naming a category queries its translations."""
    from forum.rooms.service import get_room

    room = get_room("capacity-fr")
    thread = make_thread(room, make_user(), title="Fil")
    login(client, make_user("admin"))
    response = client.post(f"/admin/categories/{room.category_id}", data={"language": "fr", "name": "Nouveau nom"})
    assert response.status_code == 302
    category = db.session.get(Category, room.category_id)
    db.session.refresh(category)
    assert category.texts["fr"][0] == "Nouveau nom"
    assert {code: text[0] for code, text in category.texts.items()} == {
        t.language_code: t.name for t in category.translations
    }

    login(client, make_user(locale="fr"))
    for path in ("/", "/rooms/capacity-fr", f"/t/{thread.id}", "/search?q=Fil"):
        with count_queries() as counter:
            page = client.get(path).get_data(as_text=True)
        assert "Nouveau nom" in page, path
        assert not [statement for statement in counter.statements if "category_translations" in statement], path
