"""Personal data export (forum.dataexport, issue 15): the ZIP, who may have it, and what it never holds."""

import io
import json
import zipfile
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from forum.audit import AuditEvent
from forum.dataexport import service
from forum.errors import NotAllowed
from forum.extensions import db
from forum.moderation import service as moderation
from forum.proposals import service as proposals
from forum.threads import service as threads
from forum.threads.models import Post
from tests.helpers import weekly

OTHER_EMAIL = "someone.else@example.org"
OTHER_TEXT = "Words of someone else, never exported"


@pytest.fixture
def clock_(frozen_clock):
    return frozen_clock


@pytest.fixture
def author(make_user):
    return make_user(state="KEN", name="Wanjiru Kamau", email="wanjiru@example.org", locale="fr")


@pytest.fixture
def other(make_user):
    return make_user(state="BRA", name="Other Delegate", email=OTHER_EMAIL)


@pytest.fixture
def written(clock_, room, author, other, moderator, make_thread):
    """The author's thread with an edited first post, someone else's reply, the author's reply to that, and
    a thread started by someone else where the author replied once; a proposal, an endorsement and a warning."""
    thread = make_thread(room, author, title="Technology transfer offices", body="First version")
    first = db.session.scalar(select(Post).where(Post.thread_id == thread.id))
    clock_.advance(minutes=5)
    threads.edit_post(first, editor=author, body="Second version")
    threads.reply(thread, author=other, body=OTHER_TEXT)
    threads.reply(thread, author=author, body="My answer")
    elsewhere = make_thread(room, other, title="Someone else's thread", body=OTHER_TEXT)
    threads.reply(elsewhere, author=author, body="A reply elsewhere")
    own = proposals.propose_topic(
        by=author,
        title="Open licences",
        description="Let us talk about **licences**.",
        category_id=weekly.category().id,
    )
    theirs = proposals.propose_topic(
        by=other, title="Patent pools", description="Pools.", category_id=weekly.category().id
    )
    proposals.endorse(theirs, by=author)
    moderation.warn_user(author, by=moderator, clause="1.1", reason="Stay on topic, please.")
    db.session.commit()
    return SimpleNamespace(thread=thread, first=first, elsewhere=elsewhere, own=own, theirs=theirs)


def _download(client, path="/profile/data-export"):
    response = client.post(path)
    assert response.status_code == 200, response.status_code
    return response, zipfile.ZipFile(io.BytesIO(response.data))


def _json(archive, name):
    return json.loads(archive.read(name).decode("utf-8"))


def test_a_member_downloads_their_own_data_as_a_zip(written, author, client, login, clock_):
    login(client, author)
    response, archive = _download(client)

    assert response.mimetype == "application/zip"
    assert "forum-data-2026-11-23.zip" in response.headers["Content-Disposition"]
    assert "no-store" in response.headers["Cache-Control"]
    names = set(archive.namelist())
    assert {"account.json", "posts.json", "proposals.json", "notifications.json", "README.txt"} <= names
    assert len([name for name in names if name.startswith("threads/")]) == 2


def test_account_json_holds_the_profile_settings_acceptances_and_sanctions(written, author, client, login):
    login(client, author)
    account = _json(_download(client)[1], "account.json")

    assert account["email"] == "wanjiru@example.org"
    assert account["display_name"] == "Wanjiru Kamau"
    assert account["role"] == "delegate"
    assert account["member_state"]["code"] == "KEN"
    assert account["locale"] == "fr"
    assert account["protocol_acceptances"][0]["version"] >= 1
    assert account["notification_settings"]["deliveries"]["replies"]
    assert account["sanctions"] == [
        {
            "kind": "warning",
            "clause": "1.1",
            "protocol_version": account["sanctions"][0]["protocol_version"],
            "reason": "Stay on topic, please.",
            "created_at": "2026-11-23T10:05:00Z",
            "ends_at": None,
            "lifted_at": None,
            "lift_reason": None,
            "post_link": None,
        }
    ]
    assert account["calendar_feed"] == {"exists": False, "created_at": None}
    assert account["guest_invitation"] is None


def test_account_json_never_holds_a_secret(written, author, client, login):
    from forum.calendar import service as calendar

    calendar.create_feed(by=author)
    db.session.commit()
    login(client, author)
    raw = _download(client)[1].read("account.json").decode("utf-8")
    account = json.loads(raw)

    assert account["calendar_feed"]["exists"] is True
    for secret in ("password_hash", "token_hash", "session_secret", "secret"):
        assert f'"{secret}"' not in raw
    assert author.password_hash not in raw
    assert author.session_secret not in raw


def test_posts_json_lists_own_posts_with_thread_link_room_state_and_revisions(written, author, client, login):
    login(client, author)
    posts = _json(_download(client)[1], "posts.json")

    assert [post["text"] for post in posts] == ["Second version", "My answer", "A reply elsewhere"]
    first = posts[0]
    assert first["thread"] == {
        "id": written.thread.id,
        "title": "Technology transfer offices",
        "link": f"http://127.0.0.1:5000/t/{written.thread.id}",
    }
    assert first["room"] == {"slug": "capacity-en", "language": "en"}
    assert first["state"] == "visible"
    assert first["created_at"] == "2026-11-23T10:00:00Z"
    assert first["edited_at"] == "2026-11-23T10:05:00Z"
    assert first["revisions"] == [{"created_at": "2026-11-23T10:05:00Z", "by_author": True, "text": "First version"}]
    # Someone else's thread appears by its title and link only.
    assert posts[2]["thread"]["title"] == "Someone else's thread"


def test_nothing_of_other_peoples_private_data_is_in_the_archive(written, author, client, login):
    login(client, author)
    archive = _download(client)[1]

    for name in archive.namelist():
        content = archive.read(name).decode("utf-8")
        assert OTHER_EMAIL not in content, name
        assert OTHER_TEXT not in content, name
        assert "Pools." not in content, name


def test_a_markdown_file_per_thread_holds_own_posts_and_revisions(written, author, client, login):
    login(client, author)
    archive = _download(client)[1]

    name = f"threads/technology-transfer-offices-{written.thread.id}.md"
    text = archive.read(name).decode("utf-8")
    assert text.startswith("# Technology transfer offices\n")
    assert f"http://127.0.0.1:5000/t/{written.thread.id}" in text
    assert "Second version" in text and "First version" in text and "My answer" in text
    assert text.index("Second version") < text.index("First version") < text.index("My answer")
    elsewhere = archive.read(f"threads/someone-else-s-thread-{written.elsewhere.id}.md").decode("utf-8")
    assert "A reply elsewhere" in elsewhere


def test_proposals_and_endorsements_are_exported(written, author, client, login):
    login(client, author)
    data = _json(_download(client)[1], "proposals.json")

    assert [(p["title"], p["description"], p["status"]) for p in data["proposals"]] == [
        ("Open licences", "Let us talk about **licences**.", "submitted")
    ]
    assert data["proposals"][0]["link"] == f"http://127.0.0.1:5000/topics/proposals/{written.own.id}"
    assert [e["proposal"]["title"] for e in data["endorsements"]] == ["Patent pools"]


def test_notifications_are_exported_in_the_owners_language(written, author, admin, client, login):
    from flask_babel import force_locale

    from forum.notifications import kinds
    from forum.notifications.models import Notification

    # Downloaded by an English-speaking administrator, for an author who reads French.
    login(client, admin)
    notifications = _json(_download(client, f"/admin/accounts/{author.id}/data-export")[1], "notifications.json")

    warning = next(n for n in notifications if n["kind"] == "warning")
    assert warning["created_at"] == "2026-11-23T10:05:00Z"
    assert warning["read_at"] is None
    stored = db.session.scalar(select(Notification).where(Notification.kind == "warning"))
    with force_locale("fr"):
        french = str(kinds.describe(stored, author))
    with force_locale("en"):
        english = str(kinds.describe(stored, author))
    assert french != english
    assert warning["text"] == french


def test_json_is_utf8_without_escapes(clock_, room, make_user, make_thread, client, login):
    author = make_user(name="Ли Вэй", locale="zh")
    make_thread(room, author, title="Доступ к знаниям 知识 المعرفة", body="Texte accentué, 中文, العربية")
    login(client, author)
    raw = _download(client)[1].read("posts.json")

    assert "Доступ к знаниям 知识 المعرفة".encode() in raw
    assert b"\\u" not in raw


def test_the_readme_explains_each_file_in_the_owners_language(written, author, client, login):
    login(client, author)
    readme = _download(client)[1].read("README.txt").decode("utf-8")

    for name in ("account.json", "posts.json", "threads/", "proposals.json", "notifications.json"):
        assert name in readme
    # The author reads French (the catalogue may not have this text yet: then English stands in).
    assert "Wanjiru Kamau" in readme and "2026-11-23T10:05:00Z" in readme


def test_an_erased_posts_text_is_left_out(written, author, client, login, monkeypatch):
    # Another change adds Post.erased_at; the export must already honour it.
    monkeypatch.setattr(Post, "erased_at", None, raising=False)
    monkeypatch.setattr(written.first, "erased_at", written.first.created_at, raising=False)
    posts = service._own_posts(author)
    first = next(post for post in posts if post.id == written.first.id)
    record = service._post_record(first, service._revisions_of(posts).get(first.id, []))

    assert record["text"] is None and record["revisions"] == []
    markdown = service._thread_markdown(written.thread, [first], service._revisions_of(posts))
    assert "Second version" not in markdown and "First version" not in markdown


HOSTILE_TITLES = [
    "../../etc/passwd",
    "..\\..\\windows\\system32",
    "\u202eevil\u202c title \u200f\u05e9\u05dc\u05d5\u05dd",
    "/absolute/path",
    "x" * 300,
    "\x00\x01 control",
    "   ",
    "أهلا بالعالم",
]


@pytest.mark.parametrize("title", HOSTILE_TITLES)
def test_a_hostile_thread_title_gives_a_safe_file_name(title):
    name = service.thread_file_name(SimpleNamespace(title=title, id=42))

    assert name.endswith("-42.md")
    assert "/" not in name and "\\" not in name and ".." not in name
    assert name.isascii() and name.isprintable()
    assert len(name) <= service.SLUG_MAX_LENGTH + len("-42.md")


def test_a_hostile_title_in_the_forum_stays_inside_the_archive(clock_, room, delegate, make_thread, client, login):
    thread = make_thread(room, delegate, title="A title")
    # Past the form's checks, as an imported or older row could be.
    thread.title = "../../etc/passwd \u202e" + "y" * 180
    db.session.commit()
    login(client, delegate)
    archive = _download(client)[1]

    thread_files = [name for name in archive.namelist() if name.startswith("threads/")]
    assert len(thread_files) == 1
    assert thread_files[0].startswith("threads/etc-passwd-yyy")
    assert thread_files[0].count("/") == 1 and ".." not in thread_files[0]


def test_a_guest_downloads_their_own_data_with_their_invitation(guest, client, login):
    login(client, guest)
    account = _json(_download(client)[1], "account.json")

    assert account["role"] == "guest"
    [invitation] = account["guest_invitation"]
    assert invitation["organisation"] == "University of Nairobi"
    assert invitation["status"] == "accepted"
    # The requester's justification is theirs, not the guest's.
    assert "justification" not in invitation


def test_the_profile_offers_the_download(delegate, client, login):
    login(client, delegate)
    page = client.get("/profile").get_data(as_text=True)

    assert 'action="/profile/data-export"' in page
    assert 'href="/retention"' in page


def test_anonymous_is_sent_to_sign_in(app, client):
    response = client.post("/profile/data-export")

    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_a_get_does_not_download(delegate, client, login):
    login(client, delegate)
    assert client.get("/profile/data-export").status_code == 405


# Administrators ----------------------------------------------------------------------------------


def test_an_admin_downloads_an_accounts_data_and_it_is_audited(written, author, admin, client, login):
    login(client, admin)
    _response, archive = _download(client, f"/admin/accounts/{author.id}/data-export")

    assert _json(archive, "account.json")["email"] == "wanjiru@example.org"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "account.export"))
    assert (event.actor_id, event.target_type, event.target_id) == (admin.id, "users", author.id)
    page = client.get(f"/admin/accounts/{author.id}").get_data(as_text=True)
    assert f'action="/admin/accounts/{author.id}/data-export"' in page


def test_a_members_own_download_is_not_audited(written, author, client, login):
    login(client, author)
    _download(client)
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "account.export")) is None


@pytest.mark.parametrize("role", ["delegate", "guest", "staff", "language_moderator_own", "moderator"])
def test_only_an_admin_downloads_someone_elses_data(role, author, person, client, login):
    login(client, person(role))
    response = client.post(f"/admin/accounts/{author.id}/data-export")

    # Guests meet the guest wall (404) before the view; everyone else is refused with 403.
    assert response.status_code == (404 if role == "guest" else 403)
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "account.export")) is None


def test_an_unknown_account_is_404_for_an_admin(admin, client, login):
    login(client, admin)
    assert client.post("/admin/accounts/999999/data-export").status_code == 404


def test_the_service_refuses_someone_elses_data(author, other):
    with pytest.raises(NotAllowed):
        service.export_user_data(author, by=other)


class TestLimits:
    @pytest.fixture
    def config_overrides(self):
        return {"DATA_EXPORT_LIMIT": "2 per hour", "RATELIMIT_ENABLED": True}

    def test_downloads_are_rate_limited_per_account(self, delegate, make_user, client, login):
        login(client, delegate)
        assert client.post("/profile/data-export").status_code == 200
        assert client.post("/profile/data-export").status_code == 200
        assert client.post("/profile/data-export").status_code == 429
        # Another account has its own allowance.
        login(client, make_user())
        assert client.post("/profile/data-export").status_code == 200


class TestCsrf:
    @pytest.fixture
    def config_overrides(self):
        return {"WTF_CSRF_ENABLED": True}

    def test_a_post_without_the_token_is_refused(self, delegate, client, login):
        login(client, delegate)
        response = client.post("/profile/data-export")

        assert response.status_code == 400
        assert response.mimetype != "application/zip"
