"""A varied data set that leaves no table empty, for proving backups equal after a restore.

Each filler below is registered for the tables it fills. `fill_every_table()` runs them all and then
fails, naming the tables, if any table of `db.metadata` is still empty: a branch that adds a table
adds a filler here (`@fills("new_table")`), so backups are proven for its rows too.
"""

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select

from forum import audit, clock
from forum.extensions import db

FILLERS = []

# Six scripts and an emoji, in titles, bodies, names and JSON values.
TEXTS = {
    "latin": "Société générale: propriété intellectuelle, Ñandú, Œuvre, façade",
    "arabic": "الملكية الفكرية والتنمية",
    "chinese": "知识产权与发展委员会",
    "cyrillic": "Интеллектуальная собственность и развитие",
    "devanagari": "बौद्धिक संपदा और विकास",
    "greek": "Πνευματική ιδιοκτησία και ανάπτυξη",
    "emoji": "Thanks 🙏🌍 for the summary 📄",
}
MOMENT = datetime(2026, 3, 14, 15, 9, 26, 535897, tzinfo=UTC)


def fills(*tables):
    """Register a filler for `tables`; fillers run in the order they are written."""

    def register(function):
        FILLERS.append((tables, function))
        return function

    return register


class Dataset:
    """What the fillers share: users by role, a room, threads and posts."""

    def __init__(self, make_user, room):
        self.make_user = make_user
        self.room = room
        self.users = {}
        self.threads = []
        self.posts = []


@fills("users", "protocol_acceptances", "language_moderators", "member_states", "regional_groups")
def _people(data):
    make = data.make_user
    data.users = {
        "delegate": make(name=f"Délégué {TEXTS['latin'][:8]}"),
        "arabic": make(state="EGY", name="مندوب مصر", locale="ar"),
        "chinese": make(state="CHN", name="中国代表", locale="zh"),
        "russian": make(state="RUS", name="Делегат России", locale="ru"),
        "indian": make(state="IND", name="भारत के प्रतिनिधि"),
        "greek": make(state="GRC", name="Αντιπρόσωπος 🇬🇷"),
        "coordinator": make(state="SEN", is_coordinator=True),
        "expert": make("staff"),
        "moderator": make("moderator"),
        "language_moderator": make("language_moderator", languages=("fr",)),
        "admin": make("admin"),
        "guest": make("guest", organisation="Université de Genève"),
    }


@fills("threads", "posts", "post_revisions", "watches", "notifications")
def _conversations(data):
    from forum.threads import service as threads

    users = data.users
    for (script, text), author in zip(TEXTS.items(), list(users.values())[:7], strict=True):
        thread = threads.start_thread(data.room, author=author, title=f"{script}: {text[:60]}", body=text)
        data.threads.append(thread)
        data.posts.append(thread_first := db.session.scalar(select_first_post(thread)))
        reply = threads.reply(thread, author=users["delegate"], body=f"@{users['russian'].display_name} {text} 🙂")
        data.posts.append(reply)
        assert thread_first is not None
    threads.edit_post(data.posts[1], editor=users["delegate"], body=f"Corrigé — {TEXTS['greek']}")
    db.session.flush()


def select_first_post(thread):
    from forum.threads.models import Post

    return select(Post).where(Post.thread_id == thread.id, Post.number == 1)


@fills("outgoing_emails", "post_mentions")
def _mail_and_mentions(data):
    from forum.notifications.models import Mention
    from forum.notifications.service import queue_email

    user = data.users["russian"]
    db.session.add(Mention(post_id=data.posts[1].id, user_id=user.id))
    queue_email(
        user.email, TEXTS["cyrillic"], f"{TEXTS['emoji']}\n{TEXTS['arabic']}", headers={"X-Ünïcode": "ja"}, user=user
    )


@fills("flags", "audit_events", "sanctions", "reversed_acts")
def _moderation(data):
    from forum.moderation.models import Flag, ReversedAct, Sanction, SanctionKind
    from forum.threads.models import PostState

    users = data.users
    hidden, removed = data.posts[3], data.posts[5]
    # A hidden post and a removed one (the tombstone a deletion leaves) travel through the backup.
    hidden.state, hidden.state_reason, hidden.state_clause = PostState.hidden, "Hors sujet — خارج الموضوع", "2.1"
    removed.state, removed.state_reason, removed.state_clause = PostState.removed, "À la demande de l'auteur", "1.6"
    db.session.add(Flag(post_id=hidden.id, reporter_id=users["greek"].id, clause="2.1", protocol_version=1, note="⚠️"))
    db.session.add(
        Sanction(
            user_id=users["indian"].id,
            kind=SanctionKind.warning,
            clause="3.2",
            protocol_version=1,
            reason=TEXTS["devanagari"],
            post_id=hidden.id,
            created_by_id=users["moderator"].id,
            ends_at=MOMENT,
        )
    )
    act = audit.record(users["moderator"], "post.hide", hidden, reason="2.1 — 隐藏", clause="2.1", note=TEXTS["emoji"])
    undo = audit.record(users["admin"], "post.restore", hidden, reason="Восстановлено")
    db.session.flush()
    db.session.add(ReversedAct(event_id=act.id, reversal_event_id=undo.id, reversed_by_id=users["admin"].id))


@fills("read_markers", "directory_listings", "notification_preferences", "notification_settings")
def _reader_settings(data):
    from forum.members.models import DirectoryListing
    from forum.notifications.kinds import Delivery, Group
    from forum.notifications.models import NotificationPreferences, NotificationSetting
    from forum.threads.models import ReadMarker

    user = data.users["arabic"]
    db.session.add(ReadMarker(user_id=user.id, thread_id=data.threads[0].id, last_read_number=2, updated_at=MOMENT))
    db.session.add(DirectoryListing(user_id=user.id, listed_at=MOMENT))
    db.session.add(NotificationPreferences(user_id=user.id, follow_on_reply=False))
    db.session.add(NotificationSetting(user_id=user.id, group=Group.mentions, delivery=Delivery.daily))


@fills("notification_digests", "calendar_feeds", "account_tokens")
def _tokens_and_digests(data):
    from forum.accounts.models import AccountToken, TokenPurpose
    from forum.calendar.models import CalendarFeed
    from forum.notifications.kinds import Delivery
    from forum.notifications.models import Digest

    user = data.users["chinese"]
    db.session.add(Digest(user_id=user.id, period=Delivery.weekly, period_start=date(2026, 11, 16), item_count=3))
    db.session.add(CalendarFeed(user_id=user.id, token_hash="c" * 64))
    db.session.add(
        AccountToken(
            user_id=user.id, purpose=TokenPurpose.reset, token_hash="r" * 64, expires_at=clock.now() + timedelta(1)
        )
    )


@fills("totp_factors", "webauthn_credentials", "recovery_codes", "security_events")
def _second_factors(data):
    from forum.twofactor.models import RecoveryCode, SecurityEvent, TotpFactor, WebAuthnCredential

    admin = data.users["admin"]
    db.session.add(TotpFactor(user_id=admin.id, secret="JBSWY3DPEHPK3PXP", confirmed_at=MOMENT, last_used_step=7))
    db.session.add(
        WebAuthnCredential(
            user_id=admin.id,
            credential_id="cred-1",
            public_key=bytes(range(256)),
            sign_count=4,
            transports=["usb", "nfc"],
            name="Clé de sécurité 🔑",
        )
    )
    db.session.add(RecoveryCode(user_id=admin.id, code_hash="h" * 64))
    db.session.add(SecurityEvent(kind="login", user_id=admin.id, email=admin.email, ip="::1", details={"ua": "Ελ"}))


@fills("topic_proposals", "topic_endorsements", "discussions", "discussion_texts", "discussion_experts")
def _topics(data):
    from forum.discussions.models import Discussion, DiscussionExpert, DiscussionText
    from forum.proposals.models import Endorsement, TopicProposal
    from forum.rooms.models import Category

    users = data.users
    category = db.session.scalar(select(Category).order_by(Category.id))
    proposal = TopicProposal(
        proposer_id=users["arabic"].id,
        member_state_id=users["arabic"].member_state_id,
        title=TEXTS["arabic"],
        description_source=TEXTS["chinese"],
        description_html=f"<p>{TEXTS['chinese']}</p>",
        category_id=category.id,
        preferred_languages=["ar", "zh"],
    )
    db.session.add(proposal)
    db.session.flush()
    db.session.add(Endorsement(proposal_id=proposal.id, user_id=users["chinese"].id))
    discussion = Discussion(
        category_id=category.id,
        opens_at=MOMENT,
        closes_at=MOMENT + timedelta(days=7),
        created_by_id=users["moderator"].id,
        proposal_id=proposal.id,
    )
    db.session.add(discussion)
    db.session.flush()
    db.session.add(
        DiscussionText(
            discussion_id=discussion.id, language_code="fr", title=TEXTS["cyrillic"], opening_source=TEXTS["greek"]
        )
    )
    db.session.add(
        DiscussionExpert(discussion_id=discussion.id, user_id=users["expert"].id, invited_by_id=users["moderator"].id)
    )
    data.discussion = discussion


@fills("guest_invitations")
def _guests(data):
    from forum.guests.models import GuestInvitation, OrganisationKind

    db.session.add(
        GuestInvitation(
            discussion_id=data.discussion.id,
            requested_by_id=data.users["coordinator"].id,
            guest_name="Zoë Ångström",
            email="zoe@example.org",
            organisation="Универси­тет",
            organisation_kind=OrganisationKind.academic,
            justification=TEXTS["devanagari"],
            languages=["en", "fr"],
        )
    )


@fills("search_entries")
def _search(data):
    from forum.search import index

    # The index follows posts as they are written; reindexing makes sure every kind has its rows.
    for _done in index.reindex_batches(db.session):
        pass


def fill_every_table(make_user, room):
    """Run every filler, commit, and fail naming any table of the models left empty."""
    data = Dataset(make_user, room)
    for _tables, filler in FILLERS:
        filler(data)
        db.session.flush()
    db.session.commit()
    empty = [table.name for table in db.metadata.sorted_tables if not row_count(table)]
    # End the counting transaction: on SQLite it holds the write lock the backup's checks would wait for.
    db.session.rollback()
    assert not empty, (
        f"tables without rows in the backup data set: {', '.join(empty)}; "
        "add a filler for them in tests/backup/dataset.py (@fills(...))"
    )
    return data


def row_count(table):
    return db.session.scalar(select(func.count()).select_from(table))


@fills("deletion_requests")
def _deletion_requests(data):
    from forum.erasure import service as erasure

    # A carried-out request leaves a tombstone (no text, no revisions); a pending one waits.
    users = data.users
    done = erasure.request_deletion(data.posts[2], by=users["arabic"], reason="حذف — удалить 🗑️")
    erasure.carry_out(done, by=users["moderator"])
    erasure.request_deletion(data.posts[8], by=users["indian"], reason="कृपया हटाएँ")


@fills("activity_days")
def _activity(data):
    from forum.stats.models import ActivityDay

    for user in list(data.users.values())[:3]:
        db.session.add(ActivityDay(user_id=user.id, day=date(2026, 11, 27)))


@fills("stats_rolled_weeks", "stats_room_weeks", "stats_state_weeks")
def _weekly_counts(data):
    from forum.stats.models import RolledWeek, RoomWeek, StateWeek

    week = date(2026, 3, 9)
    db.session.add(RolledWeek(week=week, zone="Europe/Zurich", rolled_at=MOMENT))
    db.session.add(RoomWeek(week=week, room_id=data.room.id, posts=5, threads=2, hidden=1, held=1))
    db.session.add(StateWeek(week=week, member_state_id=data.users["arabic"].member_state_id, posts=3))
