"""Issue #14, secure in production on several app servers: keys, proxies, shared limits, links, CSV, checks."""

import csv
import io
import os
import re
import secrets
import stat
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from config import DEFAULT_SECRET_KEY, DevelopmentConfig, ProductionConfig
from forum import create_app
from forum.accounts import service as accounts
from forum.accounts.models import TokenPurpose
from forum.cli import deployment_problems
from forum.csvsafe import safe_cell
from forum.extensions import db
from tests.conftest import PASSWORD, free_port

ROOT = Path(__file__).resolve().parent.parent
REAL_KEY = secrets.token_hex(32)


def _clean_env(**extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FORUM_", "SECRET_KEY", "RATELIMIT_", "DATABASE_"))}
    return {**env, **extra}


# 1. Forgeable sessions ---------------------------------------------------------------


def test_wsgi_defaults_to_production_and_refuses_to_start_without_a_key(tmp_path):
    env = _clean_env(DATABASE_URL=f"sqlite:///{tmp_path / 'x.db'}")
    result = subprocess.run(
        [sys.executable, "-c", "import wsgi"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


@pytest.mark.parametrize("base", [DevelopmentConfig, ProductionConfig])
@pytest.mark.parametrize("key", [DEFAULT_SECRET_KEY, "change-me"])
def test_every_configuration_but_test_refuses_a_known_key(base, key, database_url):
    settings = type(
        "C", (base,), {"SECRET_KEY": key, "SQLALCHEMY_DATABASE_URI": database_url, "FORUM_SINGLE_PROCESS": True}
    )
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(settings)


def test_production_refuses_a_missing_key(database_url):
    settings = type(
        "C",
        (ProductionConfig,),
        {"SECRET_KEY": None, "SQLALCHEMY_DATABASE_URI": database_url, "FORUM_SINGLE_PROCESS": True},
    )
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(settings)


def test_development_without_a_key_generates_one_keeps_it_private_and_reuses_it(tmp_path, database_url):
    key_file = tmp_path / "instance" / "secret_key"
    settings = type(
        "C",
        (DevelopmentConfig,),
        {"SECRET_KEY": None, "SECRET_KEY_FILE": str(key_file), "SQLALCHEMY_DATABASE_URI": database_url},
    )
    key = create_app(settings).config["SECRET_KEY"]
    assert key and key != DEFAULT_SECRET_KEY and len(key) >= 32
    assert key_file.read_text().strip() == key
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert create_app(settings).config["SECRET_KEY"] == key
    assert not list(key_file.parent.glob(".secret_key.*")), "no temporary file is left behind"


def _session_user_id(client):
    with client.session_transaction() as session:
        return session.get("_user_id")


def test_session_secrets_are_random_and_change_on_logout(client, make_user, login):
    first, second = make_user(), make_user()
    for user in (first, second):
        assert re.fullmatch(r"[0-9a-f]{32}", user.session_secret)
    assert first.session_secret != second.session_secret
    old_id = first.get_id()
    login(client, first)
    assert client.get("/").status_code == 200
    client.post("/logout")
    assert first.session_secret != old_id.split(":")[1]
    # The old cookie's id, and ids guessed by counting, open nothing.
    for guess in (old_id, f"{first.id}:1", f"{first.id}:2", f"{first.id}:", f"{first.id}:0"):
        assert accounts.load_user_from_session_id(guess) is None
    assert accounts.load_user_from_session_id(first.get_id()) == first


def test_password_change_and_deactivation_replace_the_session_secret(app, make_user):
    user, admin = make_user(), make_user("admin")
    before = user.session_secret
    accounts.change_password(user, PASSWORD, "another long passphrase 42")
    assert user.session_secret != before
    before = user.session_secret
    accounts.update_account(
        user,
        by=admin,
        role=user.role,
        member_state=user.member_state,
        active=False,
        is_coordinator=False,
        display_name=user.display_name,
    )
    assert user.session_secret != before


# 3. Limits keyed on the proxy's address --------------------------------------------------


def _fail_login(client, email, forwarded_for):
    return client.post(
        "/login", data={"email": email, "password": "wrong password!!"}, headers={"X-Forwarded-For": forwarded_for}
    )


class TestBehindOneProxy:
    @pytest.fixture
    def config_overrides(self):
        return {"FORUM_PROXY_HOPS": 1, "LOGIN_LIMIT_PER_ADDRESS": "2 per 10 minutes"}

    def test_clients_behind_the_proxy_are_limited_separately(self, client):
        for index in range(2):
            assert _fail_login(client, f"a{index}@example.org", "203.0.113.1").status_code == 200
        assert _fail_login(client, "a9@example.org", "203.0.113.1").status_code == 429
        assert _fail_login(client, "b1@example.org", "198.51.100.7").status_code == 200

    def test_address_and_scheme_come_from_the_proxy_but_not_the_host(self, app):
        from werkzeug.middleware.proxy_fix import ProxyFix

        assert isinstance(app.wsgi_app, ProxyFix)
        assert (app.wsgi_app.x_for, app.wsgi_app.x_proto, app.wsgi_app.x_host) == (1, 1, 0)


class TestWithoutProxy:
    @pytest.fixture
    def config_overrides(self):
        return {"FORUM_PROXY_HOPS": 0, "LOGIN_LIMIT_PER_ADDRESS": "2 per 10 minutes"}

    def test_x_forwarded_for_is_ignored(self, client):
        for index in range(2):
            assert _fail_login(client, f"a{index}@example.org", "203.0.113.1").status_code == 200
        assert _fail_login(client, "b1@example.org", "198.51.100.7").status_code == 429


# 4. Limits multiplied by workers ------------------------------------------------------------


def _production(database_url, **settings):
    return type("C", (ProductionConfig,), {"SECRET_KEY": REAL_KEY, "SQLALCHEMY_DATABASE_URI": database_url, **settings})


def test_production_refuses_per_process_limits(database_url):
    with pytest.raises(RuntimeError, match="RATELIMIT_STORAGE_URI"):
        create_app(_production(database_url, RATELIMIT_STORAGE_URI="memory://"))


def test_production_accepts_per_process_limits_for_a_declared_single_process(database_url):
    app = create_app(_production(database_url, RATELIMIT_STORAGE_URI="memory://", FORUM_SINGLE_PROCESS=True))
    assert app.config["RATELIMIT_STORAGE_URI"] == "memory://"


def _start_gunicorn(tmp_path, env, workers=2):
    """The forum under gunicorn (deploy/gunicorn.conf.py) on a free loopback port; demo data seeded first."""
    # Production refuses demo data: the development configuration seeds the same database.
    seed_env = {**env, "FORUM_CONFIG": "development"}
    for command in (["db", "upgrade"], ["forum", "seed-demo"]):
        subprocess.run(
            [sys.executable, "-m", "flask", *command],
            cwd=ROOT,
            env=seed_env,
            check=True,
            capture_output=True,
            timeout=180,
        )
    port = free_port()
    log = open(tmp_path / "gunicorn.log", "wb")  # noqa: SIM115 (open while gunicorn runs, closed below)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-c",
            "deploy/gunicorn.conf.py",
            "-w",
            str(workers),
            "-b",
            f"127.0.0.1:{port}",
            "wsgi:app",
        ],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    for _attempt in range(1200):
        if process.poll() is not None:
            break
        try:
            with urllib.request.urlopen(url + "/health", timeout=2):
                return process, url, log
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.05)  # server start-up only
    _stop(process, log)
    raise RuntimeError((tmp_path / "gunicorn.log").read_text(errors="replace"))


def _stop(process, log):
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
    log.close()


def _failed_logins(url, email, count):
    """Status codes of `count` failed logins for `email`, each on a new connection (any worker may answer)."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
    with opener.open(url + "/login", timeout=30) as response:
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', response.read().decode()).group(1)
    statuses = []
    for _attempt in range(count):
        data = urllib.parse.urlencode({"csrf_token": token, "email": email, "password": "wrong password!!"}).encode()
        request = urllib.request.Request(url + "/login", data=data, headers={"Connection": "close"})
        try:
            with opener.open(request, timeout=30) as response:
                statuses.append(response.status)
        except urllib.error.HTTPError as error:
            statuses.append(error.code)
    return statuses


def test_two_workers_share_the_login_limit_through_redis(tmp_path, redis_url):
    import redis

    redis.Redis.from_url(redis_url).flushdb()
    env = _clean_env(
        FLASK_APP="wsgi.py",
        FORUM_CONFIG="production",
        SECRET_KEY=REAL_KEY,
        DATABASE_URL=f"sqlite:///{tmp_path / 'forum.db'}",
        RATELIMIT_STORAGE_URI=redis_url,
        MAIL_BACKEND="outbox",
        SESSION_COOKIE_SECURE="false",
        FORUM_BASE_URL="http://127.0.0.1",
        ARGON2_TIME_COST="1",
        ARGON2_MEMORY_COST="1024",
        ARGON2_PARALLELISM="1",
        PYTHONUNBUFFERED="1",
        LOGIN_LIMIT_PER_ACCOUNT="5 per 10 minutes",
        LOGIN_LIMIT_PER_ADDRESS="20 per 10 minutes",
    )
    process, url, log = _start_gunicorn(tmp_path, env, workers=2)
    try:
        statuses = _failed_logins(url, "admin@forum.test", 6)
    finally:
        _stop(process, log)
    assert statuses == [200] * 5 + [429], (tmp_path / "gunicorn.log").read_text(errors="replace")


def test_production_without_a_shared_store_does_not_start_under_gunicorn(tmp_path):
    env = _clean_env(
        FLASK_APP="wsgi.py",
        FORUM_CONFIG="production",
        SECRET_KEY=REAL_KEY,
        DATABASE_URL=f"sqlite:///{tmp_path / 'forum.db'}",
        RATELIMIT_STORAGE_URI="memory://",
    )
    result = subprocess.run(
        [sys.executable, "-c", "import wsgi"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0
    assert "RATELIMIT_STORAGE_URI" in result.stderr


# 5. Login timing ------------------------------------------------------------------------------


def test_unknown_and_known_addresses_cost_the_same_hash_work(app, make_user, monkeypatch):
    user = make_user()
    unactivated = make_user(password=None)
    calls = []
    original_hash, original_verify = PasswordHasher.hash, PasswordHasher.verify
    monkeypatch.setattr(
        PasswordHasher, "hash", lambda self, *a, **k: calls.append("hash") or original_hash(self, *a, **k)
    )
    monkeypatch.setattr(
        PasswordHasher, "verify", lambda self, *a, **k: calls.append("verify") or original_verify(self, *a, **k)
    )
    costs = {}
    for label, email in (
        ("known", user.email),
        ("unknown", "nobody@example.org"),
        ("unactivated", unactivated.email),
        ("unknown again", "nobody-else@example.org"),
    ):
        calls.clear()
        assert accounts.authenticate(email, "wrong password!!") is None
        costs[label] = list(calls)
    assert costs == {label: ["verify"] for label in costs}


# 7. Opening a one-time link signs nobody out ------------------------------------------------------


@pytest.mark.parametrize("path", ["/reset/garbage", "/activate/garbage"])
def test_opening_a_bad_link_keeps_the_visitor_signed_in(client, make_user, login, path):
    user = make_user()
    login(client, user)
    assert client.get(path).status_code == 404
    assert _session_user_id(client) == user.get_id()
    assert client.get("/profile").status_code == 200


def test_opening_a_valid_reset_link_signs_out_only_once_the_password_is_set(client, make_user, login):
    user = make_user()
    raw = accounts.issue_token(user, TokenPurpose.reset)
    db.session.commit()
    login(client, user)
    assert client.get(f"/reset/{raw}").status_code == 200
    assert _session_user_id(client) == user.get_id()
    response = client.post(
        f"/reset/{raw}", data={"password": "a brand new passphrase 7", "confirm": "a brand new passphrase 7"}
    )
    assert response.status_code == 302
    assert _session_user_id(client) is None


# 8. Formula injection in CSV downloads -------------------------------------------------------------


@pytest.mark.parametrize("prefix", ["=", "+", "-", "@", "\t", "\r", "|", "%"])
def test_safe_cell_escapes_every_formula_prefix(prefix):
    assert safe_cell(prefix + "1+2") == "'" + prefix + "1+2"


def test_safe_cell_leaves_ordinary_text_and_numbers():
    assert safe_cell("Camille") == "Camille"
    assert safe_cell(42) == "42"
    assert safe_cell(None) == ""


def test_audit_csv_escapes_the_actors_address(client, make_user, login):
    from forum import audit

    admin = make_user("admin", email="=1+2@example.org")
    audit.record(admin, "account.update", admin, note="=HYPERLINK(1)")
    db.session.commit()
    login(client, admin)
    response = client.get("/moderation/audit.csv")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    cells = [cell for row in rows[1:] for cell in row]
    assert "'=1+2@example.org" in cells
    assert not [cell for cell in cells if cell[:1] in ("=", "+", "-", "@", "\t", "\r", "|", "%")]


# 10. Live one-time links in the outbox ------------------------------------------------------------


def _link_in(body):
    return re.search(r"https?://\S+/(?:activate|reset|invitation)/[A-Za-z0-9_-]+", body)


def test_sent_messages_keep_no_live_link(app, make_user, outbox, smtp_server):
    from forum.notifications import service as notifications

    user = make_user()
    accounts.request_password_reset(user.email)
    db.session.commit()
    message = outbox(to=user.email)[-1]
    assert _link_in(message.body), "pending: the link is still needed for delivery"

    assert notifications.deliver_pending().sent == 1
    assert _link_in(smtp_server.to(user.email)[0].text)
    db.session.refresh(message)
    assert not _link_in(message.body)
    assert "[link removed after sending]" in message.body
    assert message.redacted_body is None


def test_console_backend_prints_the_link_but_stores_it_redacted(app, make_user, outbox, monkeypatch, capsys):
    monkeypatch.setitem(app.config, "MAIL_BACKEND", "console")
    user = make_user(locale="fr")
    accounts.request_password_reset(user.email)
    db.session.commit()
    assert _link_in(capsys.readouterr().out)
    message = outbox(to=user.email)[-1]
    assert not _link_in(message.body)


def test_outbox_page_shows_bodies_only_when_mail_stays_local(app, client, make_user, login, monkeypatch):
    admin = make_user("admin")
    accounts.request_password_reset(admin.email)
    db.session.commit()
    login(client, admin)
    assert b"email-body" in client.get("/admin/outbox").data
    monkeypatch.setitem(app.config, "MAIL_BACKEND", "smtp")
    page = client.get("/admin/outbox").get_data(as_text=True)
    assert "Reset your password" in page
    assert "email-body" not in page
    assert not _link_in(page)


# check-deployment -----------------------------------------------------------------------------------


def _check(settings):
    app = create_app(settings)
    return app.test_cli_runner().invoke(args=["forum", "check-deployment"])


def test_check_deployment_lists_what_is_unsafe(database_url):
    result = _check(
        _production(
            database_url,
            RATELIMIT_STORAGE_URI="memory://",
            FORUM_SINGLE_PROCESS=False,
            FORUM_BASE_URL="http://forum.example.org",
            MAIL_BACKEND="console",
            SESSION_COOKIE_SECURE=False,
            SQLALCHEMY_DATABASE_URI="sqlite:///forum.db",
            TESTING=True,
        )
    )
    assert result.exit_code == 1
    output = result.output
    for words in (
        "memory://",
        "FORUM_BASE_URL is not https",
        "SQLite",
        "MAIL_BACKEND is console",
        "SESSION_COOKIE_SECURE",
    ):
        assert words in output
    assert "OK:" not in output


def test_check_deployment_flags_a_default_key(database_url):
    assert deployment_problems({"SECRET_KEY": DEFAULT_SECRET_KEY})[0][0] == "unsafe"


def test_check_deployment_warns_about_a_missing_proxy_setting(database_url):
    result = _check(
        _production(
            database_url,
            RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/0",
            FORUM_BASE_URL="https://forum.example.org",
            FORUM_PROXY_HOPS=0,
            SQLALCHEMY_DATABASE_URI="postgresql+psycopg://forum@db/forum",
        )
    )
    assert result.exit_code == 0
    assert "WARNING: FORUM_PROXY_HOPS" in result.output


def test_check_deployment_says_ok_for_a_safe_configuration(database_url):
    result = _check(
        _production(
            database_url,
            RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/0",
            FORUM_BASE_URL="https://forum.example.org",
            FORUM_PROXY_HOPS=1,
            SQLALCHEMY_DATABASE_URI="postgresql+psycopg://forum@db/forum",
        )
    )
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "OK: nothing unsafe found in this configuration."


def test_make_run_serves_on_port_and_links_name_it():
    import subprocess
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    plan = subprocess.run(["make", "-n", "run", "PORT=8123"], cwd=root, capture_output=True, text=True, check=True)
    assert "--port 8123" in plan.stdout
    # E-mailed links (activation, notifications) follow the port rather than always saying 5000.
    assert "FORUM_BASE_URL=${FORUM_BASE_URL:-http://127.0.0.1:8123}" in plan.stdout


def test_the_warm_up_compiles_every_template_and_reads_every_catalog(app, monkeypatch):
    """After `forum.warm_up` (run in gunicorn's master), no page has a template to compile or a catalog to read."""
    from flask_babel import get_domain

    import forum

    get_domain().cache.clear()  # the catalogs read by earlier tests of this process
    forum.warm_up(app)

    def refuse(*args):
        raise AssertionError(f"read after the warm-up: {args[-1]}")

    monkeypatch.setattr(type(app.jinja_env.loader), "get_source", refuse)
    for name in app.jinja_env.list_templates(extensions=("html", "txt")):
        app.jinja_env.get_template(name)
    cached = {locale for locale, _domain in get_domain().cache}
    assert set(app.config["FORUM_UI_LOCALES"]) <= cached


def test_gunicorn_warms_the_forum_up_before_forking_its_workers(app, monkeypatch):
    import runpy
    from types import SimpleNamespace

    from flask import Flask

    import forum

    hooks = runpy.run_path(str(ROOT / "deploy" / "gunicorn.conf.py"))
    warmed = []
    monkeypatch.setattr(forum, "warm_up", warmed.append)

    def server(loaded, preload=True):
        return SimpleNamespace(cfg=SimpleNamespace(preload_app=preload), app=SimpleNamespace(wsgi=lambda: loaded))

    hooks["when_ready"](server(app))
    hooks["when_ready"](server(Flask("ceiling")))  # another app under the same settings (bench/ceiling.py)
    hooks["when_ready"](server(app, preload=False))  # each worker loads its own app: nothing to inherit
    assert warmed == [app]
