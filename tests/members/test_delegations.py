"""The directory of delegations (/delegations): states by regional group, delegates who chose to be listed."""

import pytest

from forum.accounts.service import update_profile
from forum.errors import Invalid
from forum.extensions import db
from forum.members import service


def _list(user):
    service.set_directory_listing(user, True)
    db.session.commit()


def test_guest_gets_404_and_anonymous_is_sent_to_login(client, guest, login):
    assert client.get("/delegations").status_code == 302
    login(client, guest)
    assert client.get("/delegations").status_code == 404


def test_members_see_states_grouped_with_listed_delegates_only(client, make_user, login):
    listed = make_user(state="KEN", name="Wanjiru Listed", email="wanjiru@example.org")
    make_user(state="KEN", name="Otieno Hidden")
    _list(listed)
    reader = make_user("staff", locale="en")
    login(client, reader)
    page = client.get("/delegations").get_data(as_text=True)
    assert "Wanjiru Listed" in page
    assert "Otieno Hidden" not in page
    assert "wanjiru@example.org" not in page
    african = page.index("African Group")
    assert african < page.index("Kenya") < page.index("Asia and the Pacific Group")
    assert page.index("Republic of Korea") > page.index("Asia and the Pacific Group")
    assert "No delegate listed" in page


def test_directory_in_the_reader_language(client, make_user, login):
    login(client, make_user(locale="fr"))
    page = client.get("/delegations").get_data(as_text=True)
    assert "République de Corée" in page and "Republic of Korea" not in page


def test_inactive_delegates_and_inactive_states_are_left_out(client, make_user, login, admin):
    gone = make_user(state="FRA", name="Left The Forum")
    _list(gone)
    gone.active = False
    state = service.state_by_code("VAT")
    service.update_member_state(state, by=admin, group=state.group, names={}, active=False)
    db.session.commit()
    login(client, make_user(locale="en"))
    page = client.get("/delegations").get_data(as_text=True)
    assert "Left The Forum" not in page
    assert "Holy See" not in page


def test_the_profile_opt_in_is_off_by_default_and_can_be_turned_on_and_off(client, make_user, login):
    delegate = make_user(state="BRA", name="Maria Opt-In", locale="en")
    login(client, delegate)
    page = client.get("/profile").get_data(as_text=True)
    assert 'name="profile-listed_in_directory"' in page
    assert not service.is_listed(delegate)
    data = {
        "profile-display_name": "Maria Opt-In",
        "profile-locale": "en",
        "profile-timezone": "America/Sao_Paulo",
        "profile-listed_in_directory": "y",
    }
    assert client.post("/profile", data=data).status_code == 302
    assert service.is_listed(delegate)
    entry = '<span dir="auto">Maria Opt-In</span>'
    assert entry in client.get("/delegations").get_data(as_text=True)
    del data["profile-listed_in_directory"]
    client.post("/profile", data=data)
    assert not service.is_listed(delegate)
    assert entry not in client.get("/delegations").get_data(as_text=True)


def test_staff_are_not_offered_the_opt_in_and_cannot_force_it(app, make_user):
    staff = make_user("staff")
    with pytest.raises(Invalid):
        update_profile(staff, display_name="S", locale="en", timezone="Europe/Zurich", listed_in_directory=True)
    assert not service.is_listed(staff)


def test_hostile_display_names_are_escaped(client, make_user, login):
    _list(make_user(state="FRA", name="<img src=x onerror=alert(1)>"))
    login(client, make_user(locale="en"))
    page = client.get("/delegations").get_data(as_text=True)
    assert "<img src=x" not in page and "&lt;img src=x" in page


def test_the_directory_costs_the_same_queries_with_many_listed_delegates(client, make_user, login, count_queries):
    reader = make_user(locale="en")
    login(client, reader)
    client.get("/delegations")
    _list(make_user(state="FRA"))
    with count_queries() as few:
        client.get("/delegations")
    for code in ("FRA", "KEN", "BRA", "JPN", "CHN", "POL"):
        for _ in range(3):
            _list(make_user(state=code))
    with count_queries() as many:
        assert client.get("/delegations").status_code == 200
    assert many.count == few.count
