"""The browser suite: Playwright (sync API) driving Debian's Chromium against a real server.

How the harness works
---------------------
- `server` (once per run): a temporary directory with its own SQLite
  database, `flask db upgrade` and `flask forum seed-demo` run against it,
  then gunicorn (2 workers) serves `wsgi:app` on a free loopback port; the
  fixture waits for `/health` to answer and stops the server at the end.
  `server.db()` opens an app context on the same database in the test
  process, to set up data quickly or read what the server wrote (outbox,
  audit); `server.flask(...)` runs a CLI command against it.
- `browser` (once per run): Chromium with the flags of the developers' guide.
- `visitor(...)`: a fresh browser context with one page, optionally signed in
  (`visitor(DELEGATE_FR)`), at a given width, with or without JavaScript.
  Every page is watched: console errors, uncaught exceptions, dialogs,
  Content-Security-Policy violations and requests to other sites fail the
  test at teardown, whatever it was checking. On failure a screenshot of each page goes to
  test-artifacts/failures/.
- `make_thread(...)`: a fresh thread made through the services, so a flow
  never depends on what another test wrote. `showcase` is one shared thread
  with Markdown, a reply and an edit, used by the page-wide checks.
- `harness.MAIN_PAGES` lists the pages the axe, layout and CSP checks visit.

Adding a flow: write `tests/e2e/test_<feature>.py` with plain test functions
taking `visitor` (and `make_thread` or `server.db()` for set-up); the `e2e`
marker is added here. Adding a page to the page-wide checks: one line in
`MAIN_PAGES`. Wait on conditions (`expect`, `wait_for_*`), never sleep.
"""

import contextlib
import re

import pytest
from playwright.sync_api import expect, sync_playwright

from tests.e2e import harness
from tests.e2e.harness import (
    ADMIN,
    CHROMIUM_ARGS,
    CHROMIUM_PATH,
    DELEGATE_BR,
    PROJECT_ROOT,
    Visitor,
)
from tests.e2e.showcase_more import moderation_and_topics

FAILURE_DIR = PROJECT_ROOT / "test-artifacts" / "failures"
E2E_DIR = harness.Path(__file__).resolve().parent

expect.set_options(timeout=harness.WAIT_MS)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Every test under tests/e2e/ is a browser test (`-m "not e2e"` leaves them out)."""
    for item in items:
        if E2E_DIR in harness.Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.e2e)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"e2e_report_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    live = harness.LiveServer(tmp_path_factory.mktemp("e2e-server"))
    live.start()
    yield live
    live.stop()


@pytest.fixture(scope="session")
def browser():
    if not harness.Path(CHROMIUM_PATH).exists():
        pytest.fail(f"{CHROMIUM_PATH} is missing: `make system-deps` installs Debian's chromium")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM_PATH, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def visitor(browser, server, request):
    """Factory: `visitor(email=None, *, width=1280, javascript=True, locale="en")` → a watched Visitor."""
    opened = []

    def open_visitor(email=None, *, width=1280, height=900, javascript=True, locale="en", bypass_csp=False):
        context = browser.new_context(
            base_url=server.url,
            viewport={"width": width, "height": height},
            locale="en-US",
            java_script_enabled=javascript,
            bypass_csp=bypass_csp,
        )
        context.set_default_timeout(harness.WAIT_MS)
        watch = harness.PageWatch()
        context.expose_binding("__e2eReportCsp", watch.report_csp)
        context.add_init_script(harness.CSP_RECORDER)
        page = context.new_page()
        watch.attach(page, server.url)
        person = Visitor(context, page, watch, base_url=server.url, javascript=javascript, server=server)
        opened.append(person)
        if email:
            person.sign_in(email, locale=locale)
        return person

    yield open_visitor

    report = getattr(request.node, "e2e_report_call", None)
    if report is not None and report.failed:
        print("--- last lines of the server log ---\n" + "\n".join(server.log().splitlines()[-40:]))
    problems = []
    for number, person in enumerate(opened):
        if report is not None and report.failed:
            FAILURE_DIR.mkdir(parents=True, exist_ok=True)
            name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
            # A crashed page has nothing to show; the failure itself is reported.
            with contextlib.suppress(Exception):
                person.page.screenshot(path=str(FAILURE_DIR / f"{name}-{number}.png"), full_page=True)
        problems.extend(f"visitor {number} ({person.page.url}) — {item}" for item in person.watch.problems())
        person.context.close()
    if problems and not (report is not None and report.failed):
        pytest.fail("the browser saw things that must not happen:\n" + "\n".join(problems), pytrace=False)


@pytest.fixture
def make_thread(server):
    """Factory: a new open thread made through the services; returns {"id", "first_post", "title"}."""

    def make(
        title="A thread for an end-to-end test",
        body="The first message.",
        *,
        author=DELEGATE_BR,
        room="capacity-en",
        replies=(),
    ):
        from forum.accounts.service import find_user_by_email
        from forum.rooms.service import get_room
        from forum.threads import service

        with server.db():
            thread = service.start_thread(get_room(room), author=find_user_by_email(author), title=title, body=body)
            first = first_post(thread)
            for reply_author, reply_body in replies:
                service.reply(thread, author=find_user_by_email(reply_author), body=reply_body)
            made = {"id": thread.id, "title": thread.title, "first_post": first.id}
        return made

    return make


def first_post(thread):
    from sqlalchemy import select

    from forum.extensions import db
    from forum.threads.models import Post

    return db.session.scalar(select(Post).where(Post.thread_id == thread.id, Post.number == 1))


SHOWCASE_BODY = """### What we measured

Our **two-year** programme had three parts:

1. mentoring by senior examiners
2. *e-learning* modules
3. regional workshops

> Retention improved markedly after the first year.

| Year | Examiners trained |
|------|-------------------|
| 2024 | 12 |
| 2025 | 19 |

Inline `code`, a [report](https://www.wipo.int/) and a bare link: https://example.org/evaluation
"""


@pytest.fixture(scope="session")
def showcase(server):
    """One thread with rich Markdown, a reply and an edited post, for the page-wide checks."""
    from sqlalchemy import select

    from forum.accounts.models import User
    from forum.accounts.service import find_user_by_email
    from forum.extensions import db
    from forum.rooms.service import get_room
    from forum.threads import service

    with server.db():
        admin = find_user_by_email(ADMIN)
        thread = service.start_thread(
            get_room("capacity-en"),
            author=admin,
            title="Evaluating examiner training programmes",
            body=SHOWCASE_BODY.replace("markedly", "a lot"),
        )
        first = first_post(thread)
        service.reply(
            thread, author=find_user_by_email(DELEGATE_BR), body="Thank you — could you share the *survey questions*?"
        )
        service.edit_post(first, editor=admin, body=SHOWCASE_BODY)
        delegate_id = db.session.scalar(select(User.id).where(User.email == DELEGATE_BR))
        data = {"room": "capacity-en", "thread": thread.id, "post": first.id, "delegate_id": delegate_id}
        data.update(moderation_and_topics())  # queue, supervision, guest request: tests/e2e/showcase_more.py
    return data
