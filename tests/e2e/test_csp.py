"""The Content Security Policy in the browser: strict, and no page breaks it."""

from tests.e2e.harness import DELEGATE_KE, MAIN_PAGES, main_pages_by_user


def _directives(header):
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


def test_no_main_page_reports_a_csp_violation(visitor, showcase):
    failures = []
    checked = 0
    for user, pages in main_pages_by_user():
        person = visitor(user) if user else visitor()
        for main_page in pages:
            response = person.goto(main_page.url(showcase), expect_status=main_page.status)
            policy = _directives(response.headers.get("content-security-policy", ""))
            assert policy.get("script-src") == ["'self'"], f"{main_page.name}: script-src is {policy.get('script-src')}"
            assert policy.get("object-src") == ["'none'"], f"{main_page.name}: object-src is {policy.get('object-src')}"
            violations = person.page.evaluate("() => window.__cspViolations")
            if violations:
                failures.append(f"{main_page.name} ({main_page.path}): {violations}")
            checked += 1
        assert person.watch.csp_violations == [], person.watch.csp_violations
    assert checked == len(MAIN_PAGES)
    assert not failures, "CSP violations:\n" + "\n".join(failures)


def test_the_csp_blocks_inline_script_and_the_check_sees_it(visitor):
    """The detector itself: an injected inline script is refused and reported."""
    person = visitor(DELEGATE_KE)
    person.goto("/")
    with person.page.expect_console_message(lambda message: "Content Security Policy" in message.text):
        person.page.evaluate(
            """() => { const s = document.createElement("script"); s.textContent = "window.__inline = 1"; document.body.append(s); }"""
        )
    person.page.wait_for_function("() => window.__cspViolations.length === 1")
    violation = person.page.evaluate("() => window.__cspViolations[0]")
    assert violation["directive"].startswith("script-src")
    assert person.page.evaluate("() => window.__inline") is None
    assert person.watch.csp_violations, "the violation did not reach the test process"
    assert any("Content Security Policy" in message for message in person.watch.console_errors)
    person.watch.clear()  # expected here
