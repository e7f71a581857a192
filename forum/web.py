"""Small helpers shared by the views of several features."""
from flask import request


def page_arg(name="page"):
    """A page number from the query string: a positive integer, 1 for anything else."""
    page = request.args.get(name, 1, type=int)
    return page if page and page > 0 else 1
