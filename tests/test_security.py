"""Headers, CSRF, request limits, error pages and production safety."""

import pytest
from sqlalchemy import func, select

from config import ProductionConfig
from forum import create_app
from forum.extensions import db
from forum.threads.models import Post


def test_security_headers_on_every_page(client, make_user, login):
    for response in (client.get("/login"), login(client, make_user()).get("/")):
        csp = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert "frame-ancestors 'none'" in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "same-origin"


def test_strict_transport_security_only_where_configured_and_a_views_own_header_is_kept(app, client, make_user, login):
    @app.get("/own-policy")
    def own_policy():
        return "", 200, {"x-frame-options": "SAMEORIGIN"}

    assert "Strict-Transport-Security" not in client.get("/login").headers
    app.config["SECURITY_HSTS"] = True
    response = client.get("/login")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert all(len(response.headers.getlist(name)) == 1 for name, _value in response.headers)
    login(client, make_user())
    headers = client.get("/own-policy").headers
    assert headers.getlist("X-Frame-Options") == ["SAMEORIGIN"]
    assert headers.getlist("X-Content-Type-Options") == ["nosniff"]


def test_a_new_secret_key_ends_sessions_signed_with_the_old_one_unless_kept_as_a_fallback(
    app, client, make_user, login
):
    login(client, make_user())
    assert client.get("/").status_code == 200
    old_key = app.secret_key
    app.secret_key = "another key, at least thirty-two characters long"
    assert client.get("/").status_code == 302
    login(client, make_user("staff"))
    app.secret_key, app.config["SECRET_KEY_FALLBACKS"] = old_key, [app.secret_key]
    # Signed with what is now a fallback: still accepted.
    assert client.get("/").status_code == 200


def test_authenticated_pages_are_not_cached(client, make_user, login):
    login(client, make_user())
    assert client.get("/").headers["Cache-Control"] == "no-store"


def test_no_inline_scripts_in_pages(client, make_user, login):
    login(client, make_user("admin"))
    for url in ("/", "/rooms/capacity-en", "/profile", "/admin/accounts"):
        page = client.get(url).get_data(as_text=True)
        assert "<script>" not in page and "onclick=" not in page and "onchange=" not in page


def test_oversized_request_gets_413(client, make_user, login, room, make_thread):
    user = make_user()
    thread = make_thread(room, user)
    login(client, user)
    response = client.post(f"/t/{thread.id}/reply", data={"body": "x" * (600 * 1024)})
    assert response.status_code == 413
    assert b"Too large" in response.data
    assert db.session.scalar(select(func.count(Post.id))) == 1


def test_wrong_method_gets_405_page(client, make_user, login):
    login(client, make_user())
    response = client.delete("/profile")
    assert response.status_code == 405
    assert b"Method not allowed" in response.data


def test_unexpected_error_gets_500_page_without_trace(app, client, make_user, login):
    @app.route("/boom")
    def boom():
        raise RuntimeError("secret internals")

    login(client, make_user())
    response = client.get("/boom")
    assert response.status_code == 500
    assert b"secret internals" not in response.data
    assert b"Traceback" not in response.data
    assert b"Something went wrong" in response.data


def test_error_pages_are_translated(client, make_user, login):
    login(client, make_user(locale="fr"))
    response = client.get("/nothing-here")
    page = response.get_data(as_text=True)
    assert response.status_code == 404
    assert 'lang="fr"' in page
    assert "Page introuvable" in page


def test_production_refuses_the_default_secret_key(monkeypatch):
    class Prod(ProductionConfig):
        SECRET_KEY = "dev-only-secret-key-change-me"

    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(Prod)


def test_production_refuses_demo_data(database_url):
    class Prod(ProductionConfig):
        SECRET_KEY = "a-real-secret-for-this-test-only-0123456789"
        SQLALCHEMY_DATABASE_URI = database_url
        FORUM_SINGLE_PROCESS = True

    app = create_app(Prod)
    result = app.test_cli_runner().invoke(args=["forum", "seed-demo"])
    assert result.exit_code == 1
    assert "Refusing" in result.output


def test_production_cookies_are_secure():
    class Prod(ProductionConfig):
        SECRET_KEY = "a-real-secret-for-this-test-only-0123456789"
        FORUM_SINGLE_PROCESS = True

    app = create_app(Prod)
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


class TestCsrf:
    @pytest.fixture
    def config_overrides(self):
        return {"WTF_CSRF_ENABLED": True}

    def test_post_without_token_is_refused_with_a_clear_message(self, client, make_user, login, room, make_thread):
        user = make_user()
        thread = make_thread(room, user)
        login(client, user)
        response = client.post(f"/t/{thread.id}/reply", data={"body": "hello"})
        assert response.status_code == 400
        assert b"This form has expired" in response.data
        assert db.session.scalar(select(func.count(Post.id))) == 1

    def test_stale_token_is_refused(self, client, make_user, login, room, make_thread):
        user = make_user()
        thread = make_thread(room, user)
        login(client, user)
        response = client.post(f"/t/{thread.id}/reply", data={"body": "hello", "csrf_token": "IjRhZGYi.stale.token"})
        assert response.status_code == 400
        assert db.session.scalar(select(func.count(Post.id))) == 1

    def test_login_form_needs_a_token_too(self, client, make_user):
        user = make_user()
        response = client.post("/login", data={"email": user.email, "password": "correct horse battery staple"})
        assert response.status_code == 400

    def test_post_with_token_works(self, client, make_user, login, room, make_thread):
        import re

        user = make_user()
        thread = make_thread(room, user)
        login(client, user)
        page = client.get(f"/t/{thread.id}").get_data(as_text=True)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        response = client.post(f"/t/{thread.id}/reply", data={"body": "hello", "csrf_token": token})
        assert response.status_code == 302
