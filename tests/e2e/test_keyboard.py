"""Keyboard-only use: skip link first, every control reachable by Tab, focus always visible."""

import pytest
from playwright.sync_api import expect

from tests.e2e.harness import DELEGATE_JP, DEMO_PASSWORD, main_pages_by_user

# What the focused element looks like: a keyboard user must see where they are.
FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) { return null; }
  const style = getComputedStyle(el);
  return {
    index: el.dataset.e2eFocusable === undefined ? null : Number(el.dataset.e2eFocusable),
    tag: el.tagName.toLowerCase(), id: el.id, cls: el.className, text: (el.innerText || el.value || "").slice(0, 40),
    outline: style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0,
    inMain: document.getElementById("main").contains(el),
  };
}"""

# Every control a keyboard user should reach, numbered in document order. A radio
# group is one Tab stop (its checked radio, else its first; arrows move within
# it), and a date or time input takes several Tabs (one per field, one for its
# calendar button): `extraStops` allows for them.
MARK_FOCUSABLE = """() => {
  const selector = 'a[href], button:not([disabled]), input:not([type=hidden]):not([disabled]), select:not([disabled]), '
                 + 'textarea:not([disabled]), summary, [tabindex]:not([tabindex="-1"])';
  const radioStop = el => {
    const group = [...document.querySelectorAll('input[type=radio]:not([disabled])')].filter(r => r.name === el.name && r.form === el.form);
    return (group.find(r => r.checked) || group[0]) === el;
  };
  const found = [...document.querySelectorAll(selector)].filter(el => el.checkVisibility({visibilityProperty: true}))
                                                        .filter(el => el.type !== "radio" || !el.name || radioStop(el));
  found.forEach((el, i) => { el.dataset.e2eFocusable = String(i); });
  return {
    count: found.length,
    extraStops: 8 * found.filter(el => ["date", "datetime-local", "time"].includes(el.type)).length,
    labels: found.map(el => `${el.tagName.toLowerCase()}#${el.id}.${el.className} "${(el.innerText || el.value || "").slice(0, 30)}"`),
    positiveTabindex: document.querySelectorAll('[tabindex]:not([tabindex="0"]):not([tabindex^="-"])').length,
  };
}"""


def test_skip_link_comes_first_and_moves_focus_to_main(visitor, showcase):
    for person, path in ((visitor(), "/login"), (visitor(DELEGATE_JP), f"/t/{showcase['thread']}")):
        page = person.page
        person.goto(path)
        page.keyboard.press("Tab")
        skip = page.locator(".skip-link")
        expect(skip).to_be_focused()
        expect(skip).to_have_text("Skip to main content")
        box = skip.bounding_box()
        assert box is not None and box["y"] >= 0 and box["height"] > 0, (
            f"{path}: the focused skip link is off screen: {box}"
        )
        focused = page.evaluate(FOCUSED)
        assert focused["outline"], f"{path}: the skip link shows no focus outline"

        page.keyboard.press("Enter")
        expect(page.locator("main#main")).to_be_focused()
        page.keyboard.press("Tab")
        assert page.evaluate(FOCUSED)["inMain"], f"{path}: after the skip link, Tab should continue inside main"


def test_sign_in_with_the_keyboard_only(visitor):
    person = visitor()
    page = person.page
    person.goto("/login")
    for _ in range(15):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.id") == "email":
            break
    expect(page.locator("#email")).to_be_focused()
    page.keyboard.type(DELEGATE_JP)
    page.keyboard.press("Tab")
    expect(page.locator("#password")).to_be_focused()
    page.keyboard.type(DEMO_PASSWORD)
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Sign in")).to_be_focused()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Rooms")
    expect(page.locator("form.logout .who")).to_have_text("Haruto Sato")


def test_reply_with_the_keyboard_only(visitor, make_thread):
    thread = make_thread("Replying by keyboard")
    person = visitor(DELEGATE_JP)
    page = person.page
    person.goto(f"/t/{thread['id']}")
    for _ in range(60):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.id") == "body":
            break
    expect(page.locator("#body")).to_be_focused()
    page.keyboard.type("Typed **without** a mouse.")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Post reply")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#post-2 .post-body strong")).to_have_text("without")


@pytest.mark.parametrize(
    "user, pages", main_pages_by_user(), ids=[user or "signed-out" for user, _ in main_pages_by_user()]
)
def test_tab_reaches_every_control_with_visible_focus(visitor, showcase, user, pages):
    person = visitor(user) if user else visitor()
    page = person.page
    problems = []
    for main_page in pages:
        person.goto(main_page.url(showcase), expect_status=main_page.status)
        marked = page.evaluate(MARK_FOCUSABLE)
        if marked["positiveTabindex"]:
            problems.append(f"{main_page.name}: {marked['positiveTabindex']} element(s) with a positive tabindex")
        reached, invisible = set(), []
        for _ in range(marked["count"] + marked["extraStops"] + 3):
            page.keyboard.press("Tab")
            focused = page.evaluate(FOCUSED)
            if focused is None:
                continue
            if focused["index"] is not None:
                reached.add(focused["index"])
            if not focused["outline"]:
                invisible.append(f'{focused["tag"]}#{focused["id"]} "{focused["text"]}"')
            if len(reached) == marked["count"]:
                break
        missed = [marked["labels"][i] for i in range(marked["count"]) if i not in reached]
        if missed:
            problems.append(f"{main_page.name}: Tab never reached {missed}")
        if invisible:
            problems.append(f"{main_page.name}: no focus outline on {invisible}")
    assert not problems, "\n".join(problems)
