"""Hostile content, judged in the browser: posted through the forms, viewed by others, nothing runs."""

import re

from playwright.sync_api import expect

from tests.e2e.harness import DELEGATE_BR, DELEGATE_FR, DELEGATE_KE, DELEGATE_MX
from tests.e2e.hostile import HOSTILE_TITLE, PAYLOADS
from tests.hostile_inputs import HOSTILE_INPUTS

# What the browser built from the posts: anything executable or styled that got through.
DOM_REPORT = """() => {
  const found = [];
  document.querySelectorAll(".post-body, .post-body *").forEach(el => {
    for (const attr of el.attributes) {
      if (/^on/i.test(attr.name) || ["style", "src", "srcdoc", "formaction", "action", "data"].includes(attr.name)) {
        found.push(`${el.tagName.toLowerCase()}[${attr.name}=${attr.value}]`);
      }
    }
    if (["SCRIPT", "IFRAME", "OBJECT", "EMBED", "SVG", "MATH", "STYLE", "TEMPLATE", "NOSCRIPT", "FORM", "INPUT",
         "BUTTON", "IMG", "DETAILS", "svg", "math"].includes(el.tagName)) {
      found.push(`<${el.tagName.toLowerCase()}>`);
    }
  });
  // The browser's own URL parser decides what a link is (a regex over hrefs gets it wrong both ways).
  document.querySelectorAll(".post-body a[href]").forEach(a => {
    if (!["http:", "https:", "mailto:"].includes(a.protocol)) { found.push(`a[href=${a.getAttribute("href")}] → ${a.protocol}`); }
  });
  return found;
}"""


def _post_payloads(writer):
    """Start a thread and post every payload as a reply, through the forms; returns the thread's URL path."""
    page = writer.page
    writer.goto("/rooms/capacity-en/new")
    page.get_by_label("Title").fill(HOSTILE_TITLE)
    page.get_by_label("First message").fill(PAYLOADS[0])
    page.get_by_role("button", name="Start thread").click()
    expect(page.locator(".flash-success")).to_have_text("Your thread is started.")
    path = re.sub(r"^https?://[^/]+", "", page.url).split("?")[0].split("#")[0]
    for number, payload in enumerate(PAYLOADS[1:], start=2):
        page.get_by_label("Your message").fill(payload)
        page.get_by_role("button", name="Post reply").click()
        expect(page).to_have_url(re.compile(rf"#post-{number}$"))
    return path


def _thread_pages(viewer, path, expected=None):
    expected = len(PAYLOADS) if expected is None else expected
    viewer.goto(path)
    last = viewer.page.locator("#posts").get_attribute("data-last-number")
    assert last == str(expected), f"expected {expected} posts, the thread says {last}"
    numbers = viewer.page.locator("nav.pagination").first.get_by_role("link", name=re.compile(r"^\d+$"))
    last_page = max([int(text) for text in numbers.all_inner_texts()] or [1])  # the last page is always linked
    return [f"{path}?page={n}" for n in range(1, last_page + 1)]


def _assert_nothing_ran(viewer, label):
    page = viewer.page
    assert page.evaluate("() => window.__xss") is None, f"{label}: a payload set window.__xss"
    assert viewer.watch.dialogs == [], f"{label}: dialogs opened: {viewer.watch.dialogs}"
    violations = page.evaluate("() => window.__cspViolations")
    assert violations == [], f"{label}: markup reached the page and only the CSP stopped it: {violations}"
    assert viewer.watch.console_errors == [], f"{label}: console errors: {viewer.watch.console_errors}"
    assert viewer.watch.page_errors == [], f"{label}: uncaught exceptions: {viewer.watch.page_errors}"
    assert viewer.watch.outside_requests == [], f"{label}: requests to other sites: {viewer.watch.outside_requests}"


def test_hostile_posts_do_not_run_for_anyone(visitor):
    writer = visitor(DELEGATE_FR)
    path = _post_payloads(writer)
    _assert_nothing_ran(writer, "writer after posting")

    # Readers with the CSP in force, and with the CSP switched off: the sanitizer alone must hold.
    for viewer, setting in ((visitor(DELEGATE_KE), "with CSP"), (visitor(DELEGATE_MX, bypass_csp=True), "without CSP")):
        seen = 0
        for url in _thread_pages(viewer, path):
            viewer.goto(url)
            expect(viewer.page.locator("h1")).to_have_text(HOSTILE_TITLE)
            # Give focus- and toggle-driven handlers their chance: tab through the posts.
            for _ in range(5):
                viewer.page.keyboard.press("Tab")
            viewer.page.locator("#posts").hover()
            _assert_nothing_ran(viewer, f"{url} ({setting})")
            assert viewer.page.evaluate(DOM_REPORT) == [], f"{url} ({setting}): dangerous markup in the page"
            seen += viewer.page.locator("#posts > li.post").count()
        assert seen == len(PAYLOADS)

        # The title is shown as text in the room list too.
        viewer.goto("/rooms/capacity-en")
        expect(viewer.page.get_by_role("link", name=HOSTILE_TITLE)).to_be_visible()
        _assert_nothing_ran(viewer, f"room page ({setting})")


def test_sanitizer_corpus_does_not_run_in_the_page(visitor, make_thread):
    """The unit tests' whole corpus (tests/hostile_inputs.py), stored through the service, read in the browser."""
    thread = make_thread(
        "Sanitizer corpus", body=HOSTILE_INPUTS[0], replies=[(DELEGATE_BR, payload) for payload in HOSTILE_INPUTS[1:]]
    )
    for viewer, setting in ((visitor(DELEGATE_KE), "with CSP"), (visitor(DELEGATE_MX, bypass_csp=True), "without CSP")):
        seen = 0
        viewer.goto(f"/t/{thread['id']}")
        for url in _thread_pages(viewer, f"/t/{thread['id']}", expected=len(HOSTILE_INPUTS)):
            viewer.goto(url)
            for _ in range(5):
                viewer.page.keyboard.press("Tab")
            viewer.page.locator("#posts").hover()
            _assert_nothing_ran(viewer, f"{url} ({setting})")
            found = viewer.page.evaluate(DOM_REPORT)
            assert found == [], f"{url} ({setting}): dangerous markup in the page: {found}"
            seen += viewer.page.locator("#posts > li.post").count()
        assert seen == len(HOSTILE_INPUTS)


def test_hostile_preview_does_not_run(visitor, make_thread):
    thread = make_thread("Previewing hostile text")
    person = visitor(DELEGATE_FR, bypass_csp=True)
    person.goto(f"/t/{thread['id']}")
    person.page.get_by_label("Your message").fill("\n\n".join(PAYLOADS))
    person.page.get_by_role("button", name="Preview").click()
    preview = person.page.locator("#reply .preview .post-body")
    expect(preview).to_contain_text("raw link")
    _assert_nothing_ran(person, "preview")
    found = person.page.evaluate(DOM_REPORT.replace(".post-body", "#reply .preview .post-body"))
    assert found == [], f"dangerous markup in the preview: {found}"


def test_the_checks_would_see_a_payload_that_ran(visitor, make_thread):
    """The detectors themselves: put one payload in unsanitized, as a broken sanitizer would."""
    thread = make_thread("Checking the checks")
    for bypass_csp in (True, False):
        person = visitor(DELEGATE_KE, bypass_csp=bypass_csp)
        person.goto(f"/t/{thread['id']}")
        inject = """html => { document.querySelector(".post-body").innerHTML = html; }"""
        if bypass_csp:
            person.page.evaluate(inject, PAYLOADS[1])
        else:
            # The refusal is logged too; wait for it so it is in before the watch is cleared.
            with person.page.expect_console_message(lambda message: "Content Security Policy" in message.text):
                person.page.evaluate(inject, PAYLOADS[1])
        assert person.page.evaluate(DOM_REPORT) != []
        if bypass_csp:
            person.page.wait_for_function("() => window.__xss === 1")
            assert person.watch.dialogs == ["alert: 127.0.0.1"]
            pixel = "https://tracker.example/pixel.png"
            # Wait for the failed load too, so its console error is in before the watch is cleared.
            with (
                person.page.expect_console_message(lambda message, url=pixel: url in message.location.get("url", "")),
                person.page.expect_request(pixel),
            ):
                person.page.evaluate(
                    """src => { document.querySelector(".post-body").innerHTML = `<img src="${src}">`; }""", pixel
                )
            assert person.watch.outside_requests == [pixel]
        else:
            person.page.wait_for_function("() => window.__cspViolations.length > 0")
            assert person.page.evaluate("() => window.__xss") is None
            assert person.watch.csp_violations, "the CSP violation was not reported to the test"
        person.watch.clear()  # expected here; any other test would fail on it
