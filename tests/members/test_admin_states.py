"""Administrators manage member states (/admin/member-states): rename, regroup, add, deactivate; all audited."""

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from forum.accounts.models import Role
from forum.accounts.service import create_account, find_user_by_email
from forum.audit import AuditEvent
from forum.errors import Invalid, NotAllowed
from forum.extensions import db
from forum.members import service
from forum.members.models import MemberState


def _state(code):
    return service.state_by_code(code)


def _events(action):
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()


def _edit_data(state, **overrides):
    data = {"group": state.group.code, "active": "y" if state.active else ""}
    data.update({f"name_{language}": (state.names or {}).get(language, "") for language in service.NAME_LANGUAGES})
    data.update(overrides)
    return {key: value for key, value in data.items() if value != ""}


@pytest.mark.parametrize("role", ["delegate", "staff", "moderator"])
def test_only_administrators_open_the_page(client, make_user, login, role):
    login(client, make_user(role))
    state = _state("FRA")
    assert client.get("/admin/member-states").status_code == 403
    assert client.post("/admin/member-states", data={"code": "SSD", "group": "AFRICAN"}).status_code == 403
    assert client.post(f"/admin/member-states/{state.id}", data=_edit_data(state, name_en="X")).status_code == 403
    assert client.get("/admin/member-states/999999").status_code == 403
    assert _state("SSD") is None and not _state("FRA").names


def test_anonymous_is_sent_to_login(client):
    assert client.get("/admin/member-states").status_code == 302


def test_admin_sees_every_state_and_unknown_id_is_404(client, admin, login):
    login(client, admin)
    page = client.get("/admin/member-states").get_data(as_text=True)
    assert "Republic of Korea" in page and "Group of Latin American and Caribbean Countries" in page
    assert client.get("/admin/member-states/999999").status_code == 404


def test_admin_renames_a_state_in_one_language(client, admin, login):
    login(client, admin)
    state = _state("TUR")
    response = client.post(f"/admin/member-states/{state.id}", data=_edit_data(state, name_fr="Turquie"))
    assert response.status_code == 302
    assert state_names(state) == ("Türkiye", "Turquie")
    (event,) = _events("member_state.update")
    assert event.actor_id == admin.id and event.target_type == "member_states" and event.target_id == state.id
    assert event.details["names"] == [{}, {"fr": "Turquie"}]
    # Emptying the field brings the UN's name back.
    client.post(f"/admin/member-states/{state.id}", data=_edit_data(state, name_fr=""))
    assert state_names(state) == ("Türkiye", "Türkiye")


def state_names(state):
    db.session.refresh(state)
    return state.name_in("en"), state.name_in("fr")


def test_an_english_override_shows_in_languages_without_a_name_of_their_own(app, admin):
    state = _state("CZE")
    service.update_member_state(state, by=admin, group=state.group, names={"en": "Czech Republic"}, active=True)
    assert state.name_in("en") == "Czech Republic"
    assert state.name_in("fr") == "Tchéquie"  # the UN's French name still wins over an English override


def test_admin_moves_a_state_to_another_group(client, admin, login):
    login(client, admin)
    state = _state("MDA")
    client.post(f"/admin/member-states/{state.id}", data=_edit_data(state, group="CACEEC"))
    db.session.refresh(state)
    assert state.group.code == "CACEEC"
    (event,) = _events("member_state.update")
    assert event.details["group"] == ["CEBS", "CACEEC"]


def test_unknown_group_is_refused_with_a_message_and_nothing_changes(client, admin, login):
    login(client, admin)
    state = _state("MDA")
    response = client.post(f"/admin/member-states/{state.id}", data=_edit_data(state, group="ATLANTIS"))
    assert response.status_code == 200
    assert "Unknown regional group." in response.get_data(as_text=True)
    db.session.refresh(state)
    assert state.group.code == "CEBS"
    assert not _events("member_state.update")


@pytest.mark.parametrize(
    "name,message",
    [
        ("Fr\u202eance", "invisible or direction-changing"),
        ("\u200b", "invisible or direction-changing"),
        ("x" * 101, "100 characters"),
    ],
)
def test_hostile_names_are_refused(client, admin, login, name, message):
    login(client, admin)
    state = _state("FRA")
    response = client.post(f"/admin/member-states/{state.id}", data=_edit_data(state, name_en=name))
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    db.session.refresh(state)
    assert not state.names


def test_markup_in_a_name_is_shown_as_text(client, admin, login, make_user):
    login(client, admin)
    state = _state("FRA")
    client.post(f"/admin/member-states/{state.id}", data=_edit_data(state, name_en="<b>France</b>"))
    delegate = make_user(state="FRA", locale="en")
    login(client, delegate)
    page = client.get("/profile").get_data(as_text=True)
    assert "&lt;b&gt;France&lt;/b&gt;" in page and "<b>France</b>" not in page


def test_admin_adds_a_state_named_by_the_un(client, admin, login):
    login(client, admin)
    response = client.post("/admin/member-states", data={"code": "ssd", "group": "AFRICAN"})
    assert response.status_code == 302
    state = _state("SSD")
    assert state.group.code == "AFRICAN" and state.active
    assert state.name_in("en") == "South Sudan" and state.name_in("zh") == "南苏丹"
    (event,) = _events("member_state.add")
    assert event.details == {"code": "SSD", "group": "AFRICAN", "names": {}}


def test_a_state_the_un_list_lacks_needs_an_english_name(app, admin):
    group = service.group_by_code("ASPAC")
    with app.test_request_context(), force_locale("en"):
        with pytest.raises(Invalid, match="give its English name"):
            service.add_member_state(code="XKX", group=group, by=admin)
        state = service.add_member_state(code="XKX", group=group, names={"en": "Somewhere"}, by=admin)
        assert state.name_in("ar") == "Somewhere"


@pytest.mark.parametrize("code", ["FRA", "FR", "F1A", "", "FRANCE"])
def test_bad_or_existing_codes_are_refused(client, admin, login, code):
    login(client, admin)
    before = db.session.scalar(select(db.func.count(MemberState.id)))
    response = client.post("/admin/member-states", data={"code": code, "group": "B", "name_en": "X"})
    assert response.status_code == 200
    assert db.session.scalar(select(db.func.count(MemberState.id))) == before
    assert not _events("member_state.add")


def test_adding_to_an_unknown_group_is_refused(client, admin, login):
    login(client, admin)
    response = client.post("/admin/member-states", data={"code": "SSD", "group": "NOPE"})
    assert "Unknown regional group." in response.get_data(as_text=True)
    assert _state("SSD") is None


def test_service_refuses_non_administrators(app, make_user):
    delegate = make_user()
    state = _state("FRA")
    with pytest.raises(NotAllowed):
        service.update_member_state(state, by=delegate, group=state.group, names={}, active=False)
    with pytest.raises(NotAllowed):
        service.add_member_state(code="SSD", group=state.group, by=delegate)


def test_an_inactive_state_is_not_offered_for_new_accounts_but_stays_on_existing_ones(client, admin, login, make_user):
    kept = make_user(state="VAT")
    login(client, admin)
    state = _state("VAT")
    client.post(f"/admin/member-states/{state.id}", data=_edit_data(state, active=""))
    db.session.refresh(state)
    assert not state.active
    (event,) = _events("member_state.update")
    assert event.details["active"] == [True, False]
    # Not offered on the new-account form, refused if forged, refused in an import.
    assert "(VAT)" not in client.get("/admin/accounts/new").get_data(as_text=True)
    response = client.post(
        "/admin/accounts/new",
        data={"email": "new@example.org", "display_name": "New", "role": "delegate", "member_state": "VAT"},
    )
    assert response.status_code == 200  # the form's choices do not have it
    assert find_user_by_email("new@example.org") is None
    text = "email,display_name,member_state\nnew@example.org,New,VAT\n"
    assert "no longer offered" in client.post("/admin/accounts/import", data={"text": text}).get_data(as_text=True)
    # The existing account keeps it, and its edit form still offers it.
    db.session.refresh(kept)
    assert kept.member_state.code == "VAT"
    assert "(VAT)" in client.get(f"/admin/accounts/{kept.id}").get_data(as_text=True)
    with pytest.raises(Invalid):
        create_account(email="x@example.org", display_name="X", role=Role.delegate, member_state=state, by=admin)
