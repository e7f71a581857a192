"""Two-factor sign-in (issue #14): TOTP enrolment, the second step, recovery codes, resets, the gate."""

import re

import pyotp
import pytest
from sqlalchemy import select

from forum.audit import AuditEvent
from forum.extensions import db
from forum.threads.models import Post, PostState
from forum.twofactor import service
from forum.twofactor.models import RecoveryCode, SecurityEvent, TotpFactor
from tests.conftest import PASSWORD


def _code(secret, moment):
    return pyotp.TOTP(secret).at(moment)


def _actions(action):
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()


def _kinds():
    return [event.kind for event in db.session.scalars(select(SecurityEvent).order_by(SecurityEvent.id))]


def _enrol(client, user, frozen_clock):
    """Walk through the enrolment pages; returns (secret, recovery codes)."""
    page = client.get("/account/second-factor")
    assert page.status_code == 200
    secret = re.search(rb'id="totp-secret">([A-Z2-7]+)<', page.data).group(1).decode()
    response = client.post("/account/second-factor", data={"code": _code(secret, frozen_clock.now)})
    assert response.status_code == 302
    assert response.location.endswith("/account/second-factor/recovery-codes")
    shown = client.get(response.location)
    codes = re.findall(rb"<code>([0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4})</code>", shown.data)
    return secret, [code.decode() for code in codes]


def _password(client, user):
    return client.post("/login", data={"email": user.email, "password": PASSWORD})


@pytest.fixture
def enrolled(client, make_user, login, frozen_clock):
    """A delegate who enrolled an authenticator app, then signed out (a fresh client)."""
    user = make_user()
    login(client, user)
    secret, codes = _enrol(client, user, frozen_clock)
    client.post("/logout")
    frozen_clock.advance(minutes=1)
    return user, secret, codes


def test_enrolment_shows_qr_secret_and_ten_recovery_codes_once(client, make_user, login, frozen_clock):
    user = make_user()
    login(client, user)
    page = client.get("/account/second-factor")
    assert b'src="/account/second-factor/qr.svg"' in page.data
    qr = client.get("/account/second-factor/qr.svg")
    assert qr.status_code == 200 and qr.mimetype == "image/svg+xml" and b"<svg" in qr.data
    secret, codes = _enrol(client, user, frozen_clock)
    assert len(codes) == 10 and len(set(codes)) == 10
    db.session.refresh(user)
    assert user.second_factor_enabled
    # Stored hashed only, and shown once.
    stored = db.session.scalars(select(RecoveryCode.code_hash)).all()
    assert all(code not in stored for code in codes)
    assert client.get("/account/second-factor/recovery-codes").status_code == 302
    assert len(_actions("twofactor.enrol")) == 1
    assert "twofactor.enrol" in _kinds()


def test_wrong_confirmation_code_does_not_enrol(client, make_user, login, frozen_clock):
    user = make_user()
    login(client, user)
    client.get("/account/second-factor")
    response = client.post("/account/second-factor", data={"code": "000000"})
    assert response.status_code == 200
    db.session.refresh(user)
    assert not user.second_factor_enabled


def test_sign_in_needs_the_code_after_the_password(client, enrolled, frozen_clock):
    user, secret, _codes = enrolled
    response = _password(client, user)
    assert response.location == "/login/second-factor"
    # Half signed in is not signed in.
    assert client.get("/").status_code == 302
    assert client.get("/").location.startswith("/login")
    response = client.post("/login/second-factor", data={"code": _code(secret, frozen_clock.now)})
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    assert _kinds()[-2:] == ["twofactor.success", "login.success"]


def test_wrong_code_is_refused_and_audited(client, enrolled):
    user, _secret, _codes = enrolled
    _password(client, user)
    response = client.post("/login/second-factor", data={"code": "123456"})
    assert response.status_code == 200
    assert client.get("/").status_code == 302
    assert len(_actions("twofactor.failure")) == 1
    assert "twofactor.failure" in _kinds()


def test_a_code_cannot_be_replayed_in_its_window(client, app, enrolled, frozen_clock):
    user, secret, _codes = enrolled
    code = _code(secret, frozen_clock.now)
    _password(client, user)
    assert client.post("/login/second-factor", data={"code": code}).status_code == 302
    other = app.test_client()
    _password(other, user)
    frozen_clock.advance(seconds=10)
    assert other.post("/login/second-factor", data={"code": code}).status_code == 200
    assert other.get("/").status_code == 302


def test_pending_login_expires(client, enrolled, frozen_clock):
    user, secret, _codes = enrolled
    _password(client, user)
    frozen_clock.advance(minutes=10)
    response = client.post("/login/second-factor", data={"code": _code(secret, frozen_clock.now)})
    assert response.location == "/login"
    assert client.get("/").status_code == 302


def test_a_recovery_code_works_once_and_is_audited(client, app, enrolled):
    user, _secret, codes = enrolled
    _password(client, user)
    assert client.post("/login/second-factor", data={"code": codes[0].upper()}).status_code == 302
    assert client.get("/").status_code == 200
    used = _actions("twofactor.recovery_used")
    assert len(used) == 1 and used[0].details["remaining"] == 9
    other = app.test_client()
    _password(other, user)
    assert other.post("/login/second-factor", data={"code": codes[0]}).status_code == 200
    assert other.get("/").status_code == 302


def test_recovery_codes_regenerate_from_the_profile(client, make_user, login, frozen_clock):
    user = make_user()
    login(client, user)
    _secret, old = _enrol(client, user, frozen_clock)
    response = client.post("/account/second-factor/recovery-codes")
    page = client.get(response.location)
    new = re.findall(rb"<code>([0-9a-f-]{14})</code>", page.data)
    assert len(new) == 10 and not set(old) & {code.decode() for code in new}
    assert db.session.scalar(select(db.func.count(RecoveryCode.id))) == 10


def test_moderator_without_factor_is_sent_to_enrolment_and_cannot_act(client, make_user, login, make_thread, room):
    author = make_user()
    thread = make_thread(room, author)
    post = db.session.scalar(select(Post).where(Post.thread_id == thread.id))
    moderator = make_user("moderator")
    login(client, moderator, second_factor=False)
    for url in ["/", f"/t/{thread.id}", "/moderation", "/admin/accounts", "/profile"]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.location == "/account/second-factor"
    response = client.post(f"/moderation/posts/{post.id}/hide", data={"hide-clause": "3.2", "hide-reason": "r"})
    assert response.location == "/account/second-factor"
    db.session.refresh(post)
    assert post.state == PostState.visible
    assert client.get("/account/second-factor").status_code == 200
    assert client.get("/protocol").status_code == 200


def test_moderator_can_act_after_enrolling(client, make_user, login, frozen_clock):
    moderator = make_user("moderator")
    login(client, moderator, second_factor=False)
    _enrol(client, moderator, frozen_clock)
    assert client.get("/").status_code == 200


def test_delegate_may_skip_enrolment(client, make_user, login):
    login(client, make_user())
    assert client.get("/").status_code == 200
    assert b"Not now" in client.get("/account/second-factor").data


def test_enabling_ends_other_sessions_but_not_this_one(client, app, make_user, login, frozen_clock):
    user = make_user()
    login(client, user)
    copy = app.test_client()
    login(copy, user)
    assert copy.get("/").status_code == 200
    _enrol(client, user, frozen_clock)
    assert client.get("/").status_code == 200
    assert copy.get("/").status_code == 302


def test_removing_ends_other_sessions_and_is_audited(client, app, make_user, login, frozen_clock):
    user = make_user()
    login(client, user)
    _enrol(client, user, frozen_clock)
    copy = app.test_client()
    login(copy, user)
    assert copy.get("/").status_code == 200
    assert client.post("/account/second-factor/remove").status_code == 302
    assert client.get("/").status_code == 200
    assert copy.get("/").status_code == 302
    db.session.refresh(user)
    assert not user.second_factor_enabled
    assert db.session.scalar(select(db.func.count(TotpFactor.id))) == 0
    assert len(_actions("twofactor.remove")) == 1


def test_admin_resets_a_second_factor_with_a_reason(client, app, make_user, login, frozen_clock):
    user = make_user("moderator")
    user_client = app.test_client()
    login(user_client, user)
    admin = make_user("admin")
    login(client, admin)
    page = client.get(f"/admin/accounts/{user.id}").data.decode()
    assert "Reset the second factor" in page and "<form" not in page.split("</title>")[0]
    url = f"/admin/accounts/{user.id}/second-factor/reset"
    client.post(url, data={"reason": "  "})
    db.session.refresh(user)
    assert user.second_factor_enabled
    client.post(url, data={"reason": "Lost phone, identity checked by telephone"})
    db.session.refresh(user)
    assert not user.second_factor_enabled
    (event,) = _actions("twofactor.reset")
    assert event.actor_id == admin.id and event.target_id == user.id
    assert event.reason == "Lost phone, identity checked by telephone"
    # The user's sessions ended; on the next sign-in they must enrol again.
    assert user_client.get("/").status_code == 302
    login(user_client, user, second_factor=False)
    assert user_client.get("/").location == "/account/second-factor"


def test_only_admins_reset(client, make_user, login):
    target = make_user("delegate")
    login(client, make_user("moderator"))
    response = client.post(f"/admin/accounts/{target.id}/second-factor/reset", data={"reason": "x"})
    assert response.status_code == 403


class TestThrottling:
    @pytest.fixture
    def config_overrides(self):
        return {"SECOND_FACTOR_LIMIT_PER_ACCOUNT": "3 per 10 minutes"}

    def test_too_many_wrong_codes_get_429(self, client, enrolled, frozen_clock):
        user, secret, _codes = enrolled
        _password(client, user)
        for _ in range(3):
            assert client.post("/login/second-factor", data={"code": "000000"}).status_code == 200
        response = client.post("/login/second-factor", data={"code": _code(secret, frozen_clock.now)})
        assert response.status_code == 429
        assert client.get("/").status_code == 302


def test_service_refuses_replay_directly(app, make_user, frozen_clock):
    user = make_user()
    factor = service.start_totp(user)
    code = _code(factor.secret, frozen_clock.now)
    service.confirm_totp(user, code)
    assert service.verify_second_factor(user, code) is None
    frozen_clock.advance(seconds=30)
    assert service.verify_second_factor(user, _code(factor.secret, frozen_clock.now)) == "totp"
