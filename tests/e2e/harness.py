"""Building blocks of the browser suite: the live server, a watched browser visitor, axe-core.

Fixtures in `conftest.py` wire these together; tests use the fixtures and,
where a page list or a helper is needed, import from here.
"""

import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

PROJECT_ROOT = Path(__file__).resolve().parents[2]
AXE_PATH = PROJECT_ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_PATH = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
SCREENSHOT_DIR = PROJECT_ROOT / "test-artifacts" / "screenshots"
CATALOG_DIR = PROJECT_ROOT / "translations"

DEMO_PASSWORD = "forum-demo-2026"  # forum/cli.py DEMO_PASSWORD
ADMIN = "admin@forum.test"
MODERATOR = "moderator@forum.test"
DELEGATE_FR = "delegate.fr@forum.test"
DELEGATE_BR = "delegate.br@forum.test"
DELEGATE_KE = "delegate.ke@forum.test"
DELEGATE_JP = "delegate.jp@forum.test"
DELEGATE_PL = "delegate.pl@forum.test"
DELEGATE_MX = "delegate.mx@forum.test"

# Every interface language (config.py FORUM_UI_LOCALES): the page-wide checks run in each.
UI_LOCALES = ("en", "fr", "es", "ar", "zh", "ru")
RTL_LOCALES = ("ar",)

# How long a condition may take before a wait fails (ms). Live updates poll every 5 s.
WAIT_MS = 10_000
LIVE_UPDATE_WAIT_MS = 20_000


# The live server ------------------------------------------------------------------


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LiveServer:
    """gunicorn serving `wsgi:app` on a loopback port, with its own SQLite database.

    `db()` opens an application context on the same database in the test
    process, for setting up data the UI has no quick path to (and for reading
    what the server wrote, such as queued e-mails).
    """

    def __init__(self, workdir, workers=2, host="127.0.0.1"):
        """`host` is the name the browser uses; the server listens on 127.0.0.1 in any case.

        WebAuthn needs a domain as relying party id (an IP address is refused):
        the security-key flows use "localhost".
        """
        self.workdir = Path(workdir)
        self.db_path = self.workdir / "e2e.db"
        self.database_url = f"sqlite:///{self.db_path}"
        self.port = free_port()
        self.url = f"http://{host}:{self.port}"
        self.log_path = self.workdir / "server.log"
        self.workers = workers
        self.process = None
        self._log = None
        self._app = None
        self.env = {
            **os.environ,
            "FLASK_APP": "wsgi.py",
            "FORUM_CONFIG": "development",
            "DATABASE_URL": self.database_url,
            "SECRET_KEY": secrets.token_hex(32),
            "MAIL_BACKEND": "outbox",
            "RATELIMIT_ENABLED": "false",
            "ARGON2_TIME_COST": "1",
            "ARGON2_MEMORY_COST": "1024",
            "ARGON2_PARALLELISM": "1",
            "FORUM_BASE_URL": self.url,
            "PYTHONUNBUFFERED": "1",
        }

    def flask(self, *args, timeout=120):
        """Run a `flask …` command against the server's database; returns its output."""
        result = subprocess.run(
            [sys.executable, "-m", "flask", *args],
            cwd=PROJECT_ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if result.returncode != 0:
            raise RuntimeError(f"flask {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        return result.stdout

    def start(self, timeout=30):
        self.flask("db", "upgrade")
        self.flask("forum", "seed-demo")
        self._log = open(self.log_path, "wb")  # noqa: SIM115 (the server's log stays open until stop())
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "-w",
                str(self.workers),
                "-b",
                f"127.0.0.1:{self.port}",
                "--access-logfile",
                "-",
                "--graceful-timeout",
                "5",
                "wsgi:app",
            ],
            cwd=PROJECT_ROOT,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            if self._healthy():
                return self
            time.sleep(0.1)  # server start-up only: tests themselves wait on page conditions
        self.stop()
        raise RuntimeError(f"the server did not become healthy at {self.url}:\n{self.log()}")

    def _healthy(self):
        try:
            with urllib.request.urlopen(self.url + "/health", timeout=2) as response:
                return response.status == 200
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            return False

    def log(self):
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        if self._log is not None:
            self._log.close()
            self._log = None
        if self._app is not None:
            from forum.extensions import db

            with self._app.app_context():
                db.session.remove()
                db.engine.dispose()
            self._app = None

    @property
    def app(self):
        if self._app is None:
            from config import DevelopmentConfig
            from forum import create_app

            settings = {
                "SQLALCHEMY_DATABASE_URI": self.database_url,
                "MAIL_BACKEND": "outbox",
                "ARGON2_TIME_COST": 1,
                "ARGON2_MEMORY_COST": 1024,
                "ARGON2_PARALLELISM": 1,
                "SECRET_KEY": self.env["SECRET_KEY"],
                "FORUM_BASE_URL": self.url,
                "RATELIMIT_ENABLED": False,
            }
            self._app = create_app(type("E2EConfig", (DevelopmentConfig,), settings))
        return self._app

    @contextmanager
    def db(self):
        """An app context on the server's database; commits at the end (SQLite: keep it short)."""
        from forum.extensions import db

        with self.app.app_context():
            try:
                yield db.session
                db.session.commit()
            except BaseException:
                db.session.rollback()
                raise
            finally:
                db.session.remove()


# Watching a page for what must never happen ------------------------------------------

# Runs in every document before the page's own scripts (Playwright injects it
# outside the page's CSP). Violations are kept in the page and also reported
# to the test process, so a violation on a page the test navigated away from
# is not lost.
CSP_RECORDER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (event) {
  var entry = {directive: event.violatedDirective, blocked: event.blockedURI, sample: event.sample,
               source: event.sourceFile, line: event.lineNumber, page: document.location.href};
  window.__cspViolations.push(entry);
  if (window.__e2eReportCsp) { window.__e2eReportCsp(entry); }
});
"""


@dataclass
class PageWatch:
    """Console errors, uncaught exceptions, dialogs and CSP violations seen by one page."""

    console_errors: list = field(default_factory=list)
    page_errors: list = field(default_factory=list)
    dialogs: list = field(default_factory=list)
    csp_violations: list = field(default_factory=list)
    outside_requests: list = field(default_factory=list)
    documents: set = field(default_factory=set)  # URLs answered as documents (4xx pages are expected there)

    def attach(self, page, base_url):
        home = urlsplit(base_url).netloc
        page.on("request", lambda request: self._on_request(request, home))
        page.on("console", self._on_console)
        page.on("pageerror", lambda error: self.page_errors.append(f"{page.url}: {error}"))
        page.on("dialog", self._on_dialog)
        page.on("response", self._on_response)
        return self

    def _on_console(self, message):
        if message.type != "error":
            return
        text = message.text
        url = (message.location or {}).get("url", "")
        # The browser logs every 4xx/5xx document as "Failed to load resource": a
        # test asking for a 404 page expects that. Sub-resources (CSS, JS) still count.
        # (Compared without the fragment: a form posted to "…/reply#reply" answers for "…/reply".)
        if text.startswith("Failed to load resource") and url.split("#", 1)[0] in self.documents:
            return
        # The browser asks for /favicon.ico by itself; the forum has none (yet), which is no page's fault.
        if text.startswith("Failed to load resource") and urlsplit(url).path == "/favicon.ico":
            return
        self.console_errors.append(f"{url}: {text}")

    def _on_request(self, request, home):
        # Nothing a page shows may make the reader's browser call another site.
        parts = urlsplit(request.url)
        if parts.scheme in ("http", "https", "ws", "wss") and parts.netloc != home:
            self.outside_requests.append(request.url)

    def _on_dialog(self, dialog):
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def _on_response(self, response):
        if response.request.resource_type == "document":
            self.documents.add(response.url)

    def report_csp(self, source, entry):
        self.csp_violations.append(entry)

    def problems(self):
        found = []
        for label, items in (
            ("console errors", self.console_errors),
            ("uncaught exceptions", self.page_errors),
            ("dialogs", self.dialogs),
            ("CSP violations", self.csp_violations),
            ("requests to other sites", self.outside_requests),
        ):
            if items:
                found.append(f"{label}:\n" + "\n".join(f"  - {item}" for item in items))
        return found

    def clear(self):
        for items in (self.console_errors, self.page_errors, self.dialogs, self.csp_violations, self.outside_requests):
            items.clear()


# A person in a browser -------------------------------------------------------------


class Visitor:
    """One browser context with one page: sign in, switch language, check the page."""

    def __init__(self, context, page, watch, *, base_url, javascript=True, server=None):
        self.base_url = base_url
        self.server = server
        self.context = context
        self.page = page
        self.watch = watch
        self.javascript = javascript

    def answer_second_factor(self, email):
        """Demo staff are enrolled with the demo authenticator key: type its current code.

        A code is accepted once (replay protection); flows sign the same
        moderator in several times a minute, so the server's memory of the last
        code used is cleared first, as a fresh time step would.
        """
        from sqlalchemy import update

        from forum.accounts.service import find_user_by_email
        from forum.twofactor.models import TotpFactor
        from forum.twofactor.service import current_demo_code

        with self.server.db() as session:
            user = find_user_by_email(email)
            session.execute(update(TotpFactor).where(TotpFactor.user_id == user.id).values(last_used_step=None))
            code = current_demo_code(user)
        self.page.locator("#code").fill(code)
        with self.page.expect_navigation():
            self.page.locator("main form button[type=submit]").click()

    def goto(self, path, expect_status=200):
        response = self.page.goto(path)
        assert response is not None, f"no response for {path}"
        if expect_status is not None:
            assert response.status == expect_status, f"{path}: HTTP {response.status}, expected {expect_status}"
        return response

    def sign_in(self, email, password=DEMO_PASSWORD, locale="en"):
        """Sign in through the form, then make sure the interface is in `locale`.

        The interface language is saved on the account, so a test that switched
        it must not leave the next test reading another language.
        """
        page = self.page
        self.goto("/login")
        page.locator("#email").fill(email)
        page.locator("#password").fill(password)
        with page.expect_navigation():
            page.locator("main form button[type=submit]").click()
        if "/login/second-factor" in page.url:
            self.answer_second_factor(email)
        assert "/login" not in page.url, f"sign-in as {email} failed: {page.locator('.flashes').all_inner_texts()}"
        if locale and self.lang() != locale:
            self.switch_language(locale)
        return self

    def sign_out(self):
        with self.page.expect_navigation():
            self.page.locator("form.logout button").click()

    def lang(self):
        return self.page.locator("html").get_attribute("lang")

    def switch_language(self, code):
        """Use the header switcher: choosing is enough with JavaScript; without, press Change."""
        page = self.page
        select = page.locator("#locale-select")
        if self.javascript:
            with page.expect_navigation():
                select.select_option(code)
        else:
            select.select_option(code)
            with page.expect_navigation():
                page.locator("form.language-switcher button[type=submit]").click()
        page.wait_for_function("code => document.documentElement.lang === code", arg=code, timeout=WAIT_MS)

    def cookies(self):
        return self.context.cookies()


# axe-core -----------------------------------------------------------------------------

SERIOUS = ("serious", "critical")


@lru_cache(maxsize=1)
def axe_source():
    if not AXE_PATH.exists():
        raise RuntimeError(f"{AXE_PATH} is missing: `make browser-deps` installs axe-core from package-lock.json")
    return AXE_PATH.read_text(encoding="utf-8")


def run_axe(page):
    """Run axe-core on the page (injected through the DevTools protocol, which the page's CSP does not govern)."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(axe_source())
    return page.evaluate(
        """async () => {
            const result = await axe.run(document, {resultTypes: ["violations"]});
            return result.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
                nodes: v.nodes.map(n => ({target: n.target.join(" "), html: n.html, summary: n.failureSummary})),
            }));
        }"""
    )


def describe_violations(label, violations):
    lines = [f"{label}: {len(violations)} serious/critical axe violation(s)"]
    for violation in violations:
        lines.append(f"  [{violation['impact']}] {violation['id']}: {violation['help']} ({violation['helpUrl']})")
        for node in violation["nodes"][:5]:
            lines.append(f"      at {node['target']}: {node['html'][:160]}")
            for summary_line in (node["summary"] or "").splitlines():
                lines.append(f"         {summary_line}")
        if len(violation["nodes"]) > 5:
            lines.append(f"      … and {len(violation['nodes']) - 5} more")
    return "\n".join(lines)


# The main pages ---------------------------------------------------------------------


@dataclass(frozen=True)
class MainPage:
    """A page the accessibility, layout and CSP checks visit.

    `path` may name fields of the `showcase` fixture ({thread}, {post}, {room});
    `user` None means the page is seen signed out.
    """

    name: str
    path: str
    user: str | None = ADMIN
    status: int = 200

    def url(self, showcase):
        return self.path.format(**showcase)


# Add a line here when a feature adds a page people use: the axe, layout and
# CSP tests pick it up in every language and width.
MAIN_PAGES = (
    MainPage("login", "/login", user=None),
    MainPage("password-reset", "/reset", user=None),
    MainPage("home", "/"),
    MainPage("room", "/rooms/{room}"),
    MainPage("thread", "/t/{thread}"),
    MainPage("new-thread", "/rooms/{room}/new"),
    MainPage("edit-post", "/p/{post}/edit"),
    MainPage("revisions", "/p/{post}/revisions"),
    MainPage("notifications", "/notifications"),
    MainPage("profile", "/profile"),
    MainPage("second-factor", "/account/second-factor"),
    MainPage("admin-accounts", "/admin/accounts"),
    MainPage("admin-account-new", "/admin/accounts/new"),
    MainPage("admin-account-edit", "/admin/accounts/{delegate_id}"),
    MainPage("admin-import", "/admin/accounts/import"),
    MainPage("admin-languages", "/admin/languages"),
    MainPage("admin-outbox", "/admin/outbox"),
    MainPage("admin-categories", "/admin/categories"),
    MainPage("topics", "/topics"),
    MainPage("proposals", "/topics/proposals"),
    MainPage("proposal-new", "/topics/proposals/new"),
    MainPage("protocol", "/protocol"),
    MainPage("protocol-signed-out", "/protocol", user=None),
    MainPage("discussion-new", "/topics/discussions/new", user=MODERATOR),
    MainPage("moderation-queue", "/moderation", user=MODERATOR),
    MainPage("moderation-audit", "/moderation/audit", user=MODERATOR),
    MainPage("moderation-supervision", "/moderation/supervision", user=MODERATOR),
    MainPage("guest-requests", "/guests", user=MODERATOR),
    MainPage("guest-request", "/guests/{guest_request}", user=MODERATOR),
    MainPage("moderation-review", "/moderation/posts/{flagged_post}", user=MODERATOR),
    MainPage("proposal", "/topics/proposals/{proposal}", user=MODERATOR),
    MainPage("discussion", "/topics/discussions/{discussion}", user=MODERATOR),
    MainPage("flag-post", "/p/{post}/flag", user=DELEGATE_JP),
    MainPage("guest-request-new", "/guests/new/{discussion}", user=DELEGATE_JP),
    MainPage("latest", "/latest", user=DELEGATE_JP),
    MainPage("search", "/search?q=evaluation", user=DELEGATE_JP),
    MainPage("notification-settings", "/profile/notifications", user=DELEGATE_JP),
    MainPage("delegations", "/delegations", user=DELEGATE_JP),
    MainPage("admin-member-states", "/admin/member-states"),
    MainPage("stats", "/stats"),
    MainPage("stats-summary", "/stats/summary", user=DELEGATE_JP),
    MainPage("retention", "/retention", user=DELEGATE_JP),
    MainPage("erasure-mine", "/erasure/mine", user=DELEGATE_JP),
    MainPage("erasure-ask-account", "/profile/ask-deletion", user=DELEGATE_JP),
    MainPage("erasure-queue", "/erasure", user=MODERATOR),
    MainPage("erasure-record", "/erasure/record", user=MODERATOR),
    MainPage("error-404", "/no-such-page", status=404),
    MainPage("error-403", "/admin/accounts", user=DELEGATE_JP, status=403),
)


def main_pages_by_user():
    """MAIN_PAGES grouped by who sees them, in order, so each group needs one sign-in."""
    groups = {}
    for main_page in MAIN_PAGES:
        groups.setdefault(main_page.user, []).append(main_page)
    return list(groups.items())


def catalog_translation(locale, message):
    """The compiled catalog's translation of `message`, or None when there is no usable one."""
    import gettext

    mo = CATALOG_DIR / locale / "LC_MESSAGES" / "messages.mo"
    if not mo.exists():
        return None
    with open(mo, "rb") as handle:
        translated = gettext.GNUTranslations(handle).gettext(message)
    return translated if translated != message else None
