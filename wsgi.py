"""WSGI entry point: `gunicorn wsgi:app`, and FLASK_APP for the `flask` command."""
import os

from forum import create_app

app = create_app(os.environ.get("FORUM_CONFIG", "development"))
