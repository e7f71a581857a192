"""Response headers that every page carries, and the session cookie's renewal."""

from flask import current_app, request
from flask.sessions import SecureCookieSessionInterface
from flask_login import current_user

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)


def set_security_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if current_app.config.get("SECURITY_HSTS"):
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    # Pages behind the login must not linger in shared caches or the back button of a kiosk.
    if request.endpoint != "static" and current_user and current_user.is_authenticated:
        headers["Cache-Control"] = "no-store"
    return response


class SessionCookies(SecureCookieSessionInterface):
    """Flask's signed session cookie, renewed on every request (the session ends after
    PERMANENT_SESSION_LIFETIME without one) except on background requests (`forum.web.background`).

    A thread left open polls for new posts every few seconds: that is not the delegate's activity, so it must
    not keep an unattended session alive for ever, nor sign and send a new cookie every time.
    """

    def should_set_cookie(self, app, session):
        if not session.modified and _is_background_request(app):
            return False
        return super().should_set_cookie(app, session)


def _is_background_request(app):
    view = app.view_functions.get(request.endpoint) if request.endpoint else None
    return getattr(view, "background", False)
