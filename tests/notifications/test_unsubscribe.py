"""One-click unsubscribe (RFC 8058): a signed link stops one group of e-mails, or a digest, without signing in."""

from urllib.parse import urlsplit

import pytest
from itsdangerous import URLSafeSerializer

from forum.extensions import db
from forum.notifications import preferences
from forum.notifications.kinds import Delivery, Group
from forum.notifications.preferences import unsubscribe_token
from forum.notifications.service import notify

# Mail clients send this body, with no cookie and no CSRF token.
ONE_CLICK = {"List-Unsubscribe": "One-Click"}


@pytest.fixture(params=[{"WTF_CSRF_ENABLED": True}])
def config_overrides(request):
    """CSRF on, as in production: the one-click POST must work without a token anyway."""
    return request.param


def _delivery(user, group):
    db.session.expire_all()
    return preferences.delivery_for(user, group)


def test_the_link_shows_a_confirmation_page_and_changes_nothing(client, delegate):
    response = client.get(f"/unsubscribe/{unsubscribe_token(delegate, Group.mentions)}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Mentions of your name" in html and 'method="post"' in html
    assert _delivery(delegate, Group.mentions) == Delivery.immediately


def test_one_click_post_without_login_or_csrf_token_stops_the_group(client, delegate):
    response = client.post(f"/unsubscribe/{unsubscribe_token(delegate, Group.mentions)}", data=ONE_CLICK)
    assert response.status_code == 200
    assert "You will no longer receive e-mails about “Mentions of your name”." in response.get_data(as_text=True)
    assert _delivery(delegate, Group.mentions) == Delivery.never
    # Only that group.
    assert _delivery(delegate, Group.discussions) == Delivery.immediately


def test_the_button_on_the_page_works_too_and_twice_is_harmless(client, delegate):
    url = f"/unsubscribe/{unsubscribe_token(delegate, Group.replies)}"
    assert client.post(url).status_code == 200
    assert client.post(url).status_code == 200
    assert _delivery(delegate, Group.replies) == Delivery.never


def test_the_link_of_a_real_email_stops_its_group(client, delegate, outbox):
    notify(delegate, "warning", clause="1.1", reason="Tone")
    db.session.commit()
    (message,) = outbox()
    url = message.headers["List-Unsubscribe"].strip("<>")
    assert message.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert client.post(urlsplit(url).path, data=ONE_CLICK).status_code == 200
    assert _delivery(delegate, Group.moderation) == Delivery.never
    notify(delegate, "warning", clause="1.1", reason="Tone again")
    db.session.commit()
    assert len(outbox()) == 1


def test_a_digest_link_stops_every_group_in_that_digest(client, delegate):
    preferences.update_settings(delegate, choices={"mentions": "daily", "guests": "weekly"})
    db.session.commit()
    response = client.post(f"/unsubscribe/{unsubscribe_token(delegate, Delivery.daily)}", data=ONE_CLICK)
    assert "You will no longer receive the daily digest." in response.get_data(as_text=True)
    deliveries = preferences.deliveries(delegate)
    assert deliveries[Group.replies] == deliveries[Group.mentions] == Delivery.never
    assert deliveries[Group.guests] == Delivery.weekly
    assert deliveries[Group.discussions] == Delivery.immediately


def _forged(token):
    payload, signature = token.rsplit(".", 1)
    return f"{payload}.{signature[:-2]}{'AA' if not signature.endswith('AA') else 'BB'}"


@pytest.mark.parametrize(
    "make_token",
    [
        pytest.param(lambda app, user: _forged(unsubscribe_token(user, Group.mentions)), id="altered signature"),
        pytest.param(lambda app, user: "nothing-here", id="unknown"),
        pytest.param(lambda app, user: "a" * 300, id="too long"),
        pytest.param(
            lambda app, user: URLSafeSerializer(app.secret_key, salt="other").dumps([user.id, "mentions"]),
            id="other salt",
        ),
        pytest.param(
            lambda app, user: URLSafeSerializer("not the key", salt=preferences.UNSUBSCRIBE_SALT).dumps(
                [user.id, "mentions"]
            ),
            id="other key",
        ),
        pytest.param(lambda app, user: preferences._serializer().dumps([user.id, "gossip"]), id="unknown group"),
        pytest.param(lambda app, user: preferences._serializer().dumps([user.id, "immediately"]), id="not a digest"),
        pytest.param(lambda app, user: preferences._serializer().dumps([999999, "mentions"]), id="no such user"),
        pytest.param(lambda app, user: preferences._serializer().dumps({"u": user.id}), id="wrong shape"),
    ],
)
def test_forged_or_unknown_tokens_answer_404_and_change_nothing(app, client, delegate, make_token):
    token = make_token(app, delegate)
    assert client.get(f"/unsubscribe/{token}").status_code == 404
    assert client.post(f"/unsubscribe/{token}", data=ONE_CLICK).status_code == 404
    assert _delivery(delegate, Group.mentions) == Delivery.immediately


def test_a_token_changes_only_its_owners_settings(client, login, make_user):
    mine, theirs = make_user(), make_user()
    login(client, mine)
    # Signed in as `mine`, with `theirs`'s link: the link decides whose settings change, never the session.
    client.post(f"/unsubscribe/{unsubscribe_token(theirs, Group.mentions)}", data=ONE_CLICK)
    assert _delivery(theirs, Group.mentions) == Delivery.never
    assert _delivery(mine, Group.mentions) == Delivery.immediately


def test_a_signed_in_guest_or_unenrolled_moderator_can_use_a_link(client, login, make_user, guest):
    login(client, guest)
    assert client.post(f"/unsubscribe/{unsubscribe_token(guest, Group.replies)}", data=ONE_CLICK).status_code == 200
    staff = make_user("moderator")
    login(client, staff, second_factor=False)
    assert client.get(f"/unsubscribe/{unsubscribe_token(staff, Group.guests)}").status_code == 200


def test_other_pages_still_need_the_csrf_token(client, login, delegate):
    login(client, delegate)
    data = {group.value: "never" for group in Group}
    assert client.post("/profile/notifications", data=data).status_code == 400
    assert _delivery(delegate, Group.mentions) == Delivery.immediately
