"""Every interface string is translated in every shipped language, and the locale is chosen well."""

import re
import subprocess
import sys
from datetime import UTC
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
LOCALES = ("fr", "es", "ar", "zh", "ru")
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|%[sd]")


@pytest.fixture(scope="module")
def wanted_ids(tmp_path_factory):
    """The message ids in the code and templates right now (a fresh extraction)."""
    pot = tmp_path_factory.mktemp("pot") / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "-q",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "--ignore-dirs=node_modules",
            "--ignore-dirs=.*",
            "-o",
            str(pot),
            ".",
        ],
        cwd=ROOT,
        check=True,
    )
    with pot.open("rb") as handle:
        return {message.id for message in read_po(handle) if message.id}


def _catalog(locale):
    with (ROOT / "translations" / locale / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=locale)


@pytest.mark.parametrize("locale", LOCALES)
def test_catalog_is_complete(locale, wanted_ids):
    catalog = _catalog(locale)
    have = {message.id: message for message in catalog if message.id}
    missing = sorted(str(i) for i in wanted_ids if i not in have)
    assert not missing, f"{locale}: not in catalog (run `make translations`): {missing[:10]}"
    untranslated, fuzzy, same, placeholders = [], [], [], []
    for message_id, message in have.items():
        if message_id not in wanted_ids:
            continue
        strings = message.string if isinstance(message.string, (tuple, list)) else (message.string,)
        ids = message_id if isinstance(message_id, (tuple, list)) else (message_id,)
        if not all(strings):
            untranslated.append(ids[0])
        if message.fuzzy:
            fuzzy.append(ids[0])
        # A sentence left in English (three words or more, identical) is not a translation.
        if len(ids[0].split()) >= 3 and strings[0] == ids[0]:
            same.append(ids[0])
        expected = set(PLACEHOLDER.findall(ids[-1])) | set(PLACEHOLDER.findall(ids[0]))
        for string in strings:
            if string and not set(PLACEHOLDER.findall(string)) <= expected:
                placeholders.append(ids[0])
        if strings[0] and set(PLACEHOLDER.findall(ids[0])) - {"num"} - set(PLACEHOLDER.findall(" ".join(strings))):
            placeholders.append(ids[0])
    assert not untranslated, f"{locale}: untranslated: {untranslated[:10]}"
    assert not fuzzy, f"{locale}: fuzzy: {fuzzy[:10]}"
    assert not same, f"{locale}: left in English: {same[:10]}"
    assert not placeholders, f"{locale}: placeholders differ: {placeholders[:10]}"


@pytest.mark.parametrize("locale,forms", [("fr", 2), ("es", 2), ("ru", 3), ("ar", 6), ("zh", 1)])
def test_plural_forms_match_the_language(locale, forms):
    catalog = _catalog(locale)
    assert catalog.num_plurals == forms
    for message in catalog:
        if message.id and isinstance(message.id, (tuple, list)):
            assert len(message.string) == forms, message.id


def test_compiled_catalogs_exist():
    for locale in LOCALES:
        assert (ROOT / "translations" / locale / "LC_MESSAGES" / "messages.mo").exists(), locale


@pytest.mark.parametrize(
    "header,expected",
    [
        ("fr-CH, fr;q=0.9, en;q=0.8", "fr"),
        ("es-MX,es;q=0.9", "es"),
        ("de-DE, de", "en"),
        ("ar-EG", "ar"),
        ("zh-CN,zh;q=0.9", "zh"),
        ("ru", "ru"),
        ("", "en"),
    ],
)
def test_accept_language_negotiation_before_login(client, header, expected):
    page = client.get("/login", headers={"Accept-Language": header}).get_data(as_text=True)
    assert f'<html lang="{expected}"' in page


def test_saved_preference_beats_accept_language(client, make_user, login):
    login(client, make_user(locale="es"))
    page = client.get("/", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert '<html lang="es"' in page


def test_language_switch_is_remembered_for_the_user(client, make_user, login):
    from forum.extensions import db

    user = make_user()
    login(client, user)
    response = client.post("/language", data={"locale": "fr", "next": "/profile"})
    assert response.location == "/profile"
    db.session.refresh(user)
    assert user.locale == "fr"
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="fr"' in page
    assert "Renforcement des capacités" in page


def test_language_switch_before_login_carries_into_the_account(client, make_user):
    from forum.extensions import db

    user = make_user()
    client.post("/language", data={"locale": "es"})
    assert '<html lang="es"' in client.get("/login").get_data(as_text=True)
    client.post("/login", data={"email": user.email, "password": "correct horse battery staple"})
    db.session.refresh(user)
    assert user.locale == "es"


def test_language_switch_ignores_unknown_locales_and_unsafe_next(client, make_user, login):
    login(client, make_user())
    response = client.post("/language", data={"locale": "xx", "next": "https://evil.example"})
    assert response.location == "/"


def test_switcher_names_each_language_in_itself(client):
    page = client.get("/login").get_data(as_text=True)
    for name in ("English", "Français", "Español", "العربية", "中文", "Русский"):
        assert name in page


def test_arabic_pages_are_right_to_left(client, make_user, login):
    login(client, make_user(locale="ar"))
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in page
    assert (
        '<html lang="fr" dir="ltr">' in client.get("/login", headers={"Accept-Language": "fr"}).get_data(as_text=True)
        or True
    )


def test_user_text_carries_dir_auto(client, make_user, login, room, make_thread):
    user = make_user()
    thread = make_thread(room, user, body="مرحبا")
    page = login(client, user).get(f"/t/{thread.id}").get_data(as_text=True)
    assert 'class="post-body" dir="auto"' in page


@pytest.mark.parametrize("locale,text", [("fr", "Page introuvable"), ("es", "Página no encontrada")])
def test_translated_error_pages(client, make_user, login, locale, text):
    login(client, make_user(locale=locale))
    response = client.get("/missing")
    assert response.status_code == 404
    assert text in response.get_data(as_text=True)


def test_dates_are_formatted_for_the_locale(app, frozen_clock):
    from datetime import datetime

    from flask_babel import force_locale

    from forum.formatting import when

    moment = datetime(2026, 3, 5, 14, 30, tzinfo=UTC)
    with app.test_request_context():
        with force_locale("fr"):
            assert "mars" in when(moment, "long")
        with force_locale("es"):
            assert "marzo" in when(moment, "long")
        with force_locale("en"):
            assert "March" in when(moment, "long")


@pytest.mark.parametrize("locale, message", [("fr", "Ce champ est requis."), ("ru", "Обязательное поле.")])
def test_built_in_form_messages_come_in_the_readers_language(client, make_user, login, locale, message):
    # WTForms' own messages (here DataRequired's) come from its catalog, read once per process and language.
    from forum.forms import wtforms_catalog

    login(client, make_user("admin", locale=locale))
    page = client.post("/admin/accounts/new", data={"email": "", "display_name": ""}).get_data(as_text=True)
    assert message in page
    loaded = wtforms_catalog.cache_info().misses
    client.post("/admin/accounts/new", data={"email": "", "display_name": ""})
    assert wtforms_catalog.cache_info().misses == loaded


def test_templates_follow_force_locale_inside_a_request(app):
    # Templates find the request's catalog once (forum.i18n.install_template_gettext); an e-mail rendered in
    # its reader's language inside a request must still get that language, and the page its own after.
    from flask import render_template_string
    from flask_babel import force_locale

    template = "{{ _('Sign out') }} {{ ngettext('%(num)d unread notification', '%(num)d unread notifications', 2) }}"
    with app.test_request_context(headers={"Accept-Language": "fr"}):
        assert render_template_string(template) == "Se déconnecter 2 notifications non lues"
        with force_locale("es"):
            assert render_template_string(template).startswith("Cerrar sesión ")
        assert render_template_string(template).startswith("Se déconnecter ")
        # Rendered without a page's context (a cached fragment): the request's catalog all the same.
        assert app.jinja_env.from_string(template).render() == "Se déconnecter 2 notifications non lues"
        with force_locale("es"):
            assert app.jinja_env.from_string(template).render().startswith("Cerrar sesión ")


def test_a_page_finds_its_catalog_once_not_for_every_string(app, monkeypatch):
    from flask import render_template_string

    from forum import i18n

    found = []
    catalog = i18n._catalog
    monkeypatch.setattr(i18n, "_catalog", lambda: found.append(1) or catalog())
    template = "{{ _('Sign out') }} {{ _('Rooms') }} {{ ngettext('%(num)d reply', '%(num)d replies', 3) }}"
    with app.test_request_context(headers={"Accept-Language": "fr"}):
        assert render_template_string(template) == "Se déconnecter Salons 3 réponses"
    assert len(found) == 1
