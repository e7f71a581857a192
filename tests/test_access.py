"""Everything but the public pages needs a signed-in user."""

import re

import pytest

from forum import PUBLIC_ENDPOINTS


def _routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC_ENDPOINTS:
            continue
        url = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: "1" if "id" in m.group(1) else "x", rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule.endpoint, method, url


def test_every_protected_route_redirects_an_anonymous_user_to_login(app):
    client = app.test_client()
    checked = 0
    for endpoint, method, url in _routes(app):
        response = client.open(url, method=method)
        assert response.status_code == 302, (endpoint, method, url, response.status_code)
        assert response.location.startswith("/login"), (endpoint, url)
        checked += 1
    assert checked > 20


def test_anonymous_get_keeps_the_page_to_come_back_to(client):
    response = client.get("/rooms/capacity-en?page=2")
    assert response.location == "/login?next=/rooms/capacity-en?page%3D2"


@pytest.mark.parametrize("url", ["/login", "/reset", "/health", "/activate/whatever", "/reset/whatever"])
def test_public_pages_answer_without_login(client, url):
    assert client.get(url).status_code in (200, 404)
    assert client.get(url).status_code != 302


def test_unknown_page_is_404_in_the_site_layout(client, make_user, login):
    login(client, make_user())
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert b"Page not found" in response.data
    assert b'class="site-header"' in response.data


def test_guest_sees_nothing_of_the_member_area(client, make_user, login, make_thread, room):
    delegate = make_user()
    thread = make_thread(room, delegate, title="Members only title")
    guest = make_user("guest", organisation="University of Nairobi")
    login(client, guest)
    for url in ["/rooms/capacity-en", f"/t/{thread.id}", "/latest", "/admin/accounts", "/p/1"]:
        response = client.get(url)
        assert response.status_code == 404, url
        assert b"Members only title" not in response.data
    home = client.get("/")
    assert home.status_code == 200
    assert b"Capacity building" not in home.data
    # Their own notifications only (the header links there with the unread count).
    notifications = client.get("/notifications")
    assert notifications.status_code == 200 and b"Members only title" not in notifications.data
