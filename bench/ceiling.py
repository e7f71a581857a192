"""The ceiling: a bare Flask + Jinja page of about 2 KB, no database, no session.

Served by the same gunicorn settings as the forum in the same benchmark run
(bench/run.py), it tells how fast Flask itself answers on this machine, so the
forum's pages can be quoted as a fraction of it.
"""

from flask import Flask, render_template

# Templates from bench/templates, compiled once and cached as the forum's are.
app = Flask(__name__)


ITEMS = [
    {"slug": f"room-{number}", "name": f"Room number {number}", "threads": number * 7, "posts": number * 31}
    for number in range(18)
]


@app.route("/")
def page():
    return render_template("ceiling.html", title="Rooms", items=ITEMS)
