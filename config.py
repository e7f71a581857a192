"""Configuration classes, overridable by environment variables.

`create_app("development" | "test" | "production")` picks a class below; every
setting a deployment may need to change reads an environment variable first.
"""

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
DEFAULT_SECRET_KEY = "dev-only-secret-key-change-me"
# Keys published somewhere (this repository, framework examples): they sign nothing outside tests.
KNOWN_SECRET_KEYS = frozenset({DEFAULT_SECRET_KEY, "change-me", "changeme", "secret", "dev", "development", "…"})


def _env_bool(name, default):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_int(name, default):
    value = os.environ.get(name)
    return int(value) if value else default


def _env_list(name, default=()):
    """A comma-separated environment variable as a tuple of stripped, non-empty items."""
    value = os.environ.get(name)
    if value is None:
        return tuple(default)
    return tuple(item.strip() for item in value.split(",") if item.strip())


class Config:
    # Required outside tests: the app refuses a missing or known default key.
    SECRET_KEY = os.environ.get("SECRET_KEY")
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'instance' / 'forum.db'}")
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    SQLALCHEMY_RECORD_QUERIES = False

    # Uploads are CSV files of a few hundred rows; posts are text. Anything
    # bigger than this is refused with 413 before a view sees it.
    MAX_CONTENT_LENGTH = _env_int("MAX_CONTENT_LENGTH", 512 * 1024)

    BABEL_DEFAULT_LOCALE = "en"
    BABEL_DEFAULT_TIMEZONE = "UTC"
    BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "translations")
    # Interface languages offered in the switcher (code -> name in itself).
    FORUM_UI_LOCALES = ("en", "fr", "es", "ar", "zh", "ru")
    FORUM_TIMEZONE = os.environ.get("FORUM_TIMEZONE", "Europe/Zurich")
    # Days of activity (forum.stats: one row per account and UTC day) are kept this long, then removed.
    ACTIVITY_RETENTION_DAYS = _env_int("ACTIVITY_RETENTION_DAYS", 1096)

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", False)
    SESSION_COOKIE_NAME = "forum_session"
    PERMANENT_SESSION_LIFETIME = _env_int("PERMANENT_SESSION_LIFETIME", 60 * 60 * 12)
    # A page renews the session cookie (its end slides with the delegate's activity) only when the last one was signed
    # longer ago than this: re-signing it on every page cost a tenth of a page's work (forum.security.SessionCookies).
    SESSION_RENEWAL_SECONDS = _env_int("SESSION_RENEWAL_SECONDS", 60)
    # Remember-me cookies outlive logout on other devices; this forum does not offer them.
    REMEMBER_COOKIE_DURATION = 0
    WTF_CSRF_TIME_LIMIT = 60 * 60 * 4

    # argon2id parameters: OWASP's Password Storage Cheat Sheet's first profile (19 MiB, 2 passes, 1 lane).
    # argon2-cffi's default (RFC 9106's "low memory" profile: 64 MiB, 3 passes, 4 lanes) cost eight times
    # the CPU per sign-in (about 145 ms against 18 on the benchmark machine): 200 delegations signing in on
    # Monday morning would spend a third of two cores hashing. Hashes made under other parameters verify,
    # and are rehashed under these at the next sign-in (forum.accounts.passwords.verify_password).
    ARGON2_TIME_COST = _env_int("ARGON2_TIME_COST", 2)
    ARGON2_MEMORY_COST = _env_int("ARGON2_MEMORY_COST", 19456)
    ARGON2_PARALLELISM = _env_int("ARGON2_PARALLELISM", 1)
    # Hashes computed at once per process (each takes ARGON2_MEMORY_COST KiB): further logins queue.
    ARGON2_CONCURRENCY = _env_int("ARGON2_CONCURRENCY", 1)
    # A hash's memory stays for the next one, and goes back to the system once no hash has ended for this long
    # (forum.accounts.passwords.HashMemory): touching it anew made every sign-in's hash 36 ms of CPU instead of 20.
    # Above 32 MiB of ARGON2_MEMORY_COST glibc maps each hash's memory anew, and nothing is kept between hashes.
    ARGON2_KEEP_MEMORY_SECONDS = _env_int("ARGON2_KEEP_MEMORY_SECONDS", 10)
    PASSWORD_MIN_LENGTH = 12

    ACTIVATION_TOKEN_DAYS = 7
    RESET_TOKEN_HOURS = 24

    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    # Several app server processes must share one rate-limit store (redis://…);
    # `memory://` is accepted in production only when the operator declares a
    # single process here.
    FORUM_SINGLE_PROCESS = _env_bool("FORUM_SINGLE_PROCESS", False)
    # How many reverse proxies in front of the app set X-Forwarded-For/-Proto/-Host.
    # 0 (the default): those headers are ignored and the client is the TCP peer.
    FORUM_PROXY_HOPS = _env_int("FORUM_PROXY_HOPS", 0)
    RATELIMIT_HEADERS_ENABLED = False
    RATELIMIT_ENABLED = _env_bool("RATELIMIT_ENABLED", True)
    LOGIN_LIMIT_PER_ADDRESS = os.environ.get("LOGIN_LIMIT_PER_ADDRESS", "20 per 10 minutes")
    LOGIN_LIMIT_PER_ACCOUNT = os.environ.get("LOGIN_LIMIT_PER_ACCOUNT", "5 per 10 minutes")
    # Wrong second-factor codes per account (a six-digit code must not be guessable).
    SECOND_FACTOR_LIMIT_PER_ACCOUNT = os.environ.get("SECOND_FACTOR_LIMIT_PER_ACCOUNT", "5 per 10 minutes")
    TWO_FACTOR_ISSUER = os.environ.get("TWO_FACTOR_ISSUER", "CDIP forum")
    # Security keys (WebAuthn): the relying party id is a domain (never an IP
    # address); empty means the host of FORUM_BASE_URL. The origin is FORUM_BASE_URL.
    FORUM_WEBAUTHN_RP_ID = os.environ.get("FORUM_WEBAUTHN_RP_ID", "")
    FORUM_WEBAUTHN_RP_NAME = os.environ.get("FORUM_WEBAUTHN_RP_NAME", "CDIP forum")

    # "console" prints each message as it is queued (development); "smtp" sends
    # queued messages from `flask forum tick`; "outbox" only stores them (tests).
    MAIL_BACKEND = os.environ.get("MAIL_BACKEND", "console")
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "localhost")
    MAIL_PORT = _env_int("MAIL_PORT", 25)
    MAIL_USE_TLS = _env_bool("MAIL_USE_TLS", False)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "forum@forum.test")
    # Links in e-mails need an absolute address; requests do not exist in `tick`.
    FORUM_BASE_URL = os.environ.get("FORUM_BASE_URL", "http://127.0.0.1:5000")

    POSTS_PER_PAGE = 20
    # Rendered posts and thread rows kept per worker process (forum.fragments), least recently used
    # dropped; 0: none. About 1–2 KB each: the default costs a few MiB per worker.
    FRAGMENT_CACHE_SIZE = _env_int("FRAGMENT_CACHE_SIZE", 4000)
    THREADS_PER_PAGE = 25
    POST_MAX_LENGTH = _env_int("POST_MAX_LENGTH", 20000)
    TITLE_MAX_LENGTH = 200

    # Automatic enforcement of the usage protocol (forum/threads/rules.py).
    # Posts per user ("6 per minute", "20 per hour"); "off" disables it, and so
    # does RATELIMIT_ENABLED=false. Moderators of the room are exempt.
    POST_RATE_LIMIT = os.environ.get("POST_RATE_LIMIT", "6 per minute")
    # Members activated less than NEW_MEMBER_DAYS ago may put at most
    # NEW_MEMBER_MAX_LINKS links in a post.
    NEW_MEMBER_DAYS = _env_int("NEW_MEMBER_DAYS", 7)
    NEW_MEMBER_MAX_LINKS = _env_int("NEW_MEMBER_MAX_LINKS", 2)
    # Whole words or phrases (comma separated) that hold a post for a moderator's approval.
    BLOCKED_TERMS = _env_list("BLOCKED_TERMS")

    # Personal data export (forum.dataexport): downloads per account.
    DATA_EXPORT_LIMIT = os.environ.get("DATA_EXPORT_LIMIT", "5 per hour")

    # Retention (forum.retention): the /retention page shows these figures and
    # `flask forum tick` enforces them, so the two cannot disagree. In days.
    # One-time links (activation, password reset), counted from expiry or use.
    TOKEN_RETENTION_DAYS = _env_int("TOKEN_RETENTION_DAYS", 30)
    # Sign-in, lockout, second-factor and session events (security_events).
    SECURITY_EVENT_RETENTION_DAYS = _env_int("SECURITY_EVENT_RETENTION_DAYS", 365)
    # Sent and failed e-mails in the outbox, counted from when they were queued.
    OUTBOX_RETENTION_DAYS = _env_int("OUTBOX_RETENTION_DAYS", 90)
    # Daily activity rows behind the statistics (about three years).
    ACTIVITY_RETENTION_DAYS = _env_int("ACTIVITY_RETENTION_DAYS", 1096)
    # A guest's account is deactivated this long after their last invitation ended (time to download their data).
    GUEST_ACCOUNT_DAYS = _env_int("GUEST_ACCOUNT_DAYS", 30)
    # How long backups are kept: deleted content is gone from every backup after this.
    BACKUP_RETENTION_DAYS = _env_int("BACKUP_RETENTION_DAYS", 30)
    # Deletion requests (forum.erasure) waiting longer than this are e-mailed to the deciders, once.
    DELETION_REMINDER_DAYS = _env_int("DELETION_REMINDER_DAYS", 14)

    DEMO_DATA_ALLOWED = True
    SECURITY_HSTS = False
    # The production checks (shared rate-limit store) apply; see also `flask forum check-deployment`.
    FORUM_PRODUCTION = False


class DevelopmentConfig(Config):
    DEBUG = False
    # Without SECRET_KEY, a random key is generated once and kept in
    # SECRET_KEY_FILE (default instance/secret_key, mode 0600).
    SECRET_KEY = os.environ.get("SECRET_KEY")
    SECRET_KEY_FROM_INSTANCE = True
    SECRET_KEY_FILE = os.environ.get("SECRET_KEY_FILE")


class TestConfig(Config):
    TESTING = True
    # The only configuration allowed to run with the public default key.
    SECRET_KEY = DEFAULT_SECRET_KEY
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    # Cheap hashes: the suite hashes hundreds of passwords.
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_COST = 1024
    ARGON2_PARALLELISM = 1
    MAIL_BACKEND = "outbox"
    WTF_CSRF_ENABLED = False
    RATELIMIT_STORAGE_URI = "memory://"
    SERVER_NAME = None
    # Fixtures post in bursts; the enforcement tests switch these on themselves.
    POST_RATE_LIMIT = "off"
    BLOCKED_TERMS = ()


class ProductionConfig(Config):
    SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", True)
    MAIL_BACKEND = os.environ.get("MAIL_BACKEND", "smtp")
    DEMO_DATA_ALLOWED = False
    SECURITY_HSTS = True
    FORUM_PRODUCTION = True


CONFIGS = {
    "development": DevelopmentConfig,
    "test": TestConfig,
    "production": ProductionConfig,
}
