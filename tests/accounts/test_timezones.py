"""The time-zone picker: canonical zones grouped by region with their offset; the capital's zone for new accounts."""

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from forum.accounts import timezones
from forum.accounts.models import Role, User
from forum.accounts.service import create_account, find_user_by_email
from forum.extensions import db
from forum.members.data import MEMBER_STATES
from forum.members.service import state_by_code


def _profile_data(**overrides):
    data = {"profile-display_name": "Someone", "profile-locale": "en", "profile-timezone": "Europe/Paris"}
    data.update(overrides)
    return data


def test_only_canonical_zones_are_offered():
    zones = timezones.canonical_zones()
    assert "Africa/Asmara" in zones and "Africa/Asmera" not in zones
    assert "Asia/Kolkata" in zones and "Asia/Calcutta" not in zones
    assert "Europe/Kyiv" in zones and "Europe/Kiev" not in zones
    assert not any(zone.startswith(("US/", "Etc/", "SystemV/")) for zone in zones)
    assert "UTC" in zones


def test_profile_groups_zones_by_region_with_their_offset(client, make_user, login, frozen_clock):
    frozen_clock.set(datetime(2026, 1, 15, 12, 0, tzinfo=UTC))
    login(client, make_user(locale="en"))
    page = client.get("/profile").get_data(as_text=True)
    assert '<optgroup label="Africa">' in page and '<optgroup label="Europe">' in page
    assert re.search(r'<option value="Asia/Kolkata">Kolkata \(UTC\+05:30\)</option>', page)
    assert re.search(r'<option value="America/Sao_Paulo">São Paulo \(UTC-03:00\)</option>', page)
    assert 'value="Africa/Asmara"' in page and 'value="Africa/Asmera"' not in page
    # The offset is the one in force now: Paris in winter, then in summer.
    assert "Paris (UTC+01:00)" in page
    frozen_clock.set(datetime(2026, 7, 15, 12, 0, tzinfo=UTC))
    assert "Paris (UTC+02:00)" in client.get("/profile").get_data(as_text=True)


def test_region_and_city_names_follow_the_interface_language(client, make_user, login):
    login(client, make_user(locale="fr"))
    page = client.get("/profile").get_data(as_text=True)
    assert re.search(r'<option value="Africa/Cairo">Le Caire \(UTC[+-]\d\d:\d\d\)</option>', page)


def test_profile_saves_a_canonical_zone(client, make_user, login):
    user = make_user(locale="en")
    login(client, user)
    assert client.post("/profile", data=_profile_data(**{"profile-timezone": "Asia/Tokyo"})).status_code == 302
    db.session.refresh(user)
    assert user.timezone == "Asia/Tokyo"


@pytest.mark.parametrize("zone", ["Africa/Asmera", "Mars/Olympus_Mons", "../../etc/passwd", "", "x" * 500])
def test_unknown_zones_and_aliases_are_refused_with_a_message(client, make_user, login, zone):
    user = make_user(locale="en", timezone="Europe/Zurich")
    login(client, user)
    response = client.post("/profile", data=_profile_data(**{"profile-timezone": zone}))
    assert response.status_code == 200
    assert "Unknown time zone." in response.get_data(as_text=True)
    db.session.refresh(user)
    assert user.timezone == "Europe/Zurich"


def test_the_refusal_is_translated(client, make_user, login):
    login(client, make_user(locale="fr"))
    response = client.post("/profile", data=_profile_data(**{"profile-locale": "fr", "profile-timezone": "Nowhere"}))
    assert "Unknown time zone." not in response.get_data(as_text=True)


def test_an_account_keeps_an_old_alias_until_it_chooses_another(client, make_user, login):
    user = make_user(locale="en", timezone="Asia/Calcutta")
    login(client, user)
    page = client.get("/profile").get_data(as_text=True)
    assert '<option selected value="Asia/Calcutta">' in page
    assert client.post("/profile", data=_profile_data(**{"profile-timezone": "Asia/Calcutta"})).status_code == 302


def test_every_member_state_has_its_capital_zone():
    for code, _group in MEMBER_STATES:
        assert timezones.capital_zone(code) in timezones.canonical_zones(), code
    assert timezones.capital_zone("RUS") == "Europe/Moscow"
    assert timezones.capital_zone("BRA") == "America/Sao_Paulo"
    assert timezones.capital_zone("CAN") == "America/Toronto"
    assert timezones.capital_zone("AUS") == "Australia/Sydney"
    assert timezones.capital_zone("KEN") == "Africa/Nairobi"
    assert timezones.capital_zone("XKX") is None


def test_a_new_account_starts_in_its_capital_zone(app, admin):
    user = create_account(
        email="kenya@example.org", display_name="K", role=Role.delegate, member_state=state_by_code("KEN"), by=admin
    )
    assert user.timezone == "Africa/Nairobi"
    staff = create_account(email="staff@example.org", display_name="S", role=Role.staff, by=admin)
    assert staff.timezone is None  # the forum's default


def test_imported_accounts_start_in_their_capital_zone(client, admin, login):
    login(client, admin)
    text = "email,display_name,member_state\nru@example.org,R,RUS\nbr@example.org,B,Brazil\n"
    assert client.post("/admin/accounts/import", data={"text": text}).status_code == 302
    assert find_user_by_email("ru@example.org").timezone == "Europe/Moscow"
    assert find_user_by_email("br@example.org").timezone == "America/Sao_Paulo"


def test_activation_then_profile_shows_the_capital_zone_selected(client, admin, login):
    login(client, admin)
    client.post(
        "/admin/accounts/new",
        data={"email": "tokyo@example.org", "display_name": "T", "role": "delegate", "member_state": "JPN"},
    )
    user = db.session.scalar(select(User).where(User.email == "tokyo@example.org"))
    assert user.timezone == "Asia/Tokyo"
    user.locale = "en"
    user.password_hash = admin.password_hash
    db.session.commit()
    login(client, user)
    assert '<option selected value="Asia/Tokyo">' in client.get("/profile").get_data(as_text=True)
