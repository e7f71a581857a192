"""Arabic and Chinese interfaces: right to left where it should be, mirrored, fitting a phone.

The axe test runs every main page in all six interface languages
(harness.UI_LOCALES); this file checks what axe does not: the direction of
every Arabic page, a mirrored header, no sideways scrolling on a phone in
Arabic, user text keeping its own direction, and screenshots of the home and
thread pages in Arabic and Chinese at both widths (test-artifacts/screenshots/).
"""

import pytest
from playwright.sync_api import expect

from tests.e2e.harness import (
    DELEGATE_FR,
    RTL_LOCALES,
    SCREENSHOT_DIR,
    UI_LOCALES,
    catalog_translation,
    main_pages_by_user,
)

# Elements sticking out on either side (in a right-to-left page, overflow goes left).
OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const out = [];
  document.querySelectorAll("body *").forEach(el => {
    const box = el.getBoundingClientRect();
    if (box.width > 0 && (box.right > width + 1 || box.left < -1)) {
      out.push(`${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""}${el.className ? "." + String(el.className).split(" ").join(".") : ""} left=${Math.round(box.left)} right=${Math.round(box.right)}`);
    }
  });
  return {scroll: document.documentElement.scrollWidth, client: width, culprits: out.slice(0, 8)};
}"""


def direction_of(code):
    return "rtl" if code in RTL_LOCALES else "ltr"


def test_the_switcher_offers_all_six_languages(visitor):
    person = visitor()
    person.goto("/login")
    expect(person.page.locator("#locale-select option")).to_have_count(len(UI_LOCALES))
    for code in UI_LOCALES:
        expect(person.page.locator(f"#locale-select option[value={code}]")).to_have_attribute("lang", code)
    expect(person.page.locator("#locale-select option[value=ar]")).to_have_text("العربية")
    expect(person.page.locator("#locale-select option[value=zh]")).to_have_text("中文")


@pytest.mark.parametrize("width", [375, 1280])
@pytest.mark.parametrize("code", ["ar", "zh"])
def test_home_and_thread_in_arabic_and_chinese(visitor, showcase, code, width):
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    person = visitor(DELEGATE_FR, width=width, height=800, locale=code)
    page = person.page
    problems = []
    for name, path in (("home", "/"), ("thread", f"/t/{showcase['thread']}")):
        person.goto(path)
        expect(page.locator("html")).to_have_attribute("lang", code)
        expect(page.locator("html")).to_have_attribute("dir", direction_of(code))
        page.screenshot(path=str(SCREENSHOT_DIR / f"{name}-{code}-{width}.png"), full_page=True)
        measure = page.evaluate(OVERFLOW)
        if measure["scroll"] > measure["client"]:
            problems.append(
                f"{name} [{code}] at {width}px: scrollWidth {measure['scroll']} > {measure['client']}: {measure['culprits']}"
            )

        # Mirrored: the brand starts the header bar on the reading side.
        bar = page.locator(".site-header .bar").bounding_box()
        brand = page.locator(".site-header .brand").bounding_box()
        if direction_of(code) == "rtl":
            gap = (bar["x"] + bar["width"]) - (brand["x"] + brand["width"])
        else:
            gap = brand["x"] - bar["x"]
        assert 0 <= gap < 48, (
            f"{name} [{code}]: the brand does not start the header ({direction_of(code)}): {brand} in {bar}"
        )

    # The interface is translated (when the catalog has the phrase)…
    person.goto("/")
    rooms = catalog_translation(code, "Rooms")
    if rooms:
        expect(page.get_by_role("heading", level=1)).to_have_text(rooms)
    # …while an English post keeps reading left to right inside the page.
    person.goto(f"/t/{showcase['thread']}")
    body = page.locator("#post-1 .post-body")
    expect(body).to_have_attribute("dir", "auto")
    assert body.evaluate("el => getComputedStyle(el).direction") == "ltr"
    assert not problems, "\n".join(problems)


def test_every_main_page_in_arabic_is_right_to_left_and_fits_a_phone(visitor, showcase):
    problems = []
    for user, pages in main_pages_by_user():
        if user:
            person = visitor(user, width=375, height=800, locale="ar")
        else:
            person = visitor(width=375, height=800)
            person.goto("/login")
            person.switch_language("ar")
        page = person.page
        for main_page in pages:
            person.goto(main_page.url(showcase), expect_status=main_page.status)
            html = page.locator("html")
            if (html.get_attribute("lang"), html.get_attribute("dir")) != ("ar", "rtl"):
                problems.append(f"{main_page.name}: lang={html.get_attribute('lang')} dir={html.get_attribute('dir')}")
            measure = page.evaluate(OVERFLOW)
            if measure["scroll"] > measure["client"]:
                problems.append(
                    f"{main_page.name} at 375px in Arabic: scrollWidth {measure['scroll']} > {measure['client']};"
                    f" sticking out: {measure['culprits']}"
                )
    assert not problems, "\n".join(problems)
