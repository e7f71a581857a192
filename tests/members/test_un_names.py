"""Member states as the United Nations names them (UNTERM short names), sorted as each language sorts."""

import json
from pathlib import Path

import pytest
from flask_babel import force_locale

from forum.members.data import MEMBER_STATES
from forum.members.service import (
    UN_NAMES_FILE,
    collation_key,
    find_state,
    state_name,
    states_sorted_by_name,
    un_names,
)


@pytest.mark.parametrize(
    "locale,code,name",
    [
        ("en", "KOR", "Republic of Korea"),
        ("en", "BOL", "Bolivia (Plurinational State of)"),
        ("en", "COD", "Democratic Republic of the Congo"),
        ("fr", "KOR", "République de Corée"),
        ("fr", "BOL", "Bolivie (État plurinational de)"),
        ("es", "KOR", "República de Corea"),
        ("ar", "KOR", "جمهورية كوريا"),
        ("zh", "KOR", "大韩民国"),
        ("ru", "KOR", "Республика Корея"),
        ("ar", "CIV", "كوت ديفوار"),
        ("zh", "GBR", "大不列颠及北爱尔兰联合王国"),
    ],
)
def test_names_are_the_un_short_names_in_the_reader_language(app, locale, code, name):
    with app.test_request_context(), force_locale(locale):
        assert state_name(code) == name


def test_every_member_state_has_a_un_name_in_all_six_languages():
    names = un_names()
    for code, _group in MEMBER_STATES:
        assert all(names[code][language] for language in ("en", "fr", "es", "ar", "zh", "ru")), code
    assert len(MEMBER_STATES) == 193


def test_the_data_file_records_its_source_and_the_forum_never_reads_the_package():
    document = json.loads(Path(UN_NAMES_FILE).read_text(encoding="utf-8"))
    assert document["source"].startswith("hdx-python-country ")
    assert "scripts/un_names.py" in document["about"]
    # The package would download a newer taxonomy by default: the forum uses only the generated file.
    forum = Path(UN_NAMES_FILE).parent.parent
    sources = [path.read_text(encoding="utf-8") for path in forum.rglob("*.py")]
    assert not any("import hdx" in source or "from hdx" in source for source in sources)


def test_a_regional_variant_of_a_language_gets_its_names(app):
    assert state_name("KOR", "fr_CA") == "République de Corée"
    assert state_name("KOR", "zh_Hans_CN") == "大韩民国"


def _names(app, locale):
    with app.test_request_context(), force_locale(locale):
        return [state.name for state in states_sorted_by_name()]


def test_french_order_sorts_accented_capitals_with_their_letter(app):
    names = _names(app, "fr")
    emirates = names.index("Émirats arabes unis")
    assert names.index("El Salvador") < emirates < names.index("Équateur") < names.index("Espagne")
    assert emirates < names.index("France") < names.index("Zimbabwe")


def test_spanish_order_ignores_accents_at_first(app):
    names = _names(app, "es")
    assert names.index("Irán (República Islámica del)") < names.index("Iraq") < names.index("Irlanda")
    assert names.index("Emiratos Árabes Unidos") < names.index("Eritrea")
    assert names.index("Austria") < names.index("Azerbaiyán") < names.index("Bahamas")


def test_english_order_and_all_193(app):
    names = _names(app, "en")
    assert len(names) == 193
    assert names.index("Republic of Korea") < names.index("Republic of Moldova") < names.index("Romania")
    assert names[0] == "Afghanistan"


def test_collation_is_not_code_point_order():
    assert collation_key("Émirats", "fr") < collation_key("Espagne", "fr")
    assert "Émirats" > "Espagne"  # what a plain sort would do


@pytest.mark.parametrize(
    "value,code",
    [
        ("Republic of Korea", "KOR"),
        ("République de Corée", "KOR"),
        ("  république   de corée ", "KOR"),
        ("جمهورية كوريا", "KOR"),
        ("大韩民国", "KOR"),
        ("中国", "CHN"),  # two characters, yet not an alpha-2 code
        ("阿富汗", "AFG"),  # three characters, yet not an alpha-3 code
        ("Bolivia (Plurinational State of)", "BOL"),
        ("Côte d’Ivoire", "CIV"),
        ("Côte d'Ivoire", "CIV"),
        ("Korea, Republic of", "KOR"),  # ISO's name, as many spreadsheets have it
        ("KR", "KOR"),
        ("kor", "KOR"),
        ("<script>alert(1)</script>", None),
        ("Atlantis", None),
        ("x" * 5000, None),
    ],
)
def test_import_matches_un_names_in_any_language(app, value, code):
    found = find_state(value)
    assert (found.code if found else None) == code


def test_csv_import_accepts_a_french_un_name(client, make_user, login):
    login(client, make_user("admin"))
    text = "email,display_name,member_state\nkim@example.org,Kim,République de Corée\n"
    assert client.post("/admin/accounts/import", data={"text": text}).status_code == 302
    from forum.accounts.service import find_user_by_email

    assert find_user_by_email("kim@example.org").member_state.code == "KOR"


def test_hostile_state_name_in_csv_is_reported_escaped(client, make_user, login):
    login(client, make_user("admin"))
    text = "email,display_name,member_state\nx@example.org,X,<script>alert(1)</script>\n"
    page = client.post("/admin/accounts/import", data={"text": text}).get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;" in page


def test_posts_author_line_and_profile_use_un_names(client, make_user, login, room, make_thread):
    korean = make_user(state="KOR", locale="fr")
    thread = make_thread(room, korean, replies=1)
    login(client, korean)
    assert "République de Corée" in client.get(f"/t/{thread.id}").get_data(as_text=True)
    assert "République de Corée" in client.get("/profile").get_data(as_text=True)


def test_admin_account_form_offers_un_names_in_order(client, make_user, login):
    login(client, make_user("admin", locale="en"))
    page = client.get("/admin/accounts/new").get_data(as_text=True)
    assert "Republic of Korea (KOR)" in page
    assert "Korea, Republic of" not in page
    assert page.index("Afghanistan (AFG)") < page.index("Zimbabwe (ZWE)")


def test_with_pyicu_chinese_sorts_in_pinyin_order():
    pytest.importorskip("icu")
    names = ["中国", "阿富汗", "大韩民国", "巴西"]
    assert sorted(names, key=lambda name: collation_key(name, "zh")) == ["阿富汗", "巴西", "大韩民国", "中国"]
