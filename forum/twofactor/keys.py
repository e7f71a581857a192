"""Security keys and passkeys (WebAuthn) as a second factor: registration, sign-in, removal.

The views keep each challenge in the session (single use, short-lived) and
pass it here; acts raise `forum.errors.NotAllowed`/`Invalid` and leave
committing to the caller. Only the public key of a credential is stored.
"""

from functools import lru_cache
from types import SimpleNamespace
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from forum import audit, clock, policy
from forum.errors import Invalid, NotAllowed
from forum.extensions import db
from forum.twofactor import service
from forum.twofactor.models import RecoveryCode, WebAuthnCredential

# A challenge is answered within this many seconds, or asked for again.
CHALLENGE_SECONDS = 300
TIMEOUT_MS = 120_000
NAME_MAX = 100
MAX_KEYS = 20


@lru_cache(maxsize=1)
def webauthn():
    """The WebAuthn library, imported on first use: about 14 MiB per worker that most never need (delegates
    sign in with codes; only staff with security keys ask for it)."""
    # Gathered below through locals(), hence "unused" to the linter.
    from webauthn import (  # noqa: F401
        generate_authentication_options,
        generate_registration_options,
        options_to_json,
        verify_authentication_response,
        verify_registration_response,
    )
    from webauthn.helpers import base64url_to_bytes, bytes_to_base64url  # noqa: F401
    from webauthn.helpers.exceptions import InvalidAuthenticationResponse, InvalidRegistrationResponse  # noqa: F401
    from webauthn.helpers.structs import (  # noqa: F401
        AuthenticatorSelectionCriteria,
        AuthenticatorTransport,
        PublicKeyCredentialDescriptor,
        ResidentKeyRequirement,
        UserVerificationRequirement,
    )

    return SimpleNamespace(**locals())


def known_transports():
    return {transport.value for transport in webauthn().AuthenticatorTransport}


def rp_id():
    """The relying party id: FORUM_WEBAUTHN_RP_ID, else the host of FORUM_BASE_URL."""
    configured = current_app.config.get("FORUM_WEBAUTHN_RP_ID") or ""
    return configured or (urlsplit(current_app.config["FORUM_BASE_URL"]).hostname or "")


def expected_origin():
    parts = urlsplit(current_app.config["FORUM_BASE_URL"])
    return f"{parts.scheme}://{parts.netloc}"


def user_keys(user):
    return db.session.scalars(
        select(WebAuthnCredential).where(WebAuthnCredential.user_id == user.id).order_by(WebAuthnCredential.id)
    ).all()


def has_keys(user):
    return db.session.scalar(select(WebAuthnCredential.id).where(WebAuthnCredential.user_id == user.id)) is not None


def _descriptors(user):
    return [
        webauthn().PublicKeyCredentialDescriptor(
            id=webauthn().base64url_to_bytes(key.credential_id),
            transports=[
                webauthn().AuthenticatorTransport(value)
                for value in key.transports or []
                if value in known_transports()
            ],
        )
        for key in user_keys(user)
    ]


# Registration --------------------------------------------------------------------


def registration_options(user):
    """(options as JSON text for navigator.credentials.create, the challenge to keep)."""
    if not policy.can_enrol_second_factor(user):
        raise NotAllowed()
    options = webauthn().generate_registration_options(
        rp_id=rp_id(),
        rp_name=current_app.config.get("FORUM_WEBAUTHN_RP_NAME", "CDIP forum"),
        user_name=user.email,
        user_id=user.id.to_bytes(8, "big"),
        user_display_name=user.display_name or user.email,
        timeout=TIMEOUT_MS,
        authenticator_selection=webauthn().AuthenticatorSelectionCriteria(
            resident_key=webauthn().ResidentKeyRequirement.DISCOURAGED,
            user_verification=webauthn().UserVerificationRequirement.PREFERRED,
        ),
        exclude_credentials=_descriptors(user),
    )
    return webauthn().options_to_json(options), options.challenge


def _clean_name(name):
    name = " ".join((name or "").split())[:NAME_MAX]
    return name or _("Security key")


def _verified_registration(credential, challenge):
    if not challenge:
        raise Invalid(_("The security key took too long to answer. Try again."))
    if not isinstance(credential, dict):
        raise Invalid(_("The security key could not be registered. Try again."))
    try:
        return webauthn().verify_registration_response(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=rp_id(),
            expected_origin=expected_origin(),
        )
    except (webauthn().InvalidRegistrationResponse, ValueError, TypeError, KeyError) as error:
        current_app.logger.info("security key registration refused: %s", error)
        raise Invalid(_("The security key could not be registered. Try again.")) from None


def register_key(user, credential, challenge, name):
    """Store a new key from the browser's answer; returns new recovery codes (shown once) or None."""
    if not policy.can_enrol_second_factor(user):
        raise NotAllowed()
    if len(user_keys(user)) >= MAX_KEYS:
        raise Invalid(_("You have too many security keys. Remove one first."))
    verified = _verified_registration(credential, challenge)
    credential_id = webauthn().bytes_to_base64url(verified.credential_id)
    if db.session.scalar(select(WebAuthnCredential.id).where(WebAuthnCredential.credential_id == credential_id)):
        raise Invalid(_("This security key is already registered."))
    transports = credential.get("response", {}).get("transports") if isinstance(credential, dict) else None
    key = WebAuthnCredential(
        user_id=user.id,
        credential_id=credential_id,
        public_key=verified.credential_public_key,
        sign_count=verified.sign_count,
        transports=[value for value in transports or [] if value in known_transports()],
        name=_clean_name(name),
        created_at=clock.now(),
    )
    db.session.add(key)
    user.second_factor_enabled = True
    has_codes = db.session.scalar(select(RecoveryCode.id).where(RecoveryCode.user_id == user.id)) is not None
    codes = None if has_codes else service.new_recovery_codes(user)
    user.end_sessions()
    audit.record(user, "twofactor.enrol", user, method="webauthn", key=key.name)
    service.record_event("twofactor.enrol", user, method="webauthn", key=key.name)
    db.session.flush()
    return codes


# Signing in ----------------------------------------------------------------------


def authentication_options(user):
    """(options as JSON text for navigator.credentials.get, the challenge to keep)."""
    options = webauthn().generate_authentication_options(
        rp_id=rp_id(),
        timeout=TIMEOUT_MS,
        allow_credentials=_descriptors(user),
        user_verification=webauthn().UserVerificationRequirement.PREFERRED,
    )
    return webauthn().options_to_json(options), options.challenge


def _failed(user, reason):
    audit.record(user, "twofactor.failure", user, method="webauthn", reason=reason)
    service.record_event("twofactor.failure", user, method="webauthn", reason=reason)


def _key_for(user, credential):
    if not isinstance(credential, dict):
        return None
    raw_id = credential.get("rawId") or credential.get("id")
    if not isinstance(raw_id, str) or len(raw_id) > 1400:
        return None
    return db.session.scalar(
        select(WebAuthnCredential).where(
            WebAuthnCredential.user_id == user.id, WebAuthnCredential.credential_id == raw_id.rstrip("=")
        )
    )


def _verified_assertion(key, credential, challenge):
    """The verified assertion, or None. The sign count is checked by the caller (a clone is audited)."""
    try:
        return webauthn().verify_authentication_response(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=rp_id(),
            expected_origin=expected_origin(),
            credential_public_key=key.public_key,
            credential_current_sign_count=0,
        )
    except (webauthn().InvalidAuthenticationResponse, ValueError, TypeError, KeyError) as error:
        current_app.logger.info("security key assertion refused: %s", error)
        return None


def verify_key(user, credential, challenge):
    """Check the browser's answer at sign-in: "webauthn", or None (the failure is audited).

    The caller commits in every case, so failures are kept.
    """
    key = _key_for(user, credential) if challenge else None
    verified = _verified_assertion(key, credential, challenge) if key is not None else None
    if verified is None:
        _failed(user, "invalid" if challenge else "expired")
        return None
    new_count = verified.new_sign_count
    if (new_count > 0 or key.sign_count > 0) and new_count <= key.sign_count:
        # The key's counter went back: a copy of the key may be in use.
        audit.record(user, "twofactor.key_clone", user, key=key.name, stored=key.sign_count, received=new_count)
        service.record_event("twofactor.key_clone", user, key=key.name, stored=key.sign_count, received=new_count)
        return None
    key.sign_count = new_count
    key.last_used_at = clock.now()
    service.record_event("twofactor.success", user, method="webauthn")
    return "webauthn"


# Removing --------------------------------------------------------------------------


def remove_key(user, key_id):
    """Remove one of `user`'s keys; the last factor gone, the account has no second factor."""
    key = db.session.get(WebAuthnCredential, key_id)
    if key is None or key.user_id != user.id:
        raise NotAllowed()
    name = key.name
    db.session.delete(key)
    db.session.flush()
    if service.totp_factor(user) is None and not has_keys(user):
        service.drop_factors(user)
        user.end_sessions()
    audit.record(user, "twofactor.key_remove", user, key=name)
    service.record_event("twofactor.key_remove", user, key=name)
    db.session.flush()


def challenge_text(challenge):
    return webauthn().bytes_to_base64url(challenge)


def challenge_bytes(text):
    try:
        return webauthn().base64url_to_bytes(text) if isinstance(text, str) and text else None
    except ValueError:
        return None
