"""Guest invitations (issue 6): an external stakeholder in one discussion, after assessment and approval."""

import io
import itertools
import re
import zipfile
from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from forum import clock, policy
from forum.audit import AuditEvent
from forum.discussions import service as discussions
from forum.errors import Invalid
from forum.extensions import db
from forum.guests import service
from forum.guests.models import GuestInvitation, InvitationStatus
from forum.notifications.models import Notification
from forum.proposals import service as proposals
from forum.protocol import service as protocol
from forum.rooms.models import Category
from forum.threads import service as threads_service
from forum.threads.models import Post

GUEST_EMAIL = "researcher@uonbi.example"
UNIVERSITY = "University of Nairobi"
GUEST_PASSWORD = "a long guest passphrase for the forum"
LINK = re.compile(r"https?://[^/\s]+(/invitation/[A-Za-z0-9_\-]+)")
CLAUSE = "1.2"  # "An external stakeholder may take part…" in the shipped protocol


# Helpers -----------------------------------------------------------------------------


def _discussion(by, title="Alpha Discussion", codes=("en", "fr", "es"), days=7):
    """An open weekly discussion, one thread per language titled "<title> (<code>)"."""
    opens_at = clock.now().replace(second=0, microsecond=0)
    discussion = discussions.schedule_discussion(
        by=by,
        category_id=db.session.scalar(select(Category.id).where(Category.code == "capacity")),
        texts={code: discussions.TextInput(f"{title} ({code})", f"Opening of {title} in {code}.") for code in codes},
        opens_at=opens_at,
        closes_at=opens_at + timedelta(days=days),
    )
    db.session.commit()
    return discussion


def _threads(discussion):
    return discussions.discussion_threads(discussion)


def _request(discussion, by, email=GUEST_EMAIL, **fields):
    arguments = {
        "guest_name": "Amina Odhiambo",
        "email": email,
        "organisation": UNIVERSITY,
        "organisation_kind": "academic",
        "justification": "Leads the university's technology transfer office.",
    }
    arguments.update(fields)
    invitation = service.request_guest(discussion, by=by, **arguments)
    db.session.commit()
    return invitation


def _approve(invitation, people):
    service.assess_request(invitation, by=people.moderator, recommend=True, clause=CLAUSE, reason="Relevant expertise.")
    service.decide_request(invitation, by=people.admin, approve=True)
    db.session.commit()
    return invitation


def _link(outbox, email=GUEST_EMAIL):
    messages = outbox(email)
    assert messages, "no invitation e-mail"
    return LINK.search(messages[-1].body).group(1)


def _accepted_guest(discussion, people, outbox, email=GUEST_EMAIL, **fields):
    """Invite, approve and accept through the services; the guest has accepted the protocol."""
    invitation = _approve(_request(discussion, people.delegate, email=email, **fields), people)
    token = _link(outbox, email).rsplit("/", 1)[1]
    found = service.find_invitation_by_token(token)
    existing = service.account_for(found)
    if existing is None:
        user = service.accept_as_new_guest(found, display_name=found.guest_name, password=GUEST_PASSWORD)
    else:
        user = service.accept_as_existing_guest(found, user=existing)
    protocol.accept_current(user)
    db.session.commit()
    return invitation, user


def _count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def _actions(invitation):
    return [event.action for event in service.events_for(invitation)]


@pytest.fixture
def people(make_user):
    return SimpleNamespace(
        delegate=make_user(state="KEN", name="Wanjiru Kamau", email="delegate.ke@example.org"),
        moderator=make_user("moderator", name="Moana Moderator"),
        admin=make_user("admin", name="Ada Administrator"),
    )


@pytest.fixture
def now(frozen_clock):
    return frozen_clock


def _client(app, login, user):
    client = app.test_client()
    login(client, user)
    return client


# The whole flow through the web ---------------------------------------------------------


def test_whole_flow_request_recommend_approve_accept_and_post(app, now, people, login, outbox):
    discussion = _discussion(people.moderator)
    thread = _threads(discussion)["en"]
    delegate = _client(app, login, people.delegate)

    page = delegate.get(f"/t/{thread.id}").get_data(as_text=True)
    assert f"/guests/new/{discussion.id}" in page
    response = delegate.post(
        f"/guests/new/{discussion.id}",
        data={
            "guest_name": "Amina Odhiambo",
            "email": "Researcher@UONBI.example",
            "organisation": UNIVERSITY,
            "organisation_kind": "academic",
            "justification": "Leads the technology transfer office.",
        },
    )
    assert response.status_code == 302
    invitation = db.session.scalar(select(GuestInvitation))
    assert invitation.email == GUEST_EMAIL and invitation.status == InvitationStatus.requested
    assert response.location == f"/guests/{invitation.id}"
    # The moderators hear of it.
    assert (
        db.session.scalar(select(Notification).where(Notification.user_id == people.moderator.id)).kind
        == "guest_requested"
    )

    moderator = _client(app, login, people.moderator)
    assert "Assess the request" in moderator.get(f"/guests/{invitation.id}").get_data(as_text=True)
    response = moderator.post(
        f"/guests/{invitation.id}/assess",
        data={
            "assess-decision": "recommend",
            "assess-clause": CLAUSE,
            "assess-reason": "Academic expertise on the topic.",
        },
    )
    assert response.status_code == 302
    assert invitation.status == InvitationStatus.recommended

    admin = _client(app, login, people.admin)
    page = admin.get(f"/guests/{invitation.id}").get_data(as_text=True)
    assert "Academic expertise on the topic." in page and "Final decision" in page
    assert admin.post(f"/guests/{invitation.id}/decide", data={"decide-decision": "approve"}).status_code == 302
    assert invitation.status == InvitationStatus.sent
    assert invitation.token_hash and invitation.token_expires_at == now.now + timedelta(days=14)

    # The guest follows the link from the e-mail.
    link = _link(outbox)
    assert link.rsplit("/", 1)[1] not in (invitation.token_hash or "")
    guest = app.test_client()
    page = guest.get(link).get_data(as_text=True)
    assert "Alpha Discussion (en)" in page
    response = guest.post(
        link, data={"display_name": "Amina Odhiambo", "password": GUEST_PASSWORD, "confirm": GUEST_PASSWORD}
    )
    assert response.status_code == 302
    assert response.location.startswith("/protocol?next=")
    assert invitation.status == InvitationStatus.accepted
    user = invitation.guest_user
    assert user.role.value == "guest" and user.organisation == UNIVERSITY

    # Accept the protocol, land in the discussion, post.
    assert "Accept the protocol" in guest.get(response.location).get_data(as_text=True)
    version = protocol.current_version().number
    response = guest.post("/protocol/accept", data={"version": version, "confirm": "y", "next": f"/t/{thread.id}"})
    assert response.location == f"/t/{thread.id}"
    page = guest.get(f"/t/{thread.id}").get_data(as_text=True)
    assert 'id="reply"' in page and "Accept the usage protocol to post" not in page
    response = guest.post(
        f"/t/{thread.id}/reply", data={"body": "Greetings from the university.", "submission_key": "k1"}
    )
    assert response.status_code == 302
    page = guest.get(f"/t/{thread.id}").get_data(as_text=True)
    assert "Greetings from the university." in page
    assert f"Guest — {UNIVERSITY}" in page

    assert _actions(invitation) == ["guest.request", "guest.recommend", "guest.approve", "guest.send", "guest.accept"]
    # The requester was told of every step and sees the trail on the request page.
    kinds = set(db.session.scalars(select(Notification.kind).where(Notification.user_id == people.delegate.id)))
    assert {"guest_recommended", "guest_approved", "guest_accepted"} <= kinds
    page = delegate.get(f"/guests/{invitation.id}").get_data(as_text=True)
    for label in (
        "Requested",
        "Recommended by the moderator",
        "Approved by an administrator",
        "Invitation sent",
        "Accepted by the guest",
    ):
        assert label in page
    assert "Amina Odhiambo" in delegate.get("/notifications").get_data(as_text=True)


def test_guest_lands_in_the_thread_directly_when_the_protocol_is_already_accepted(
    app, now, people, login, outbox, make_user
):
    first = _discussion(people.moderator)
    _invitation, user = _accepted_guest(first, people, outbox)
    second = _discussion(people.moderator, title="Beta Discussion")
    _approve(_request(second, people.delegate), people)
    client = app.test_client()
    page = client.get(_link(outbox)).get_data(as_text=True)
    # An existing guest account signs in with its password instead of choosing one.
    assert "already have a guest account" in page and 'name="confirm"' not in page
    response = client.post(_link(outbox), data={"password": "wrong password entirely"})
    assert response.status_code == 400 and "The password is not correct." in response.get_data(as_text=True)
    response = client.post(_link(outbox), data={"password": GUEST_PASSWORD})
    assert response.location == f"/t/{_threads(second)['en'].id}"


def test_a_signed_in_member_following_a_link_is_signed_out_first(app, now, people, login, outbox):
    discussion = _discussion(people.moderator)
    _approve(_request(discussion, people.delegate), people)
    client = _client(app, login, people.delegate)
    client.post(_link(outbox), data={"display_name": "Amina", "password": GUEST_PASSWORD, "confirm": GUEST_PASSWORD})
    invitation = db.session.scalar(select(GuestInvitation))
    assert invitation.guest_user.email == GUEST_EMAIL
    # The session is now the guest's, not the delegate's.
    page = client.get("/").get_data(as_text=True)
    assert "Your discussions" in page and "Wanjiru Kamau" not in page


def test_a_bad_password_is_refused_and_nothing_is_written(app, now, people, outbox):
    discussion = _discussion(people.moderator)
    invitation = _approve(_request(discussion, people.delegate), people)
    users = _count(GuestInvitation), db.session.scalar(select(func.count()).select_from(db.metadata.tables["users"]))
    response = app.test_client().post(
        _link(outbox), data={"display_name": "Amina", "password": "short", "confirm": "short"}
    )
    assert response.status_code == 400
    assert invitation.status == InvitationStatus.sent
    assert (
        _count(GuestInvitation),
        db.session.scalar(select(func.count()).select_from(db.metadata.tables["users"])),
    ) == users


# Guest posts and what guests see ------------------------------------------------------


def test_guest_posts_are_labelled_with_the_organisation(app, now, people, login, outbox):
    discussion = _discussion(people.moderator)
    _invitation, guest = _accepted_guest(discussion, people, outbox)
    thread = _threads(discussion)["fr"]
    threads_service.reply(thread, author=guest, body="Bonjour à tous.")
    db.session.commit()
    page = _client(app, login, people.delegate).get(f"/t/{thread.id}").get_data(as_text=True)
    assert f"Guest — {UNIVERSITY}" in page


def test_guest_home_lists_the_discussion_and_nav_hides_the_member_area(app, now, people, login, outbox):
    discussion = _discussion(people.moderator)
    _invitation, guest = _accepted_guest(discussion, people, outbox)
    page = _client(app, login, guest).get("/").get_data(as_text=True)
    assert "Alpha Discussion (en)" in page
    for thread in _threads(discussion).values():
        assert f"/t/{thread.id}" in page
    for hidden in ("/topics", "/notifications", "/moderation", "/admin", "/guests", "/rooms/"):
        assert f'href="{hidden}' not in page


def test_languages_chosen_in_the_request_limit_the_threads(app, now, people, login, outbox):
    discussion = _discussion(people.moderator)
    _invitation, guest = _accepted_guest(discussion, people, outbox, languages=["fr"])
    threads = _threads(discussion)
    client = _client(app, login, guest)
    page = client.get(f"/t/{threads['fr'].id}").get_data(as_text=True)
    assert f"/t/{threads['en'].id}" not in page and f"/t/{threads['es'].id}" not in page
    assert "/topics/discussions" not in page
    assert client.get(f"/t/{threads['en'].id}").status_code == 404
    assert client.get(f"/t/{threads['es'].id}").status_code == 404


def test_guest_thread_page_stays_within_the_query_budget(app, now, people, login, outbox, count_queries, make_user):
    discussion = _discussion(people.moderator)
    _invitation, guest = _accepted_guest(discussion, people, outbox)
    thread = _threads(discussion)["en"]
    client = _client(app, login, guest)

    def count():
        client.get(f"/t/{thread.id}")
        db.session.expire_all()
        with count_queries() as counter:
            assert client.get(f"/t/{thread.id}").status_code == 200
        return counter.count

    small = count()
    for index in range(30):
        threads_service.reply(thread, author=make_user(state="KEN"), body=f"Reply {index}")
    db.session.commit()
    assert count() == small <= 10


# The access boundary -----------------------------------------------------------------

# Endpoints a guest may use, which name no object (or only a token of their own).
NO_OBJECT_ENDPOINTS = {
    "main.home",
    # Their own notifications (the header links there with the unread count).
    "main.notifications",
    "main.health",
    "main.set_language",
    "accounts.profile",
    "accounts.logout",
    "accounts.login",
    "accounts.reset_request",
    "protocol.view",
    "protocol.accept",
    # The second step of signing in (code or key): a signed-in visitor is sent home, with nothing to see.
    "twofactor.verify",
    "twofactor.key_sign_in_options",
    "twofactor.key_sign_in",
    # The guest's own calendar link (forum.calendar): it lists only what the guest may see (tests/calendar).
    "calendar.create_link",
    "calendar.revoke_link",
    # The guest's own notification settings.
    "notifications.settings",
    # Search within what the guest may read: their discussion only (tests/search/test_permissions.py).
    "search.results",
    # The guest's own data (a ZIP of what they wrote and chose: tests/dataexport) and the public retention page.
    "dataexport.download",
    "retention.page",
    # The guest's own deletion requests, and asking for their account to be deleted (tests/erasure).
    "erasure.mine",
    "erasure.ask_account",
}
OUTSIDE_TEXTS = (
    "Secret Bravo Discussion",
    "Private Member Thread Zulu",
    "Delegate Outsider Quill",
    "Other Guest Vesper",
    "Vesper Institute",
    "Proposal Title Kestrel",
    "Alpha Discussion (es)",
    "Outside post body Yarrow",
    "Outside reply Wren",
)


@pytest.fixture
def boundary(app, now, people, make_user, make_thread, room, outbox):
    """A guest invited to Alpha in English and French, and everything around them they must not see."""
    alpha = _discussion(people.moderator)
    invitation, guest = _accepted_guest(alpha, people, outbox, languages=["en", "fr"])
    bravo = _discussion(people.moderator, title="Secret Bravo Discussion")
    outsider = make_user(name="Delegate Outsider Quill")
    member_thread = make_thread(room, outsider, title="Private Member Thread Zulu", body="Outside post body Yarrow")
    alpha_es = _threads(alpha)["es"]
    for thread in (*_threads(bravo).values(), alpha_es):
        threads_service.reply(thread, author=outsider, body="Outside reply Wren")
    other_invitation, other_guest = _accepted_guest(
        bravo,
        people,
        outbox,
        email="vesper@institute.example",
        guest_name="Other Guest Vesper",
        organisation="Vesper Institute",
    )
    other_guest.display_name = "Other Guest Vesper"
    proposal = proposals.propose_topic(
        by=outsider,
        title="Proposal Title Kestrel",
        description="About Kestrel.",
        category_id=db.session.scalar(select(Category.id).where(Category.code == "capacity")),
    )
    db.session.commit()
    own_thread = _threads(alpha)["en"]
    own_post = threads_service.reply(own_thread, author=guest, body="My own message.")
    db.session.commit()
    outside_threads = [member_thread, alpha_es, *_threads(bravo).values()]
    outside_posts = db.session.scalars(select(Post).where(Post.thread_id.in_([t.id for t in outside_threads]))).all()
    event = db.session.scalar(select(AuditEvent).order_by(AuditEvent.id.desc()))
    return SimpleNamespace(
        guest=guest,
        alpha=alpha,
        bravo=bravo,
        invitation=invitation,
        own_thread=own_thread,
        own_post=own_post,
        outside={
            "thread_id": [t.id for t in outside_threads],
            "post_id": [p.id for p in outside_posts],
            "discussion_id": [bravo.id],
            "proposal_id": [proposal.id],
            "invitation_id": [other_invitation.id],
            "user_id": [outsider.id, other_guest.id],
            "event_id": [event.id],
            "category_id": [db.session.scalar(select(Category.id).where(Category.code == "capacity"))],
            "slug": ["capacity-en", "capacity-fr"],
            "code": ["en", "es"],
            "token": ["not-a-real-token"],
        },
        own={
            "thread_id": [own_thread.id],
            "post_id": [own_post.id],
            "discussion_id": [alpha.id],
            "invitation_id": [invitation.id],
            "user_id": [guest.id],
        },
    )


def _urls(rule, values):
    names = sorted(rule.arguments)
    choices = [values.get(name, []) for name in names]
    for combination in itertools.product(*choices):
        yield rule.build(dict(zip(names, combination, strict=True)))[1]


def _text_of(response):
    """A response's text; for a ZIP (the guest's own data export), the text of every file in it."""
    if response.mimetype == "application/zip":
        with zipfile.ZipFile(io.BytesIO(response.get_data())) as archive:
            return "\n".join(archive.read(name).decode() for name in archive.namelist())
    return response.get_data(as_text=True)


def test_guest_gets_403_or_404_everywhere_outside_the_invitation(app, login, boundary):
    client = app.test_client()
    checked = 0
    rules = sorted(app.url_map.iter_rules(), key=lambda rule: rule.endpoint == "accounts.logout")
    for rule in rules:
        if rule.endpoint == "static":
            continue
        values = dict(boundary.outside)
        if not policy.guest_may_use(rule.endpoint):
            # Outside the guest's endpoints, their own objects are just as missing.
            values = {name: boundary.outside.get(name, []) + boundary.own.get(name, []) for name in rule.arguments}
        for url in _urls(rule, values) if rule.arguments else [rule.rule]:
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                login(client, boundary.guest)
                response = client.open(url, method=method)
                body = _text_of(response)
                where = (rule.endpoint, method, url, response.status_code)
                if rule.endpoint in NO_OBJECT_ENDPOINTS:
                    assert response.status_code < 500, where
                elif policy.guest_may_use(rule.endpoint) or rule.endpoint in (
                    "accounts.activate",
                    "accounts.reset",
                    "guests.accept",
                ):
                    assert response.status_code in (403, 404), where
                else:
                    assert response.status_code == 404, where
                for text in OUTSIDE_TEXTS:
                    assert text not in body, (where, text)
                checked += 1
    assert checked > 100


def test_guest_reads_and_posts_inside_the_invitation(app, login, boundary):
    client = _client(app, login, boundary.guest)
    thread = boundary.own_thread
    assert client.get(f"/t/{thread.id}").status_code == 200
    assert client.get(f"/t/{thread.id}/live?after=0").status_code == 200
    assert client.get(f"/t/{thread.id}/unread").status_code == 302
    assert client.get(f"/p/{boundary.own_post.id}").status_code == 302
    assert client.get(f"/p/{boundary.own_post.id}/edit").status_code == 200
    assert client.post(f"/p/{boundary.own_post.id}/edit", data={"body": "Edited."}).status_code == 302
    assert client.get(f"/p/{boundary.own_post.id}/revisions").status_code == 200
    assert client.post(f"/t/{thread.id}/watch", data={"watch": "0"}).status_code == 302
    first = db.session.scalar(select(Post).where(Post.thread_id == thread.id, Post.number == 1))
    assert client.get(f"/p/{first.id}/flag").status_code == 200
    assert client.get(f"/t/{_threads(boundary.alpha)['fr'].id}").status_code == 200
    page = client.get("/").get_data(as_text=True)
    assert "Secret Bravo Discussion" not in page and "Alpha Discussion (en)" in page


# Tokens ------------------------------------------------------------------------------


@pytest.fixture
def sent(app, now, people, outbox):
    discussion = _discussion(people.moderator, days=30)
    invitation = _approve(_request(discussion, people.delegate), people)
    return SimpleNamespace(invitation=invitation, link=_link(outbox), discussion=discussion)


def _accept_form(client, link):
    return client.post(link, data={"display_name": "Amina", "password": GUEST_PASSWORD, "confirm": GUEST_PASSWORD})


def test_token_is_stored_hashed_and_works_once(app, sent):
    token = sent.link.rsplit("/", 1)[1]
    assert token not in str(sent.invitation.token_hash) and len(sent.invitation.token_hash) == 64
    assert _accept_form(app.test_client(), sent.link).status_code == 302
    assert sent.invitation.token_hash is None
    # Reused after acceptance, signed in or not: the link no longer works.
    for client in (app.test_client(), app.test_client()):
        response = client.get(sent.link)
        assert response.status_code == 404 and "This invitation link does not work" in response.get_data(as_text=True)
        assert _accept_form(client, sent.link).status_code == 404
    assert _count(GuestInvitation) == 1


def test_wrong_token_is_404(app, sent):
    for token in ("wrong", sent.link.rsplit("/", 1)[1][:-1] + "x", "x" * 200):
        assert app.test_client().get(f"/invitation/{token}").status_code == 404


def test_token_expires_after_fourteen_days(app, now, sent):
    now.advance(days=13, hours=23)
    assert app.test_client().get(sent.link).status_code == 200
    now.advance(hours=1)
    assert app.test_client().get(sent.link).status_code == 404
    assert _accept_form(app.test_client(), sent.link).status_code == 404
    assert sent.invitation.effective_status() == InvitationStatus.expired


def test_token_of_a_revoked_invitation_is_refused(app, people, sent):
    service.revoke_invitation(sent.invitation, by=people.moderator, reason="Withdrawn by the delegation.")
    db.session.commit()
    assert app.test_client().get(sent.link).status_code == 404
    assert _actions(sent.invitation)[-1] == "guest.revoke"


def test_resending_replaces_the_link(app, now, people, outbox, sent):
    now.advance(days=15)
    raw = service.send_invitation(sent.invitation, by=people.admin)
    db.session.commit()
    assert app.test_client().get(sent.link).status_code == 404
    assert app.test_client().get(f"/invitation/{raw}").status_code == 200
    assert _link(outbox) == f"/invitation/{raw}"
    assert _actions(sent.invitation).count("guest.send") == 2


def test_the_link_stops_working_when_the_discussion_closes(app, now, people, sent):
    discussions.close_discussion(sent.discussion, by=people.moderator)
    db.session.commit()
    assert app.test_client().get(sent.link).status_code == 404


# Access ends on the next request ------------------------------------------------------


@pytest.fixture
def inside(app, now, people, login, outbox):
    discussion = _discussion(people.moderator)
    invitation, guest = _accepted_guest(discussion, people, outbox, ends_at=now.now + timedelta(days=3))
    client = _client(app, login, guest)
    thread = _threads(discussion)["en"]
    assert client.get(f"/t/{thread.id}").status_code == 200
    return SimpleNamespace(invitation=invitation, guest=guest, client=client, thread=thread, discussion=discussion)


def _access_has_ended(inside):
    response = inside.client.get(f"/t/{inside.thread.id}")
    assert response.status_code == 404
    home = inside.client.get("/")
    assert home.status_code == 200
    page = home.get_data(as_text=True)
    assert "Your access has ended" in page and "Alpha Discussion" not in page
    assert inside.client.post(f"/t/{inside.thread.id}/reply", data={"body": "Still here?"}).status_code == 404


def test_revocation_takes_effect_on_the_next_request(inside, people, app, login):
    moderator = _client(app, login, people.moderator)
    response = moderator.post(f"/guests/{inside.invitation.id}/revoke", data={"revoke-reason": "Breach of clause 3.2."})
    assert response.status_code == 302
    assert inside.invitation.status == InvitationStatus.revoked
    _access_has_ended(inside)
    assert "guest_revoked" in set(db.session.scalars(select(Notification.kind)))


def test_end_date_takes_effect_without_any_job(inside, now):
    now.advance(days=3)
    _access_has_ended(inside)
    # `tick` records the expiry afterwards, once.
    assert [i.id for i in service.expire_due(clock.now())] == [inside.invitation.id]
    db.session.commit()
    assert service.expire_due(clock.now()) == []
    assert inside.invitation.status == InvitationStatus.expired
    assert _actions(inside.invitation)[-1] == "guest.expire"


def test_closing_the_discussion_ends_access(inside, people):
    discussions.close_discussion(inside.discussion, by=people.moderator)
    db.session.commit()
    _access_has_ended(inside)


def test_tick_command_records_expired_links(app, now, people, sent):
    now.advance(days=15)
    result = app.test_cli_runner().invoke(args=["forum", "tick"])
    assert "guest invitations expired: 1" in result.output
    assert sent.invitation.status == InvitationStatus.expired


def test_guest_invited_to_two_discussions_sees_both_and_nothing_else(app, now, people, login, outbox):
    alpha = _discussion(people.moderator)
    bravo = _discussion(people.moderator, title="Bravo Discussion")
    charlie = _discussion(people.moderator, title="Charlie Discussion")
    _accepted_guest(alpha, people, outbox)
    _invitation, guest = _accepted_guest(bravo, people, outbox, organisation="Kenyatta University")
    assert guest.organisation == "Kenyatta University"
    client = _client(app, login, guest)
    home = client.get("/").get_data(as_text=True)
    assert "Alpha Discussion (en)" in home and "Bravo Discussion (en)" in home and "Charlie" not in home
    for discussion, status in ((alpha, 200), (bravo, 200), (charlie, 404)):
        for thread in _threads(discussion).values():
            assert client.get(f"/t/{thread.id}").status_code == status


# Permissions per role --------------------------------------------------------------------

ROLES = ["delegate", "staff", "language_moderator", "moderator", "admin", "guest"]


@pytest.mark.parametrize("role", ROLES)
def test_policy_predicates_per_role(make_user, role):
    user = make_user(role, languages=("fr",) if role == "language_moderator" else ())
    assert policy.can_request_guest(user) == (role in ("delegate", "moderator", "admin"))
    assert policy.can_assess_guest_request(user) == (role in ("moderator", "admin"))
    assert policy.can_approve_guest(user) == (role == "admin")
    assert policy.can_revoke_guest(user) == (role in ("moderator", "admin"))
    assert policy.can_view_guest_requests(user) == (role in ("delegate", "moderator", "admin"))


@pytest.fixture
def actor(make_user, people):
    def make(role):
        if role == "requester":
            return people.delegate
        return make_user(role, languages=("fr",) if role == "language_moderator" else ())

    return make


@pytest.mark.parametrize(
    "role, expected",
    [
        ("delegate", 200),
        ("moderator", 200),
        ("admin", 200),
        ("staff", 403),
        ("language_moderator", 403),
        ("guest", 404),
    ],
)
def test_who_may_request_a_guest(app, now, people, login, actor, role, expected):
    discussion = _discussion(people.moderator)
    assert _client(app, login, actor(role)).get(f"/guests/new/{discussion.id}").status_code == expected


ACTS = {
    "assess": ("assess", {"assess-decision": "recommend", "assess-clause": CLAUSE, "assess-reason": "Fine."}),
    "approve": ("decide", {"decide-decision": "approve"}),
    "revoke": ("revoke", {"revoke-reason": "No longer needed."}),
}
# Who may: 302. The requester may see the request but not act (403); other members do not see it (404).
EXPECTED = {
    "assess": {"moderator": 302, "admin": 302, "requester": 403},
    "approve": {"admin": 302, "moderator": 403, "requester": 403},
    "revoke": {"moderator": 302, "admin": 302, "requester": 403},
}


@pytest.mark.parametrize("act", sorted(ACTS))
@pytest.mark.parametrize(
    "role", ["requester", "delegate", "staff", "language_moderator", "moderator", "admin", "guest"]
)
def test_who_may_assess_approve_and_revoke(app, now, people, login, actor, act, role):
    discussion = _discussion(people.moderator)
    invitation = _request(discussion, people.delegate)
    if act in ("approve", "revoke"):
        service.assess_request(invitation, by=people.moderator, recommend=True, clause=CLAUSE, reason="Fine.")
    if act == "revoke":
        service.decide_request(invitation, by=people.admin, approve=True)
    db.session.commit()
    before = invitation.status
    path, data = ACTS[act]
    response = _client(app, login, actor(role)).post(f"/guests/{invitation.id}/{path}", data=data)
    expected = EXPECTED[act].get(role, 404)
    assert response.status_code == expected
    if expected != 302:
        db.session.refresh(invitation)
        assert invitation.status == before


@pytest.mark.parametrize("role, sees", [("moderator", 2), ("admin", 2), ("requester", 1), ("delegate", 0)])
def test_requests_page_lists_all_for_moderators_and_own_for_requesters(
    app, now, people, login, actor, make_user, role, sees
):
    discussion = _discussion(people.moderator)
    _request(discussion, people.delegate, guest_name="First Guest Larch")
    _request(discussion, make_user(state="FRA"), email="second@example.org", guest_name="Second Guest Alder")
    client = _client(app, login, actor(role))
    page = client.get("/guests").get_data(as_text=True)
    assert sum(name in page for name in ("First Guest Larch", "Second Guest Alder")) == sees
    if role == "moderator":
        assert "First Guest Larch" in client.get("/guests?status=requested").get_data(as_text=True)
        assert "First Guest Larch" not in client.get("/guests?status=sent").get_data(as_text=True)


def test_staff_cannot_open_the_requests_page(app, login, make_user):
    assert _client(app, login, make_user("staff")).get("/guests").status_code == 403


# Refusals: a clear message, and nothing written -------------------------------------------


def _nothing_written(before):
    assert (_count(GuestInvitation), _count(AuditEvent), _count(Notification)) == before


def _counts():
    return _count(GuestInvitation), _count(AuditEvent), _count(Notification)


@pytest.mark.parametrize(
    "case, message",
    [
        ("closed", "This discussion is closed"),
        ("duplicate", "already under way"),
        ("member_email", "belongs to a member account"),
        ("bad_kind", "Choose the kind of organisation"),
        ("no_justification", "Explain why this guest should take part"),
        ("past_end", "must be in the future"),
        ("unknown_language", "Choose among the languages"),
    ],
)
def test_bad_requests_are_refused(now, people, case, message):
    discussion = _discussion(people.moderator)
    fields = {}
    if case == "closed":
        discussions.close_discussion(discussion, by=people.moderator)
        db.session.commit()
    elif case == "duplicate":
        _request(discussion, people.delegate, email="SOMEONE@example.org")
        fields["email"] = "someone@EXAMPLE.org"
    elif case == "member_email":
        fields["email"] = "Delegate.KE@Example.org"
    elif case == "bad_kind":
        fields["organisation_kind"] = "government"
    elif case == "no_justification":
        fields["justification"] = "   "
    elif case == "past_end":
        fields["ends_at"] = now.now - timedelta(minutes=1)
    elif case == "unknown_language":
        fields["languages"] = ["de"]
    before = _counts()
    with pytest.raises(Invalid, match=message):
        _request(discussion, people.delegate, **fields)
    db.session.rollback()
    _nothing_written(before)


def test_a_new_request_is_possible_once_the_earlier_one_was_rejected(now, people):
    discussion = _discussion(people.moderator)
    first = _request(discussion, people.delegate)
    service.assess_request(first, by=people.moderator, recommend=False, clause="3.3", reason="Political.")
    db.session.commit()
    assert _request(discussion, people.delegate).id != first.id


def test_a_refused_request_through_the_form_shows_the_error(app, now, people, login):
    discussion = _discussion(people.moderator)
    before = _counts()
    response = _client(app, login, people.delegate).post(
        f"/guests/new/{discussion.id}",
        data={
            "guest_name": "X",
            "email": "delegate.ke@example.org",
            "organisation": "Y",
            "organisation_kind": "other",
            "justification": "Z",
        },
    )
    assert response.status_code == 400
    assert "belongs to a member account" in response.get_data(as_text=True)
    _nothing_written(before)


@pytest.mark.parametrize(
    "clause, reason, message",
    [
        ("9.99", "A reason.", "There is no clause 9.99"),
        ("", "A reason.", "Cite the clause"),
        (CLAUSE, "  ", "Give the reason for your assessment"),
    ],
)
def test_assessment_needs_a_real_clause_and_a_reason(now, people, clause, reason, message):
    invitation = _request(_discussion(people.moderator), people.delegate)
    before = _counts()
    with pytest.raises(Invalid, match=message):
        service.assess_request(invitation, by=people.moderator, recommend=True, clause=clause, reason=reason)
    db.session.rollback()
    _nothing_written(before)
    assert invitation.status == InvitationStatus.requested


def test_assessment_refusal_through_the_form_is_a_400_with_the_message(app, now, people, login):
    invitation = _request(_discussion(people.moderator), people.delegate)
    before = _counts()
    response = _client(app, login, people.moderator).post(
        f"/guests/{invitation.id}/assess",
        data={
            "assess-decision": "reject",
            "assess-clause": "9.99",
            "assess-reason": "Because.",
        },
    )
    assert response.status_code == 400 and "There is no clause 9.99" in response.get_data(as_text=True)
    _nothing_written(before)


def test_rejection_by_an_administrator_needs_a_reason(now, people):
    invitation = _request(_discussion(people.moderator), people.delegate)
    service.assess_request(invitation, by=people.moderator, recommend=True, clause=CLAUSE, reason="Fine.")
    db.session.commit()
    before = _counts()
    with pytest.raises(Invalid, match="Give the reason for the rejection"):
        service.decide_request(invitation, by=people.admin, approve=False, reason="")
    db.session.rollback()
    _nothing_written(before)
    service.decide_request(invitation, by=people.admin, approve=False, reason="Not this time.")
    db.session.commit()
    assert invitation.status == InvitationStatus.rejected
    assert _actions(invitation) == ["guest.request", "guest.recommend", "guest.reject"]


@pytest.mark.parametrize("act", ["assess_twice", "approve_unassessed", "revoke_rejected", "approve_rejected"])
def test_acting_on_a_request_in_the_wrong_state_is_refused(now, people, act):
    invitation = _request(_discussion(people.moderator), people.delegate)
    if act in ("assess_twice", "revoke_rejected", "approve_rejected"):
        service.assess_request(
            invitation, by=people.moderator, recommend=act == "assess_twice", clause=CLAUSE, reason="R."
        )
        db.session.commit()
    before = _counts()
    with pytest.raises(Invalid, match="no longer at that step"):
        if act == "assess_twice":
            service.assess_request(invitation, by=people.moderator, recommend=False, clause=CLAUSE, reason="R.")
        elif act == "revoke_rejected":
            service.revoke_invitation(invitation, by=people.moderator, reason="R.")
        else:
            service.decide_request(invitation, by=people.admin, approve=True)
    db.session.rollback()
    _nothing_written(before)


def test_services_refuse_the_wrong_roles(now, people, make_user):
    invitation = _request(_discussion(people.moderator), people.delegate)
    with pytest.raises(service.NotAllowed):
        service.request_guest(
            invitation.discussion,
            by=make_user("staff"),
            guest_name="A",
            email="a@example.org",
            organisation="O",
            organisation_kind="other",
            justification="J",
        )
    with pytest.raises(service.NotAllowed):
        service.assess_request(invitation, by=people.delegate, recommend=True, clause=CLAUSE, reason="R.")
    service.assess_request(invitation, by=people.moderator, recommend=True, clause=CLAUSE, reason="R.")
    with pytest.raises(service.NotAllowed):
        service.decide_request(invitation, by=people.moderator, approve=True)


# The approval page -----------------------------------------------------------------------


def test_approval_page_shows_the_assessment_and_the_address_history(app, now, people, login, make_user):
    earlier = _request(
        _discussion(people.moderator, title="Earlier Discussion Maple"), people.delegate, organisation="Old Org"
    )
    service.assess_request(earlier, by=people.moderator, recommend=False, clause="3.4", reason="Promotional.")
    db.session.commit()
    other_address = _request(
        _discussion(people.moderator, title="Unrelated Discussion"), people.delegate, email="else@example.org"
    )
    invitation = _request(_discussion(people.moderator, title="Current Discussion"), people.delegate)
    service.assess_request(invitation, by=people.moderator, recommend=True, clause=CLAUSE, reason="Strong expertise.")
    db.session.commit()
    page = _client(app, login, people.admin).get(f"/guests/{invitation.id}").get_data(as_text=True)
    assert "Strong expertise." in page and "clause 1.2" in page and "Moana Moderator" in page
    assert "Earlier Discussion Maple (en)" in page and f"/guests/{earlier.id}" in page
    assert f"/guests/{other_address.id}" not in page
    # The requester sees their request but not the address's history.
    page = _client(app, login, people.delegate).get(f"/guests/{invitation.id}").get_data(as_text=True)
    assert "Strong expertise." in page and "Earlier Discussion Maple" not in page


def test_every_state_change_is_in_the_audit_trail(now, people, outbox):
    discussion = _discussion(people.moderator)
    invitation, guest = _accepted_guest(discussion, people, outbox)
    service.revoke_invitation(invitation, by=people.admin, reason="Ended early.")
    db.session.commit()
    assert _actions(invitation) == [
        "guest.request",
        "guest.recommend",
        "guest.approve",
        "guest.send",
        "guest.accept",
        "guest.revoke",
    ]
    events = service.events_for(invitation)
    assert events[1].clause == CLAUSE and events[1].reason == "Relevant expertise."
    assert events[4].actor_id == guest.id


def test_invitation_email_is_in_the_discussion_language(now, people, outbox):
    discussion = _discussion(people.moderator, codes=("fr", "es"))
    _approve(_request(discussion, people.delegate), people)
    message = outbox(GUEST_EMAIL)[-1]
    assert "/invitation/" in message.body
    assert "Alpha Discussion (fr)" in message.body


def test_a_guest_invited_before_the_discussion_opens_waits_on_the_home_page(app, now, people, login, outbox):
    opens_at = now.now.replace(second=0, microsecond=0) + timedelta(days=2)
    discussion = discussions.schedule_discussion(
        by=people.moderator,
        category_id=db.session.scalar(select(Category.id).where(Category.code == "capacity")),
        texts={"en": discussions.TextInput("Later Discussion (en)", "Opening.")},
        opens_at=opens_at,
        closes_at=opens_at + timedelta(days=7),
    )
    db.session.commit()
    _approve(_request(discussion, people.delegate), people)
    client = app.test_client()
    response = _accept_form(client, _link(outbox))
    assert response.location == "/protocol?next=/"
    thread = _threads(discussion)["en"]
    page = client.get("/").get_data(as_text=True)
    assert "Later Discussion (en)" in page and "opens" in page and f"/t/{thread.id}" not in page
    assert "&lt;time" not in page
    assert client.get(f"/t/{thread.id}").status_code == 404
    now.advance(days=2)
    assert client.get(f"/t/{thread.id}").status_code == 200
