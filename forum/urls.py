"""Links that work inside and outside a request (views, `tick`, CLI commands).

Notifications store a site-relative path; e-mails need an absolute address,
which comes from `FORUM_BASE_URL` because `tick` has no request to ask.
"""

from urllib.parse import urljoin

from flask import current_app, has_request_context, url_for


def site_path(endpoint, **values):
    """The site-relative path of an endpoint, also outside a request."""
    if has_request_context():
        return url_for(endpoint, **values)
    # `tick` and the CLI have no request: a throwaway one lets url_for build the path, which is
    # site-relative and so does not depend on the host name it assumes.
    with current_app.test_request_context():
        return url_for(endpoint, **values)


def absolute_url(endpoint, **values):
    """The absolute address of an endpoint for e-mails and feeds, from `FORUM_BASE_URL`."""
    return absolute(site_path(endpoint, **values))


def absolute(path):
    """A site-relative path made absolute with `FORUM_BASE_URL`."""
    # urljoin drops a base's last segment without a trailing slash and replaces its whole path with
    # an absolute `path`: normalised so a base such as https://host/forum keeps its /forum.
    return urljoin(current_app.config["FORUM_BASE_URL"].rstrip("/") + "/", path.lstrip("/"))
