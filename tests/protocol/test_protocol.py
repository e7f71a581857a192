"""The usage protocol: the shipped version, the gate before posting, acceptance, new versions."""

import pytest
from sqlalchemy import func, select

from forum.audit import AuditEvent
from forum.extensions import db
from forum.protocol import service
from forum.protocol.data import FIRST_VERSION_TEXTS
from forum.protocol.models import SECTION_KEYS, ProtocolAcceptance, ProtocolVersion
from forum.threads import service as threads_service
from forum.threads.models import Post

pytestmark = pytest.mark.usefixtures("app")


def _posts():
    return db.session.scalar(select(func.count(Post.id)))


def _acceptances(user):
    return db.session.scalars(select(ProtocolAcceptance).where(ProtocolAcceptance.user_id == user.id)).all()


def _texts_of(version):
    return {text.language_code: service.format_protocol_text(text.sections) for text in version.texts}


def _publish(admin, change_note="Clause 3.2 now covers harassment by private message.", **edits):
    """Publish a new version: the current texts with `edits` {language: (old, new)} applied."""
    texts = _texts_of(service.current_version())
    for code, (old, new) in edits.items():
        texts[code] = texts[code].replace(old, new)
    version = service.publish_version(
        by=admin,
        change_note=change_note,
        texts=texts,
        languages=[("en", "English"), ("fr", "Français"), ("es", "Español")],
    )
    db.session.commit()
    return version


# The shipped first version -------------------------------------------------------


def test_every_fresh_database_has_the_first_version_in_three_languages():
    version = service.current_version()
    assert version.number == 1
    assert sorted(text.language_code for text in version.texts) == ["en", "es", "fr"]
    for text in version.texts:
        assert [section["key"] for section in text.sections] == list(SECTION_KEYS)
        assert all(section["clauses"] for section in text.sections)
        numbers = [number for section in text.sections for number, _ in section["clauses"]]
        assert numbers == version.clause_numbers
    assert "3.2" in version.clause_numbers


@pytest.mark.parametrize("code", sorted(FIRST_VERSION_TEXTS))
def test_shipped_texts_survive_a_round_trip_through_the_publishing_format(code):
    sections = service.parse_protocol_text(FIRST_VERSION_TEXTS[code], code)
    assert service.parse_protocol_text(service.format_protocol_text(sections), code) == sections


def test_seeding_again_adds_no_version():
    assert service.seed_first_version() is None
    assert db.session.scalar(select(func.count(ProtocolVersion.id))) == 1


# Reading -------------------------------------------------------------------------


def test_protocol_is_readable_before_signing_in_and_linked_from_every_footer(client):
    page = client.get("/protocol")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Usage protocol" in text and "Security policy" in text and 'id="clause-3.2"' in text
    assert "Sign in to accept the protocol." in text
    assert 'href="/protocol"' in client.get("/login").get_data(as_text=True)


@pytest.mark.parametrize("locale, heading", [("fr", "Politique de sécurité"), ("es", "Política de seguridad")])
def test_protocol_is_shown_in_the_reader_language(client, make_user, login, locale, heading):
    login(client, make_user(locale=locale))
    page = client.get("/protocol").get_data(as_text=True)
    assert heading in page
    assert f'lang="{locale}"' in page


def test_unknown_version_is_404(client):
    assert client.get("/protocol?version=99").status_code == 404


# The gate --------------------------------------------------------------------------


def test_no_post_before_acceptance(make_user, room, make_thread):
    thread = make_thread(room, make_user())
    newcomer = make_user(accepted_protocol=False)
    with pytest.raises(threads_service.ProtocolNotAccepted, match="accept the usage protocol"):
        threads_service.reply(thread, author=newcomer, body="Hello")
    with pytest.raises(threads_service.ProtocolNotAccepted):
        threads_service.start_thread(room, author=newcomer, title="Mine", body="Hello")
    db.session.rollback()
    assert _posts() == 1


def test_thread_page_asks_to_accept_instead_of_offering_the_reply_form(client, make_user, login, room, make_thread):
    thread = make_thread(room, make_user())
    login(client, make_user(accepted_protocol=False))
    page = client.get(f"/t/{thread.id}").get_data(as_text=True)
    assert "Accept the usage protocol to post" in page
    assert f'action="/t/{thread.id}/reply"' not in page
    response = client.post(f"/t/{thread.id}/reply", data={"body": "Sneaking in"})
    assert "Please read and accept the usage protocol before posting." in response.get_data(as_text=True)
    assert _posts() == 1
    assert "Accept the usage protocol to post" in client.get(f"/rooms/{room.slug}/new").get_data(as_text=True)


def test_accepting_records_who_which_version_and_when_then_posting_works(
    client, make_user, login, room, make_thread, frozen_clock
):
    thread = make_thread(room, make_user())
    newcomer = make_user(accepted_protocol=False)
    login(client, newcomer)
    page = client.get(f"/protocol?next=/t/{thread.id}").get_data(as_text=True)
    assert "Please read the protocol and accept it before your first post." in page
    response = client.post("/protocol/accept", data={"version": "1", "confirm": "y", "next": f"/t/{thread.id}"})
    assert response.status_code == 302 and response.location == f"/t/{thread.id}"
    [acceptance] = _acceptances(newcomer)
    assert acceptance.version.number == 1 and acceptance.accepted_at == frozen_clock.now
    assert "You accepted this version on" in client.get("/protocol").get_data(as_text=True)
    assert client.post(f"/t/{thread.id}/reply", data={"body": "Now I may"}).status_code == 302
    assert _posts() == 2


def test_accepting_twice_keeps_one_record(make_user):
    user = make_user(accepted_protocol=False)
    first = service.accept_current(user)
    assert service.accept_current(user) is first
    assert len(_acceptances(user)) == 1


def test_accepting_needs_the_box_ticked(client, make_user, login):
    user = make_user(accepted_protocol=False)
    login(client, user)
    response = client.post("/protocol/accept", data={"version": "1"}, follow_redirects=True)
    assert "Tick the box to accept the protocol." in response.get_data(as_text=True)
    assert _acceptances(user) == []


def test_accepting_is_for_signed_in_users_only(client):
    response = client.post("/protocol/accept", data={"version": "1", "confirm": "y"})
    assert response.status_code == 302 and response.location.startswith("/login")


def test_a_new_version_must_be_accepted_again(client, make_user, login, room, make_thread, admin):
    author = make_user()
    thread = make_thread(room, author)
    version = _publish(admin, en=("3.2 Be courteous.", "3.2 Be courteous, also in private messages."))
    assert version.number == 2
    assert not service.has_accepted_current(author)
    with pytest.raises(threads_service.ProtocolNotAccepted):
        threads_service.reply(thread, author=author, body="Still here")
    db.session.rollback()

    login(client, author)
    page = client.get("/protocol").get_data(as_text=True)
    assert "The protocol has changed since you last accepted it." in page
    assert "Clause 3.2 now covers harassment by private message." in page
    assert "also in private messages" in page
    # A form rendered for version 1 cannot accept version 2 unseen.
    stale = client.post("/protocol/accept", data={"version": "1", "confirm": "y"}, follow_redirects=True)
    assert "A new version of the protocol was published in the meantime." in stale.get_data(as_text=True)
    assert not service.has_accepted_current(author)
    assert client.post("/protocol/accept", data={"version": "2", "confirm": "y"}).status_code == 302
    assert [a.version.number for a in service.acceptances_of(author)] == [2, 1]
    assert client.post(f"/t/{thread.id}/reply", data={"body": "Accepted again"}).status_code == 302


def test_earlier_versions_stay_readable(client, admin):
    _publish(admin)
    page = client.get("/protocol?version=1").get_data(as_text=True)
    assert "This is an earlier version, no longer in force." in page
    assert "Version 2" in client.get("/protocol").get_data(as_text=True)


# Publishing ------------------------------------------------------------------------


def test_admin_publishes_a_new_version_through_the_page(client, login, admin):
    login(client, admin)
    form = client.get("/protocol/publish")
    assert form.status_code == 200
    page = form.get_data(as_text=True)
    assert "# 1. Operation" in page and "# 1. Fonctionnement" in page and "# 1. Funcionamiento" in page
    texts = _texts_of(service.current_version())
    data = {"change_note": "Clarified clause 2.4.", **{f"text_{code}": text for code, text in texts.items()}}
    data["text_en"] = data["text_en"].replace(
        "2.4 Discussions are confidential", "2.4 Discussions are strictly confidential"
    )
    response = client.post("/protocol/publish", data=data)
    assert response.status_code == 302
    current = service.current_version()
    assert (
        current.number == 2 and current.change_note == "Clarified clause 2.4." and current.published_by_id == admin.id
    )
    assert "strictly confidential" in client.get("/protocol").get_data(as_text=True)
    [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "protocol.publish")).all()
    assert event.actor_id == admin.id and event.target_id == current.id


@pytest.mark.parametrize("role", ["delegate", "staff", "language_moderator", "moderator"])
def test_only_administrators_publish(client, make_user, login, role):
    login(client, make_user(role, languages=("fr",) if role == "language_moderator" else ()))
    assert client.get("/protocol/publish").status_code == 403
    assert client.post("/protocol/publish", data={"change_note": "x"}).status_code == 403
    assert service.current_version().number == 1


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda data: data.update(change_note=""), "Say what changed in this version."),
        (lambda data: data.update(text_es=""), "Español is missing"),
        (
            lambda data: data.update(text_fr=data["text_fr"].replace("\n3.2 ", "\n4.9 ", 1)),
            "clause 4.9 is not numbered within section 3",
        ),
        (
            lambda data: data.update(text_fr=data["text_fr"].replace("\n3.8 ", "\n3.9 ")),
            "numbered exactly as in the other languages",
        ),
        (lambda data: data.update(text_en=data["text_en"].split("# 5.")[0]), "exactly 5 sections"),
        (lambda data: data.update(text_en="Just some prose.\n" + data["text_en"]), "line 1"),
    ],
)
def test_malformed_versions_are_refused_with_a_clear_message(client, login, admin, change, message):
    login(client, admin)
    data = {
        "change_note": "Changes",
        **{f"text_{code}": text for code, text in _texts_of(service.current_version()).items()},
    }
    change(data)
    response = client.post("/protocol/publish", data=data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert service.current_version().number == 1
    assert db.session.scalar(select(func.count(AuditEvent.id))) == 0


# Acceptances on the user's record, for moderators ----------------------------------------


def test_moderators_see_a_users_acceptances(client, make_user, login, admin):
    delegate = make_user(name="Dana Delegate")
    _publish(admin)
    login(client, make_user("moderator"))
    page = client.get(f"/moderation/users/{delegate.id}").get_data(as_text=True)
    assert "Version 1 accepted on" in page
    assert "Has not accepted the version in force yet." in page
    login(client, make_user())
    assert client.get(f"/moderation/users/{delegate.id}").status_code == 403


def test_demo_accounts_have_accepted_except_the_polish_delegate(app):
    from forum.accounts.service import find_user_by_email
    from forum.cli import DEMO_ACCOUNTS, seed_demo_data

    seed_demo_data()
    db.session.commit()
    for email, *_rest in DEMO_ACCOUNTS:
        expected = email != "delegate.pl@forum.test"
        assert service.has_accepted_current(find_user_by_email(email)) is expected, email
