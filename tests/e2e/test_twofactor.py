"""Second factor in the browser: a delegate enrols a security key (Chromium's virtual authenticator)
and signs in with it; a delegate enrols an authenticator app and signs in with a code.

WebAuthn refuses an IP address as relying party id, so this module has a
server of its own that the browser reaches as http://localhost:<port> (a
secure context in Chromium, like 127.0.0.1).
"""

import time

import pyotp
import pytest
from playwright.sync_api import expect

from tests.e2e import harness
from tests.e2e.harness import DELEGATE_BR, DELEGATE_FR, DEMO_PASSWORD


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    live = harness.LiveServer(tmp_path_factory.mktemp("e2e-webauthn"), host="localhost")
    live.start()
    yield live
    live.stop()


def _password_step(person, email):
    page = person.page
    person.goto("/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(DEMO_PASSWORD)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    assert "/login/second-factor" in page.url, page.url


def _virtual_authenticator(page):
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    found = cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
            }
        },
    )
    return cdp, found["authenticatorId"]


def test_a_delegate_enrols_a_security_key_and_signs_in_with_it(visitor, server):
    person = visitor(DELEGATE_FR)
    page = person.page
    cdp, authenticator = _virtual_authenticator(page)

    person.goto("/profile")
    with page.expect_navigation():
        page.get_by_role("link", name="Manage the second factor").click()
    section = page.locator("#webauthn-register")
    expect(section).to_be_visible()
    page.locator("#webauthn-name").fill("Virtual key")
    with page.expect_navigation(url="**/account/second-factor/recovery-codes"):
        page.get_by_role("button", name="Add a security key").click()
    expect(page.locator(".flashes")).to_contain_text("Your security key is added.")
    assert len(cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})["credentials"]) == 1

    person.goto("/account/second-factor")
    expect(page.locator(".webauthn-keys")).to_contain_text("Virtual key")

    # Without JavaScript the key button stays hidden and the code field works as before.
    plain = visitor(javascript=False)
    _password_step(plain, DELEGATE_FR)
    expect(plain.page.locator("#webauthn-sign-in")).to_be_hidden()
    expect(plain.page.locator("#code")).to_be_visible()

    person.sign_out()
    _password_step(person, DELEGATE_FR)
    button = page.get_by_role("button", name="Use your security key")
    expect(button).to_be_visible()
    with page.expect_navigation(url=f"{server.url}/"):
        button.click()
    expect(page.locator("form.logout button")).to_be_visible()

    from sqlalchemy import select

    from forum.twofactor.models import SecurityEvent

    with server.db() as session:
        kinds = session.scalars(select(SecurityEvent.kind).where(SecurityEvent.email == DELEGATE_FR)).all()
    assert "twofactor.enrol" in kinds and "twofactor.success" in kinds and kinds[-1] == "login.success"


def test_a_delegate_enrols_an_authenticator_app_and_signs_in_with_a_code(visitor):
    person = visitor(DELEGATE_BR)
    page = person.page
    person.goto("/account/second-factor")
    secret = page.locator("#totp-secret").inner_text().strip()
    totp = pyotp.TOTP(secret)
    page.locator("#code").fill(totp.now())
    with page.expect_navigation(url="**/account/second-factor/recovery-codes"):
        page.get_by_role("button", name="Confirm").click()
    expect(page.locator("main code")).to_have_count(10)

    person.sign_out()
    _password_step(person, DELEGATE_BR)
    # A code is accepted once: the next time step's code (within the allowed drift) is new.
    page.locator("#code").fill(totp.at(time.time() + 30))
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    assert "/login" not in page.url, page.locator(".flashes").all_inner_texts()
    expect(page.locator("form.logout button")).to_be_visible()
