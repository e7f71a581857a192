"""Error pages: translated, in the site's layout, never a stack trace."""

from flask import current_app, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from forum.extensions import db

MESSAGES = {
    400: (_l("Bad request"), _l("The request could not be understood. Please go back and try again.")),
    403: (_l("Not allowed"), _l("You do not have permission to do this.")),
    404: (_l("Page not found"), _l("There is nothing here, or you do not have access to it.")),
    405: (_l("Method not allowed"), _l("This address does not accept that kind of request.")),
    413: (_l("Too large"), _l("What you sent is too large. Please shorten it and try again.")),
    429: (_l("Too many attempts"), _l("You have tried too often. Please wait a few minutes and try again.")),
    500: (_l("Something went wrong"), _l("An unexpected error occurred. Nothing was saved. Please try again later.")),
}
CSRF_MESSAGE = _l("This form has expired or was sent from somewhere else. Please reload the page and try again.")


def _render(code, message=None):
    title, default_message = MESSAGES.get(code, MESSAGES[500])
    if request.accept_mimetypes.best == "application/json":
        return {"error": str(title), "message": str(message or default_message)}, code
    return render_template("errors/error.html", code=code, title=title, message=message or default_message), code


def handle_http_exception(error):
    if error.code not in MESSAGES:
        return error
    return _render(error.code)


def handle_csrf_error(error):
    return _render(400, CSRF_MESSAGE)


def handle_unexpected_error(error):
    # Whatever the request half-wrote is thrown away before the page renders.
    db.session.rollback()
    current_app.logger.exception("Unhandled error on %s %s", request.method, request.path)
    return _render(500)


def register_error_handlers(app):
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(Exception, handle_unexpected_error)
