"""Every route says in its docstring when it answers 403 or 404 (or that it never does).

A reader of a view should not have to trace helpers to know how it refuses:
the first thing they read, the docstring, says it.
"""

import inspect

from flask import Flask


def test_every_route_documents_its_refusals(app: Flask):
    undocumented = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        doc = inspect.getdoc(app.view_functions[rule.endpoint]) or ""
        if "403" not in doc and "404" not in doc:
            undocumented.append(rule.endpoint)
    assert not undocumented, (
        f"routes whose docstring does not say when they answer 403 or 404: {sorted(set(undocumented))}"
    )
