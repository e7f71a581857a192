"""Member states, regional groups and their names in the interface language."""

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from forum.extensions import db
from forum.members.models import MemberState, RegionalGroup
from forum.members.service import find_state, seed_member_states, state_name


def test_all_193_member_states_with_a_regional_group(app):
    assert db.session.scalar(select(func.count(MemberState.id))) == 193
    groups = db.session.scalars(select(RegionalGroup.code)).all()
    assert set(groups) == {"AFRICAN", "ASPAC", "CEBS", "GRULAC", "B", "CACEEC", "CHINA"}
    assert find_state("CHN").group.code == "CHINA"
    assert find_state("KEN").group.code == "AFRICAN"
    assert find_state("BRA").group.code == "GRULAC"
    assert find_state("JPN").group.code == "B"


def test_seeding_twice_adds_nothing(app):
    assert seed_member_states() == 0


@pytest.mark.parametrize(
    "locale,code,name",
    [
        ("fr", "DEU", "Allemagne"),
        ("es", "DEU", "Alemania"),
        ("en", "DEU", "Germany"),
        ("fr", "KEN", "Kenya"),
        ("es", "JPN", "Japón"),
    ],
)
def test_state_names_follow_the_interface_language(app, locale, code, name):
    with app.test_request_context(), force_locale(locale):
        assert state_name(code) == name


def test_unknown_locale_falls_back_to_english(app):
    assert state_name("DEU", "xx") == "Germany"


def test_profile_shows_member_state_in_french(client, make_user, login):
    login(client, make_user(state="DEU", locale="fr"))
    page = client.get("/profile").get_data(as_text=True)
    assert "Allemagne" in page


@pytest.mark.parametrize(
    "value,code", [("FRA", "FRA"), ("fr", "FRA"), ("France", "FRA"), ("kenya", "KEN"), ("Atlantis", None), ("", None)]
)
def test_find_state_accepts_codes_and_english_names(app, value, code):
    found = find_state(value)
    assert (found.code if found else None) == code
