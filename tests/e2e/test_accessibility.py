"""axe-core on every main page, in every interface language: no serious or critical violation."""

import pytest

from tests.e2e.harness import (
    MAIN_PAGES,
    SERIOUS,
    UI_LOCALES,
    describe_violations,
    main_pages_by_user,
    run_axe,
)


@pytest.mark.parametrize("code", UI_LOCALES)
def test_main_pages_pass_axe(visitor, showcase, code):
    failures = []
    checked = 0
    for user, pages in main_pages_by_user():
        if user:
            person = visitor(user, locale=code)
        else:
            person = visitor()
            person.goto("/login")
            if code != "en":
                person.switch_language(code)
        for main_page in pages:
            person.goto(main_page.url(showcase), expect_status=main_page.status)
            assert person.lang() == code, f"{main_page.name}: <html lang={person.lang()}>, expected {code}"
            violations = [v for v in run_axe(person.page) if v["impact"] in SERIOUS]
            if violations:
                failures.append(describe_violations(f"{main_page.name} ({main_page.path}) [{code}]", violations))
            checked += 1
    assert checked == len(MAIN_PAGES)
    assert not failures, "\n\n".join(failures)
