"""Activation and password-reset links: one use, expiry, wrong tokens; password rules."""

import re

import pytest

from forum.accounts import service
from forum.accounts.models import AccountToken, Role
from forum.extensions import db

NEW_PASSWORD = "a long and unusual passphrase"


def _link(message, kind):
    match = re.search(rf"http://\S+/{kind}/(\S+)", message.body)
    assert match, message.body
    return match.group(1)


@pytest.fixture
def new_account(app, make_user, outbox):
    admin = make_user("admin")
    user = service.create_account(
        email="new.delegate@example.org",
        display_name="New Delegate",
        role=Role.delegate,
        member_state=None or _state("KEN"),
        by=admin,
    )
    db.session.commit()
    token = _link(outbox("new.delegate@example.org")[-1], "activate")
    return user, token


def _state(code):
    from forum.members.service import find_state

    return find_state(code)


def test_activation_link_sets_the_password_once(client, new_account):
    user, token = new_account
    assert client.get(f"/activate/{token}").status_code == 200
    response = client.post(f"/activate/{token}", data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert client.post("/login", data={"email": user.email, "password": NEW_PASSWORD}).status_code == 302
    client.post("/logout")
    again = client.post(
        f"/activate/{token}", data={"password": "another long passphrase", "confirm": "another long passphrase"}
    )
    assert again.status_code == 404
    assert client.post("/login", data={"email": user.email, "password": "another long passphrase"}).status_code == 200


def test_only_the_hash_of_the_token_is_stored(app, new_account):
    _user, token = new_account
    stored = db.session.scalars(db.select(AccountToken.token_hash)).all()
    assert token not in stored
    assert all(len(value) == 64 for value in stored)


def test_activation_link_expires_after_seven_days(client, new_account, frozen_clock):
    _user, token = new_account
    token_row = db.session.scalars(db.select(AccountToken)).one()
    frozen_clock.set(token_row.expires_at)
    assert client.get(f"/activate/{token}").status_code == 404
    frozen_clock.set(token_row.expires_at - __import__("datetime").timedelta(minutes=1))
    assert client.get(f"/activate/{token}").status_code == 200


@pytest.mark.parametrize("token", ["wrong", "x" * 43, "a" * 500])
def test_wrong_token_is_refused(client, new_account, token):
    response = client.get(f"/activate/{token}")
    assert response.status_code == 404
    assert b"This link does not work" in response.data


def test_activation_token_does_not_work_as_reset_token(client, new_account):
    _user, token = new_account
    assert client.get(f"/reset/{token}").status_code == 404


@pytest.mark.parametrize(
    "password,message",
    [
        ("short pass", "Use at least 12 characters."),
        ("1qaz2wsx3edc", "This password is too common"),
        ("new.delegate@example.org", "must not be your e-mail address"),
    ],
)
def test_weak_passwords_are_refused_and_nothing_changes(client, new_account, password, message):
    user, token = new_account
    response = client.post(f"/activate/{token}", data={"password": password, "confirm": password})
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    db.session.refresh(user)
    assert user.password_hash is None
    assert client.get(f"/activate/{token}").status_code == 200


def test_mismatched_confirmation_is_refused(client, new_account):
    _user, token = new_account
    response = client.post(f"/activate/{token}", data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD + "x"})
    assert b"The two passwords are not the same." in response.data


def test_new_activation_link_replaces_the_old_one(app, new_account, outbox):
    user, old = new_account
    service.send_activation_email(user)
    db.session.commit()
    assert service.find_valid_token(old, AccountToken.purpose.type.enum_class("activation")) is None


def test_password_reset_flow(client, make_user, outbox):
    user = make_user()
    response = client.post("/reset", data={"email": user.email.upper()})
    assert response.status_code == 302
    token = _link(outbox(user.email)[-1], "reset")
    response = client.post(f"/reset/{token}", data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert client.post("/login", data={"email": user.email, "password": NEW_PASSWORD}).status_code == 302
    client.post("/logout")
    assert client.get(f"/reset/{token}").status_code == 404


def test_reset_request_for_unknown_address_looks_the_same(client, outbox):
    response = client.post("/reset", data={"email": "nobody@example.org"}, follow_redirects=True)
    assert b"If this address belongs to an account" in response.data
    assert outbox() == []


def test_reset_ends_existing_sessions(app, make_user, login, outbox):
    user = make_user()
    other_device = login(app.test_client(), user)
    assert other_device.get("/").status_code == 200
    token = service.request_password_reset(user.email)
    db.session.commit()
    app.test_client().post(f"/reset/{token}", data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert other_device.get("/").status_code == 302


def test_reset_token_expires(client, make_user, frozen_clock):
    user = make_user()
    token = service.request_password_reset(user.email)
    db.session.commit()
    frozen_clock.advance(hours=24, seconds=1)
    assert client.get(f"/reset/{token}").status_code == 404


def test_password_is_hashed_with_argon2_and_rehashed_when_parameters_change(app, make_user):
    user = make_user()
    assert user.password_hash.startswith("$argon2id$")
    old_hash = user.password_hash
    app.config["ARGON2_TIME_COST"] = 2
    assert service.authenticate(user.email, "correct horse battery staple") is user
    assert user.password_hash != old_hash
    assert "t=2" in user.password_hash


def test_signing_in_on_the_page_stores_the_rehashed_password(app, make_user):
    # The login page checks the password without the write lock; the new hash is written afterwards.
    user = make_user()
    old_hash = user.password_hash
    app.config["ARGON2_TIME_COST"] = 2
    client = app.test_client()
    response = client.post("/login", data={"email": user.email, "password": "correct horse battery staple"})
    assert response.status_code == 302 and "/login" not in response.location
    db.session.expire_all()
    stored = db.session.get(type(user), user.id).password_hash
    assert stored != old_hash and "t=2" in stored
