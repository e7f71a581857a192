"""The retention page: what the forum keeps and for how long."""

from flask import Blueprint, render_template

from forum.retention import service

bp = Blueprint("retention", __name__)


@bp.route("/retention")
def page():
    """What is kept and for how long, the figures `tick` enforces; public like the protocol; never 403 or 404."""
    return render_template("retention/page.html", periods=service.periods())
