"""WSGI entry point: `gunicorn wsgi:app`, and FLASK_APP for the `flask` command.

Without FORUM_CONFIG this is the production configuration (which refuses to
start without a real SECRET_KEY); `make run` and the tests ask for
`development` or `test` explicitly.
"""

import os

from forum import create_app

app = create_app(os.environ.get("FORUM_CONFIG", "production"))
