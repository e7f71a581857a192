"""gunicorn settings for the forum: `gunicorn -c deploy/gunicorn.conf.py wsgi:app`.

Environment (all optional): FORUM_BIND (default 127.0.0.1:8000, behind nginx),
WEB_CONCURRENCY (workers; default 2 per core + 1), FORUM_ACCESS_LOG (see below). Several workers need
RATELIMIT_STORAGE_URI=redis://… and PostgreSQL (`flask forum check-deployment`).
"""

import gc
import multiprocessing
import os

bind = os.environ.get("FORUM_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
worker_class = "sync"
# Live updates are short polls; nothing should hold a worker longer.
timeout = 30
graceful_timeout = 20
keepalive = 5
# Recycle workers now and then (slow leaks in any library stay bounded).
max_requests = 2000
max_requests_jitter = 200
# The app reads X-Forwarded-* itself (FORUM_PROXY_HOPS); gunicorn must not rewrite them.
forwarded_allow_ips = "127.0.0.1"
# FORUM_ACCESS_LOG: a file, "-" for standard output (the default), or empty for none (when nginx logs).
accesslog = os.environ.get("FORUM_ACCESS_LOG", "-") or None
errorlog = "-"
loglevel = "info"
# Load the app once in the master: a configuration error stops the start at once.
preload_app = True


def when_ready(server):
    """Before the first worker is forked: the forum's templates compiled and its catalogs read in the master
    (`forum.warm_up`), so that every worker, recycled ones too, starts with them."""
    app = server.app.wsgi() if server.cfg.preload_app else None
    if "forum.fragments" in getattr(app, "extensions", {}):
        from forum import warm_up

        warm_up(app)


def pre_fork(server, worker):
    """Freeze what the master loaded (the app, its libraries' data) before each worker is forked.

    Those objects live as long as the worker: the collector no longer walks them on every full collection
    (on /stats, most of the slowest requests were that walk), and the memory pages holding them stay shared
    with the master instead of being copied by the collector's writes.
    """
    gc.freeze()
