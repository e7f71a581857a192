"""The language switcher: with JavaScript (choosing submits) and without (the Change button)."""

import pytest
from playwright.sync_api import expect

from tests.e2e.harness import DELEGATE_MX, catalog_translation

# What each interface language shows that does not come from the message catalog:
# category names are content stored per language (forum/rooms/data.py).
CATEGORY_NAMES = {
    "en": "Capacity building",
    "fr": "Renforcement des capacités",
    "es": "Fortalecimiento de capacidades",
}
OPTION_NAMES = {"en": "English", "fr": "Français", "es": "Español"}


def _check_interface_language(page, code):
    expect(page.locator("html")).to_have_attribute("lang", code)
    expect(page.locator("html")).to_have_attribute("dir", "ltr")
    expect(page.locator("#locale-select option:checked")).to_have_text(OPTION_NAMES[code])
    expect(page.locator("#locale-select")).to_have_value(code)


@pytest.mark.parametrize("code, javascript", [("fr", True), ("es", False)], ids=["fr-with-js", "es-without-js"])
def test_switch_language_before_and_after_signing_in(visitor, server, code, javascript):
    from forum.accounts.service import find_user_by_email

    with server.db():
        # An account without a saved language takes the one chosen on the login page.
        find_user_by_email(DELEGATE_MX).locale = None
    person = visitor(javascript=javascript)
    page = person.page
    person.goto("/login")
    _check_interface_language(page, "en")

    person.switch_language(code)
    _check_interface_language(page, code)
    assert "/login" in page.url, "the switcher should come back to the same page"

    # The choice made on the login page carries over the sign-in…
    person.sign_in(DELEGATE_MX, locale=None)
    _check_interface_language(page, code)
    expect(page.get_by_role("heading", level=3, name=CATEGORY_NAMES[code])).to_be_visible()

    # …and back to English from a signed-in page.
    person.goto("/rooms/capacity-en")
    person.switch_language("en")
    _check_interface_language(page, "en")
    assert page.url.endswith("/rooms/capacity-en")
    expect(page.get_by_role("heading", level=1)).to_contain_text(CATEGORY_NAMES["en"])


@pytest.mark.parametrize("code", ["fr", "es"])
def test_switched_pages_show_the_catalog_translation(visitor, code):
    """Interface text comes from translations/<code>/LC_MESSAGES/messages.mo (`make catalogs`)."""
    expected = {english: catalog_translation(code, english) for english in ("Sign in", "Rooms")}
    missing = [english for english, translated in expected.items() if translated is None]
    if missing:
        pytest.skip(
            f"translations/{code}/LC_MESSAGES/messages.mo is missing or has no translation of "
            + ", ".join(repr(english) for english in missing)
        )
    person = visitor()
    person.goto("/login")
    person.switch_language(code)
    expect(person.page.locator("h1")).to_have_text(expected["Sign in"])
    person.sign_in(DELEGATE_MX, locale=code)
    expect(person.page.locator("h1")).to_have_text(expected["Rooms"])
