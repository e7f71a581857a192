"""Response headers that every page carries, and the session cookie's renewal."""

from datetime import UTC, datetime, timedelta

from flask import current_app, request
from flask.sessions import SecureCookieSessionInterface
from flask_login import current_user
from itsdangerous import BadSignature

from forum.web import is_background_request

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)


SECURITY_HEADERS = (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
    ("X-Frame-Options", "DENY"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
)
HSTS = ("Strict-Transport-Security", "max-age=31536000; includeSubDomains")


def set_security_headers(response):
    """Every response's security headers, unless its view set its own (a value set by the view wins)."""
    headers = response.headers
    # The names present, read once: Headers.setdefault searches the list, and raises and catches, for each.
    present = set(headers.keys(lower=True))
    for name, value in (*SECURITY_HEADERS, HSTS) if current_app.config.get("SECURITY_HSTS") else SECURITY_HEADERS:
        if name.lower() not in present:
            headers.add(name, value)
    # Pages behind the login must not linger in shared caches or the back button of a kiosk.
    if request.endpoint != "static" and current_user._get_current_object().is_authenticated:
        headers["Cache-Control"] = "no-store"
    return response


class SessionCookies(SecureCookieSessionInterface):
    """Flask's signed session cookie, renewed by the delegate's requests (the session ends after
    PERMANENT_SESSION_LIFETIME without one) except background ones (`forum.web.background`), and at most once every
    SESSION_RENEWAL_SECONDS.

    A thread left open polls for new posts every few seconds: that is not the delegate's activity, so it must
    not keep an unattended session alive for ever, nor sign and send a new cookie every time. Nor does a page need
    a new cookie when the last one is a few seconds old: signing and sending it was a tenth of a page's work, and
    the session's end moves by less than a minute. A session changed by the request is always sent.
    """

    def get_signing_serializer(self, app):
        # Flask builds a new serializer (and with it a JSON encoding to probe its type) twice per request; the
        # keys it is built from are read each time, so a changed key or fallback list still takes effect at once.
        keys = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        if not app.secret_key:
            return None
        cached = getattr(self, "_serializer", None)
        if cached is None or cached[0] != keys:
            cached = self._serializer = (keys, super().get_signing_serializer(app))
        return cached[1]

    def open_session(self, app, request):
        # As Flask's, also keeping when the cookie was signed (itsdangerous writes the time into the signature).
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return self.session_class()
        try:
            data, signed_at = serializer.loads(
                value, max_age=int(app.permanent_session_lifetime.total_seconds()), return_timestamp=True
            )
        except BadSignature:
            return self.session_class()
        session = self.session_class(data)
        session.signed_at = signed_at
        return session

    def should_set_cookie(self, app, session):
        if not session.modified:
            if is_background_request():
                return False
            signed_at = getattr(session, "signed_at", None)
            renewal = app.config["SESSION_RENEWAL_SECONDS"]
            if signed_at is not None and datetime.now(UTC) - signed_at < timedelta(seconds=renewal):
                return False
        return super().should_set_cookie(app, session)
