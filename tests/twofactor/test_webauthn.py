"""Security keys and passkeys (WebAuthn) as a second factor, checked with a software authenticator."""

import hashlib
import json
import secrets

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import select
from webauthn.helpers import bytes_to_base64url, encode_cbor

from forum.audit import AuditEvent
from forum.errors import Invalid, NotAllowed
from forum.extensions import db
from forum.twofactor import keys, service
from forum.twofactor.models import RecoveryCode, SecurityEvent, WebAuthnCredential
from tests.conftest import PASSWORD

ORIGIN = "http://localhost:5000"
RP_ID = "localhost"

UP, UV, AT = 0x01, 0x04, 0x40


@pytest.fixture
def config_overrides():
    return {"FORUM_BASE_URL": ORIGIN}


class SoftKey:
    """A software authenticator: an EC P-256 key, attestation "none", a counter it can be told to reuse."""

    def __init__(self):
        self.private = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = secrets.token_bytes(32)
        self.sign_count = 0

    @property
    def id(self):
        return bytes_to_base64url(self.credential_id)

    def _cose_key(self):
        numbers = self.private.public_key().public_numbers()
        return encode_cbor({1: 2, 3: -7, -1: 1, -2: numbers.x.to_bytes(32, "big"), -3: numbers.y.to_bytes(32, "big")})

    def _authenticator_data(self, rp_id, flags, count, attested=False):
        data = hashlib.sha256(rp_id.encode()).digest() + bytes([flags]) + count.to_bytes(4, "big")
        if attested:
            data += bytes(16) + len(self.credential_id).to_bytes(2, "big") + self.credential_id + self._cose_key()
        return data

    @staticmethod
    def _client_data(kind, challenge, origin):
        return json.dumps(
            {"type": kind, "challenge": bytes_to_base64url(challenge), "origin": origin, "crossOrigin": False}
        ).encode()

    def register(self, challenge, *, origin=ORIGIN, rp_id=RP_ID):
        client_data = self._client_data("webauthn.create", challenge, origin)
        attestation = encode_cbor(
            {"fmt": "none", "attStmt": {}, "authData": self._authenticator_data(rp_id, UP | UV | AT, 0, True)}
        )
        return {
            "id": self.id,
            "rawId": self.id,
            "type": "public-key",
            "response": {
                "clientDataJSON": bytes_to_base64url(client_data),
                "attestationObject": bytes_to_base64url(attestation),
                "transports": ["usb", "made-up"],
            },
            "clientExtensionResults": {},
        }

    def sign(self, challenge, *, origin=ORIGIN, rp_id=RP_ID, count=None):
        if count is None:
            self.sign_count += 1
            count = self.sign_count
        client_data = self._client_data("webauthn.get", challenge, origin)
        authenticator_data = self._authenticator_data(rp_id, UP | UV, count)
        signature = self.private.sign(
            authenticator_data + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256())
        )
        return {
            "id": self.id,
            "rawId": self.id,
            "type": "public-key",
            "response": {
                "clientDataJSON": bytes_to_base64url(client_data),
                "authenticatorData": bytes_to_base64url(authenticator_data),
                "signature": bytes_to_base64url(signature),
                "userHandle": None,
            },
            "clientExtensionResults": {},
        }


def _actions(action):
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()


def _kinds():
    return [event.kind for event in db.session.scalars(select(SecurityEvent).order_by(SecurityEvent.id))]


def _register(user, key, name="Blue key"):
    options, challenge = keys.registration_options(user)
    assert json.loads(options)["rp"]["id"] == RP_ID
    codes = keys.register_key(user, key.register(challenge), challenge, name)
    db.session.commit()
    return codes


def _sign_in_challenge(user):
    options, challenge = keys.authentication_options(user)
    return json.loads(options), challenge


# Configuration ---------------------------------------------------------------------


def test_relying_party_comes_from_the_base_url_unless_configured(app):
    assert keys.rp_id() == RP_ID
    assert keys.expected_origin() == ORIGIN
    app.config["FORUM_WEBAUTHN_RP_ID"] = "forum.example.org"
    assert keys.rp_id() == "forum.example.org"


# Registration ----------------------------------------------------------------------


def test_registering_a_key_enables_the_second_factor_with_recovery_codes(make_user):
    user = make_user()
    secret_before = user.session_secret
    codes = _register(user, SoftKey())
    assert codes is not None and len(codes) == 10
    db.session.refresh(user)
    assert user.second_factor_enabled and service.has_second_factor(user)
    assert user.session_secret != secret_before  # other sessions end
    stored = db.session.scalars(select(WebAuthnCredential)).one()
    assert stored.name == "Blue key" and stored.transports == ["usb"] and stored.sign_count == 0
    enrol = _actions("twofactor.enrol")
    assert len(enrol) == 1
    assert "twofactor.enrol" in _kinds()


def test_a_second_key_keeps_the_recovery_codes(make_user):
    user = make_user()
    first = _register(user, SoftKey())
    hashes_before = set(db.session.scalars(select(RecoveryCode.code_hash)))
    assert _register(user, SoftKey(), name="  ") is None
    assert set(db.session.scalars(select(RecoveryCode.code_hash))) == hashes_before
    assert len(first) == 10 and len(keys.user_keys(user)) == 2
    assert keys.user_keys(user)[1].name == "Security key"


def test_registration_options_exclude_keys_already_registered(make_user):
    user = make_user()
    key = SoftKey()
    _register(user, key)
    options, _challenge = keys.registration_options(user)
    assert [item["id"] for item in json.loads(options)["excludeCredentials"]] == [key.id]


def test_registration_with_another_challenge_is_refused(make_user):
    user = make_user()
    _options, challenge = keys.registration_options(user)
    with pytest.raises(Invalid):
        keys.register_key(user, SoftKey().register(secrets.token_bytes(32)), challenge, "Key")
    with pytest.raises(Invalid):
        keys.register_key(user, SoftKey().register(challenge), None, "Key")
    assert not keys.has_keys(user)


def test_registration_from_another_origin_or_relying_party_is_refused(make_user):
    user = make_user()
    _options, challenge = keys.registration_options(user)
    with pytest.raises(Invalid):
        keys.register_key(user, SoftKey().register(challenge, origin="https://evil.example"), challenge, "Key")
    with pytest.raises(Invalid):
        keys.register_key(user, SoftKey().register(challenge, rp_id="evil.example"), challenge, "Key")
    with pytest.raises(Invalid):
        keys.register_key(user, "not a credential", challenge, "Key")
    assert not keys.has_keys(user)


def test_the_same_key_is_not_registered_twice(make_user):
    user = make_user()
    key = SoftKey()
    _register(user, key)
    _options, challenge = keys.registration_options(user)
    with pytest.raises(Invalid):
        keys.register_key(user, key.register(challenge), challenge, "Again")


# Signing in ------------------------------------------------------------------------


def test_a_signed_assertion_is_accepted_and_the_counter_kept(make_user):
    user = make_user()
    key = SoftKey()
    _register(user, key)
    options, challenge = _sign_in_challenge(user)
    assert [item["id"] for item in options["allowCredentials"]] == [key.id]
    assert options["rpId"] == RP_ID
    assert keys.verify_key(user, key.sign(challenge), challenge) == "webauthn"
    stored = keys.user_keys(user)[0]
    assert stored.sign_count == 1 and stored.last_used_at is not None
    assert "twofactor.success" in _kinds()


def test_an_assertion_for_another_challenge_is_refused_and_audited(make_user):
    user = make_user()
    key = SoftKey()
    _register(user, key)
    _options, challenge = _sign_in_challenge(user)
    assert keys.verify_key(user, key.sign(secrets.token_bytes(32)), challenge) is None
    assert keys.verify_key(user, key.sign(challenge), None) is None
    assert len(_actions("twofactor.failure")) == 2
    assert _kinds().count("twofactor.failure") == 2


def test_an_assertion_from_another_origin_or_relying_party_is_refused(make_user):
    user = make_user()
    key = SoftKey()
    _register(user, key)
    _options, challenge = _sign_in_challenge(user)
    assert keys.verify_key(user, key.sign(challenge, origin="https://evil.example"), challenge) is None
    assert keys.verify_key(user, key.sign(challenge, rp_id="evil.example"), challenge) is None


def test_an_assertion_signed_by_another_key_is_refused(make_user):
    user = make_user()
    key = SoftKey()
    _register(user, key)
    forger = SoftKey()
    forger.credential_id = key.credential_id
    _options, challenge = _sign_in_challenge(user)
    assert keys.verify_key(user, forger.sign(challenge), challenge) is None


def test_another_users_key_is_refused(make_user):
    owner, other = make_user(), make_user()
    key = SoftKey()
    _register(owner, key)
    _register(other, SoftKey())
    _options, challenge = _sign_in_challenge(other)
    assert keys.verify_key(other, key.sign(challenge), challenge) is None


def test_a_counter_that_goes_back_is_refused_as_a_possible_copy(make_user):
    user = make_user()
    key = SoftKey()
    _register(user, key)
    _options, challenge = _sign_in_challenge(user)
    assert keys.verify_key(user, key.sign(challenge, count=5), challenge) == "webauthn"
    _options, challenge = _sign_in_challenge(user)
    assert keys.verify_key(user, key.sign(challenge, count=5), challenge) is None
    _options, challenge = _sign_in_challenge(user)
    assert keys.verify_key(user, key.sign(challenge, count=3), challenge) is None
    assert keys.user_keys(user)[0].sign_count == 5
    clones = _actions("twofactor.key_clone")
    assert len(clones) == 2
    assert _kinds().count("twofactor.key_clone") == 2


def test_a_key_without_a_counter_may_keep_answering_zero(make_user):
    user = make_user()
    key = SoftKey()
    _register(user, key)
    for _round in range(2):
        _options, challenge = _sign_in_challenge(user)
        assert keys.verify_key(user, key.sign(challenge, count=0), challenge) == "webauthn"


# Removing --------------------------------------------------------------------------


def test_removing_a_key_keeps_the_factor_while_another_remains(make_user):
    user = make_user()
    _register(user, SoftKey())
    _register(user, SoftKey())
    first, second = keys.user_keys(user)
    keys.remove_key(user, first.id)
    db.session.commit()
    assert user.second_factor_enabled and keys.user_keys(user) == [second]
    keys.remove_key(user, second.id)
    db.session.commit()
    db.session.refresh(user)
    assert not user.second_factor_enabled and not keys.has_keys(user)
    assert db.session.scalars(select(RecoveryCode)).all() == []
    assert len(_actions("twofactor.key_remove")) == 2
    assert _kinds().count("twofactor.key_remove") == 2


def test_nobody_removes_another_users_key(make_user):
    owner, other = make_user(), make_user()
    _register(owner, SoftKey())
    with pytest.raises(NotAllowed):
        keys.remove_key(other, keys.user_keys(owner)[0].id)


def test_removing_the_second_factor_removes_the_keys(make_user):
    user = make_user()
    _register(user, SoftKey())
    service.remove_own_factor(user)
    db.session.commit()
    assert not keys.has_keys(user) and not user.second_factor_enabled


# Through the pages ---------------------------------------------------------------------


def test_register_then_sign_in_with_the_key_through_the_views(client, make_user, login):
    user = make_user()
    login(client, user)
    key = SoftKey()
    page = client.get("/account/second-factor")
    assert b'id="webauthn-register" hidden' in page.data and b"js/webauthn.js" in page.data
    options = client.post("/account/second-factor/keys/options", json={})
    challenge = _challenge_of(options.get_json())
    answer = client.post("/account/second-factor/keys", json={"credential": key.register(challenge), "name": "Work"})
    assert answer.status_code == 200
    assert answer.get_json()["redirect"] == "/account/second-factor/recovery-codes"
    # The challenge was used up: the same answer again is refused.
    again = client.post("/account/second-factor/keys", json={"credential": key.register(challenge), "name": "Work"})
    assert again.status_code == 400
    client.post("/logout")

    fresh = client.application.test_client()
    fresh.post("/login", data={"email": user.email, "password": PASSWORD})
    page = fresh.get("/login/second-factor")
    assert b"Use your security key" in page.data and b'id="webauthn-sign-in" hidden' in page.data
    options = fresh.post("/login/second-factor/key/options", json={})
    challenge = _challenge_of(options.get_json())
    done = fresh.post("/login/second-factor/key", json={"credential": key.sign(challenge)})
    assert done.status_code == 200 and done.get_json()["redirect"] == "/"
    assert fresh.get("/account/second-factor").status_code == 200
    assert "login.success" in _kinds()


def test_a_refused_key_at_sign_in_leaves_the_user_signed_out(client, make_user, login):
    user = make_user()
    login(client, user)
    key = SoftKey()
    challenge = _challenge_of(client.post("/account/second-factor/keys/options", json={}).get_json())
    client.post("/account/second-factor/keys", json={"credential": key.register(challenge), "name": "Work"})
    client.post("/logout")
    fresh = client.application.test_client()
    fresh.post("/login", data={"email": user.email, "password": PASSWORD})
    fresh.post("/login/second-factor/key/options", json={})
    refused = fresh.post("/login/second-factor/key", json={"credential": key.sign(secrets.token_bytes(32))})
    assert refused.status_code == 400 and refused.get_json()["redirect"] == "/login/second-factor"
    assert fresh.get("/account/second-factor").status_code in (302, 401, 403)
    assert len(_actions("twofactor.failure")) == 1


def test_without_keys_the_sign_in_page_offers_none(client, make_user):
    user = make_user("moderator")
    service.enrol_demo_factor(user, "JBSWY3DPEHPK3PXP")
    db.session.commit()
    client.post("/login", data={"email": user.email, "password": PASSWORD})
    page = client.get("/login/second-factor")
    assert page.status_code == 200 and b"webauthn" not in page.data


def _challenge_of(options):
    from webauthn.helpers import base64url_to_bytes

    return base64url_to_bytes(options["challenge"])


class TestThrottling:
    @pytest.fixture
    def config_overrides(self):
        return {"FORUM_BASE_URL": ORIGIN, "SECOND_FACTOR_LIMIT_PER_ACCOUNT": "3 per 10 minutes"}

    def test_refused_keys_and_wrong_codes_share_one_budget(self, client, make_user, login):
        user = make_user()
        login(client, user)
        key = SoftKey()
        challenge = _challenge_of(client.post("/account/second-factor/keys/options", json={}).get_json())
        client.post("/account/second-factor/keys", json={"credential": key.register(challenge), "name": "Work"})
        client.post("/logout")
        fresh = client.application.test_client()
        fresh.post("/login", data={"email": user.email, "password": PASSWORD})
        for _attempt in range(2):
            fresh.post("/login/second-factor/key/options", json={})
            refused = fresh.post("/login/second-factor/key", json={"credential": key.sign(secrets.token_bytes(32))})
            assert refused.status_code == 400
        assert fresh.post("/login/second-factor", data={"code": "000000"}).status_code == 200
        challenge = _challenge_of(fresh.post("/login/second-factor/key/options", json={}).get_json())
        assert fresh.post("/login/second-factor/key", json={"credential": key.sign(challenge)}).status_code == 429
        assert fresh.get("/account/second-factor").status_code != 200
