"""The technical-assistance forum: `create_app()` builds the Flask application."""

import logging
from datetime import timedelta

from flask import Flask, abort, redirect, request, url_for
from flask_login import current_user

from forum import clock, database  # noqa: F401  (database registers engine events)
from forum.extensions import babel, csrf, db, limiter, login_manager, migrate

# Reachable without logging in (DESIGN.md §3).
PUBLIC_ENDPOINTS = {
    "static",
    "main.health",
    "main.set_language",
    "accounts.login",
    "accounts.activate",
    "accounts.reset_request",
    "accounts.reset",
    # The usage protocol is readable from every page footer, before signing in too.
    "protocol.view",
    # A guest's invitation link: it creates the account (or signs in to the guest's own).
    "guests.accept",
    # The second sign-in step: the password is checked, the session is not signed in yet.
    "twofactor.verify",
    "twofactor.key_sign_in_options",
    "twofactor.key_sign_in",
    # A private calendar feed: calendar apps cannot sign in, the secret token in the address stands for the user.
    "calendar.feed",
    # The one-click unsubscribe link of notification e-mails (RFC 8058): its signed token is the permission.
    "notifications.unsubscribe",
    # What the forum keeps and for how long: linked, like the protocol, from every page footer.
    "retention.page",
}


def create_app(config=None):
    """Build the application from a config name ("development", "test", "production") or object."""
    from config import CONFIGS

    app = Flask(__name__, instance_relative_config=True)
    config = config or "development"
    app.config.from_object(CONFIGS[config] if isinstance(config, str) else config)
    if isinstance(config, dict):
        app.config.update(config)

    _check_secret_key(app)
    # First, before anything starts a thread (the rate limiter's memory store does): how a hash's memory is kept
    # and given back depends on how many heaps glibc gives threads, which it settles when the first one needs one.
    from forum.accounts import passwords

    passwords.prepare(app)
    _check_rate_limit_storage(app)
    _trust_proxies(app)
    app.permanent_session_lifetime = timedelta(seconds=app.config["PERMANENT_SESSION_LIFETIME"])
    from forum.security import SessionCookies

    app.session_interface = SessionCookies()

    _ensure_instance_dir(app)
    from forum.web import BoundedIntConverter

    app.url_map.converters["int"] = BoundedIntConverter
    from forum.forms import use_fast_html_params

    use_fast_html_params()
    _init_extensions(app)
    _register_blueprints(app)
    _register_hooks(app)

    from forum.cli import forum_cli
    from forum.error_pages import register_error_handlers

    register_error_handlers(app)
    app.cli.add_command(forum_cli)
    return app


def warm_up(app):
    """Compile every template and read every interface language's catalogs now.

    Called in gunicorn's master once it has loaded the app (deploy/gunicorn.conf.py, `preload_app`): the
    workers it forks inherit them, where each would otherwise compile and read them on its first requests (a
    new worker's first home page took 83 ms instead of 8, and 45 ms with its templates compiled). That first
    page was the slowest request of the Monday-morning benchmark, in every worker.
    """
    from flask_babel import force_locale, get_translations

    from forum.forms import wtforms_catalog

    for name in app.jinja_env.list_templates(extensions=("html", "txt")):
        app.jinja_env.get_template(name)
    with app.test_request_context():
        for code in app.config["FORUM_UI_LOCALES"]:
            with force_locale(code):
                get_translations()
                wtforms_catalog(code)


def _check_secret_key(app):
    """Only the test configuration may sign sessions with a missing or published key.

    Development without SECRET_KEY gets a random key, generated once and kept
    in `instance/secret_key` (mode 0600), so sessions survive restarts.
    """
    from config import KNOWN_SECRET_KEYS

    if app.testing:
        return
    key = app.config.get("SECRET_KEY")
    if not key and app.config.get("SECRET_KEY_FROM_INSTANCE"):
        app.config["SECRET_KEY"] = key = _instance_secret_key(app)
    if not key or key in KNOWN_SECRET_KEYS:
        raise RuntimeError(
            "Refusing to start: set SECRET_KEY to a long random value (it is missing or a known default)."
        )


def _instance_secret_key(app):
    """The development key in the instance folder, created on first use (atomically, mode 0600)."""
    import os
    import secrets
    from pathlib import Path

    path = Path(app.config.get("SECRET_KEY_FILE") or Path(app.instance_path) / "secret_key")
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_hex(32) + "\n")
        try:
            # link() fails if another process created the key first: then that key wins.
            os.link(temporary, path)
        except FileExistsError:
            pass
        finally:
            temporary.unlink()
    key = path.read_text().strip()
    if not key:
        raise RuntimeError(f"Refusing to start: {path} is empty; delete it or set SECRET_KEY.")
    return key


def _check_rate_limit_storage(app):
    """Per-process counters multiply every limit by the number of workers: production needs a shared store."""
    if app.testing or not app.config.get("FORUM_PRODUCTION"):
        return
    if not app.config.get("RATELIMIT_ENABLED", True) or app.config.get("FORUM_SINGLE_PROCESS"):
        return
    if str(app.config.get("RATELIMIT_STORAGE_URI", "memory://")).startswith("memory://"):
        raise RuntimeError(
            "Refusing to start: RATELIMIT_STORAGE_URI is memory:// (per process); set it to a shared store "
            "such as redis://…, or set FORUM_SINGLE_PROCESS=1 if exactly one process serves the forum."
        )


def _trust_proxies(app):
    """Behind FORUM_PROXY_HOPS reverse proxies, take the client's address, scheme and host from their headers."""
    hops = int(app.config.get("FORUM_PROXY_HOPS") or 0)
    if hops > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        # X-Forwarded-Host is not trusted: nginx passes the Host header itself, and
        # would forward a client's own X-Forwarded-Host untouched.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)


def _ensure_instance_dir(app):
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("sqlite:///") and not uri.startswith("sqlite:////:memory"):
        from pathlib import Path

        Path(uri.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)


def _init_extensions(app):
    from forum.i18n import install_template_gettext, select_locale, select_timezone

    db.init_app(app)
    migrate.init_app(app, db, directory=str(_project_path("migrations")), render_as_batch=True)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = None
    login_manager.session_protection = "basic"
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    install_template_gettext(app)
    csrf.init_app(app)
    limiter.init_app(app)

    from forum.accounts.service import load_user_from_session_id
    from forum.web import is_background_request

    @login_manager.user_loader
    def load_user(session_id):
        return load_user_from_session_id(session_id, page_figures=not is_background_request())

    # Import every model so metadata (and Alembic autogenerate) sees all tables.
    import forum.models  # noqa: F401


def _project_path(name):
    from pathlib import Path

    return Path(__file__).resolve().parent.parent / name


def _register_blueprints(app):
    from forum.accounts.views import bp as accounts_bp
    from forum.admin.views import bp as admin_bp
    from forum.calendar.views import bp as calendar_bp
    from forum.dataexport.views import bp as dataexport_bp
    from forum.discussions.views import bp as discussions_bp
    from forum.guests.views import bp as guests_bp
    from forum.main.views import bp as main_bp
    from forum.moderation.views import bp as moderation_bp
    from forum.notifications.views import bp as notifications_bp
    from forum.proposals.views import bp as proposals_bp
    from forum.protocol.views import bp as protocol_bp
    from forum.retention.views import bp as retention_bp
    from forum.rooms.views import bp as rooms_bp
    from forum.search.views import bp as search_bp
    from forum.threads.views import bp as threads_bp

    for blueprint in (
        main_bp,
        accounts_bp,
        admin_bp,
        rooms_bp,
        threads_bp,
        discussions_bp,
        proposals_bp,
        protocol_bp,
        moderation_bp,
        guests_bp,
        calendar_bp,
        notifications_bp,
        search_bp,
        dataexport_bp,
        retention_bp,
    ):
        app.register_blueprint(blueprint)

    from forum.twofactor.views import bp as twofactor_bp

    app.register_blueprint(twofactor_bp)

    from forum.members.views import bp as members_bp

    app.register_blueprint(members_bp)

    from forum.erasure.views import bp as erasure_bp

    app.register_blueprint(erasure_bp)

    from forum.stats.views import bp as stats_bp

    app.register_blueprint(stats_bp)


def _register_hooks(app):
    from forum import policy
    from forum.i18n import current_locale_code, direction
    from forum.security import set_security_headers
    from forum.twofactor.views import ENROLMENT_ENDPOINTS

    @app.before_request
    def require_login():
        """Everything but the public pages needs a signed-in user; guests see only their discussion."""
        endpoint = request.endpoint
        if endpoint is None or endpoint in PUBLIC_ENDPOINTS:
            return None
        # The account itself, not Flask-Login's proxy, which finds it again on every attribute read.
        user = current_user._get_current_object()
        if not user.is_authenticated:
            target = request.full_path.rstrip("?") if request.method == "GET" else None
            return redirect(url_for("accounts.login", next=target))
        if policy.is_guest(user) and not policy.guest_may_use(endpoint):
            abort(404)
        if policy.must_enrol_second_factor(user) and endpoint not in ENROLMENT_ENDPOINTS:
            # Staff roles act only with a second factor: enrolment first, everything else after.
            return redirect(url_for("twofactor.setup"))
        _touch_last_seen(user)
        return None

    app.after_request(set_security_headers)

    @app.context_processor
    def template_globals():
        locale = current_locale_code()
        return {
            "policy": policy,
            "current_locale": locale,
            "text_direction": direction(locale),
        }

    from forum import formatting, fragments
    from forum.main import layout
    from forum.rooms.fragments import latest_items, room_cards, room_rows
    from forum.threads.fragments import render_posts

    formatting.register(app)
    fragments.init_app(app)
    layout.register(app)
    app.add_template_global(render_posts, "post_fragments")
    app.add_template_global(room_rows)
    app.add_template_global(latest_items)
    app.add_template_global(room_cards)


def _touch_last_seen(user):
    """Record activity at most every five minutes: reading must not write on every page.

    The first time on a new UTC day also adds the day to the usage statistics (forum.stats), in the
    same short transaction: last_seen_at's date is the cheap check, so that is one write per day.
    """
    now = clock.now()
    new_day = user.last_seen_at is None or user.last_seen_at.date() != now.date()
    if new_day or now - user.last_seen_at > timedelta(minutes=5):
        from forum.stats.service import record_activity_day

        with database.write_transaction():
            user.last_seen_at = now
            if new_day:
                record_activity_day(user.id, now.date())


logging.getLogger("forum").setLevel(logging.INFO)
