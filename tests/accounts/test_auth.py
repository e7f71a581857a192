"""Login, logout, sessions, throttling and redirects."""

import pytest

from forum.extensions import db
from tests.conftest import PASSWORD


def _login(client, email, password=PASSWORD, next=None):
    data = {"email": email, "password": password}
    if next is not None:
        data["next"] = next
    return client.post("/login", data=data)


def test_login_with_right_password_opens_a_session(client, make_user):
    user = make_user()
    response = _login(client, user.email)
    assert response.status_code == 302
    assert response.location == "/"
    assert client.get("/").status_code == 200


def test_login_is_case_insensitive_on_the_email(client, make_user):
    make_user(email="Someone@Example.org".lower())
    assert _login(client, "SOMEONE@example.ORG").status_code == 302


@pytest.mark.parametrize("email,password", [("nobody@example.org", PASSWORD), ("known", "wrong password!!")])
def test_failed_login_says_the_same_for_unknown_email_and_wrong_password(client, make_user, email, password):
    user = make_user()
    response = _login(client, user.email if email == "known" else email, password)
    assert response.status_code == 200
    assert b"The e-mail address or password is not correct." in response.data
    assert client.get("/").status_code == 302


def test_deactivated_account_cannot_log_in(client, make_user):
    user = make_user(active=False)
    assert _login(client, user.email).status_code == 200
    assert client.get("/").status_code == 302


def test_account_without_password_cannot_log_in(client, make_user):
    user = make_user(password=None)
    assert _login(client, user.email, "").status_code == 200


def test_login_brings_the_user_back_to_a_safe_next_page(client, make_user):
    user = make_user()
    response = client.get("/profile")
    assert response.status_code == 302
    assert "/login?next=/profile" in response.location
    assert _login(client, user.email, next="/profile").location == "/profile"


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)", "http:/x"]
)
def test_login_refuses_open_redirects(client, make_user, target):
    user = make_user()
    assert _login(client, user.email, next=target).location == "/"


def test_login_page_prefills_only_safe_next(client):
    assert b'value="/profile"' in client.get("/login?next=/profile").data
    assert b'id="next" name="next" type="hidden" value=""' in client.get("/login?next=//evil.example").data


def test_logout_invalidates_a_copied_session_cookie(app, make_user):
    user = make_user()
    client = app.test_client()
    _login(client, user.email)
    stolen = client.get_cookie("forum_session").value
    assert client.post("/logout").status_code == 302
    thief = app.test_client()
    thief.set_cookie("forum_session", stolen)
    assert thief.get("/").status_code == 302


def test_logout_requires_post(client, make_user, login):
    login(client, make_user())
    assert client.get("/logout").status_code == 405


def test_session_is_renewed_at_login(client, make_user):
    user = make_user()
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    _login(client, user.email)
    with client.session_transaction() as session:
        assert "planted" not in session


def test_deactivation_ends_existing_sessions(client, make_user, login):
    user = make_user()
    login(client, user)
    assert client.get("/").status_code == 200
    admin = make_user("admin")
    from forum.accounts import service

    service.update_account(
        user,
        by=admin,
        role=user.role,
        member_state=user.member_state,
        active=False,
        is_coordinator=False,
        display_name=user.display_name,
    )
    db.session.commit()
    assert client.get("/").status_code == 302


def test_session_cookie_flags(client, make_user):
    user = make_user()
    response = _login(client, user.email)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


class TestThrottling:
    @pytest.fixture
    def config_overrides(self):
        return {"LOGIN_LIMIT_PER_ACCOUNT": "3 per 10 minutes", "LOGIN_LIMIT_PER_ADDRESS": "6 per 10 minutes"}

    def test_too_many_failures_for_one_account_get_429(self, client, make_user):
        user = make_user()
        for _ in range(3):
            assert _login(client, user.email, "wrong password!!").status_code == 200
        response = _login(client, user.email, PASSWORD)
        assert response.status_code == 429
        assert b"Too many attempts" in response.data

    def test_failures_from_one_address_across_accounts_get_429(self, client, make_user):
        for index in range(6):
            _login(client, f"nobody{index}@example.org", "wrong password!!")
        assert _login(client, "someone-else@example.org", "x").status_code == 429

    def test_successful_logins_do_not_count(self, app, make_user):
        user = make_user()
        for _ in range(5):
            client = app.test_client()
            assert _login(client, user.email).status_code == 302

    def test_429_page_is_translated(self, client, make_user):
        user = make_user()
        for _ in range(3):
            _login(client, user.email, "wrong password!!")
        response = client.post("/login", data={"email": user.email, "password": "x"}, headers={"Accept-Language": "fr"})
        assert response.status_code == 429
        assert 'lang="fr"' in response.get_data(as_text=True)
