"""Small helpers shared by the views of several features."""
from flask import request


def page_arg(name="page"):
    """A page number from the query string: a positive integer, 1 for anything else."""
    page = request.args.get(name, 1, type=int)
    return page if page and page > 0 else 1


def commit_act(act, success, failure_page, *, refused, not_allowed):
    """Run one service act for a view: commit and flash `success`, or roll back.

    `not_allowed` (an exception class) becomes 403; `refused` (the feature's
    error class) is flashed and `failure_page()` is returned for the view to
    show. Returns None on success, so the view redirects.
    """
    from flask import abort, flash

    from forum.extensions import db

    try:
        act()
    except not_allowed:
        db.session.rollback()
        abort(403)
    except refused as error:
        db.session.rollback()
        flash(str(error), "error")
        return failure_page()
    db.session.commit()
    flash(success, "success")
    return None
