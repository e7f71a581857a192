"""Signing in and out in a real browser."""

import re

from playwright.sync_api import expect

from tests.e2e.harness import DELEGATE_PL


def test_sign_in_and_out_then_pages_require_login_again(visitor):
    person = visitor()
    person.goto("/login")
    person.page.locator("#email").fill(DELEGATE_PL)
    person.page.locator("#password").fill("forum-demo-2026")
    person.page.get_by_role("button", name="Sign in").click()

    expect(person.page).to_have_url(re.compile(r"^http://127\.0\.0\.1:\d+/$"))
    expect(person.page.locator("form.logout .who")).to_have_text("Zofia Nowak")
    expect(person.page.get_by_role("heading", level=1)).to_have_text("Rooms")
    signed_in_cookies = person.cookies()

    person.sign_out()
    expect(person.page).to_have_url(re.compile(r"/login$"))
    expect(person.page.locator(".flashes")).to_contain_text("You have signed out.")

    # The home page now asks for a login…
    person.goto("/")
    assert "/login" in person.page.url
    expect(person.page.locator("form.logout")).to_have_count(0)

    # …and so does a copy of the cookie taken before signing out (DESIGN.md §6).
    replay = visitor()
    replay.context.add_cookies(signed_in_cookies)
    replay.goto("/profile")
    assert "/login?next=/profile" in replay.page.url
    expect(replay.page.locator("#email")).to_be_visible()


def test_wrong_password_is_refused_with_a_message(visitor):
    person = visitor()
    person.goto("/login")
    person.page.locator("#email").fill(DELEGATE_PL)
    person.page.locator("#password").fill("not the password")
    person.page.get_by_role("button", name="Sign in").click()
    expect(person.page.locator(".flash-error")).to_have_text("The e-mail address or password is not correct.")
    assert "/login" in person.page.url
