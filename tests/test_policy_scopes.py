"""The SQL scopes in forum.policy select exactly what the Python predicates allow.

Lists, counts and (later) searches filter in SQL; pages check one object in
Python. Both must say the same, so these tests build a varied forum (rooms in
active and inactive languages, threads scheduled, open, closed and locked,
weekly discussions with guests invited to some languages, a cancelled one, one
in an inactive language only) and compare, for every role, the set each form
selects.
"""

from datetime import timedelta

import pytest
from sqlalchemy import select

from forum import clock, policy
from forum.discussions import service as discussions
from forum.discussions.models import Discussion
from forum.extensions import db
from forum.guests.models import GuestInvitation, InvitationStatus, OrganisationKind
from forum.rooms.models import Category, Language, Room
from forum.rooms.service import add_language
from forum.threads.models import Thread

ROLES = ["delegate", "staff", "language_moderator", "moderator", "admin", "guest", "suspended", "inactive"]


@pytest.fixture
def varied_forum(app, make_user, make_thread, frozen_clock):
    moderator = make_user("moderator")
    author = make_user(state="KEN")
    add_language("pt", by=moderator)
    db.session.commit()
    rooms = db.session.scalars(select(Room).where(Room.category_id == _category_id("capacity"))).all()
    now = clock.now()
    for room in rooms:
        make_thread(room, author, title=f"Open in {room.slug}")
        make_thread(room, author, title=f"Locked in {room.slug}", locked=True)
        make_thread(room, author, title=f"Closed in {room.slug}", closes_at=now - timedelta(hours=1))
        make_thread(room, author, title=f"Scheduled in {room.slug}", opens_at=now + timedelta(days=2))
    # A discussion in Portuguese alone, scheduled while the language was active.
    portuguese_only = discussions.schedule_discussion(
        by=moderator,
        category_id=_category_id("strategies"),
        texts={"pt": discussions.TextInput("Semanal", "Abertura")},
        opens_at=now + timedelta(days=2),
        closes_at=now + timedelta(days=9),
    )
    # Portuguese was used, then deactivated: its rooms stay for its moderators only.
    db.session.get(Language, "pt").active = False
    # Two weekly discussions: one open (guest invited to French only), one scheduled.
    texts = {code: discussions.TextInput(f"Weekly {code}", f"Opening ({code})") for code in ("en", "fr", "es")}
    open_one = discussions.schedule_discussion(
        by=moderator,
        category_id=_category_id("legislative"),
        texts=texts,
        opens_at=now + timedelta(minutes=5),
        closes_at=now + timedelta(days=7),
    )
    discussions._set_times(open_one, now - timedelta(hours=1), now + timedelta(days=7))
    scheduled = discussions.schedule_discussion(
        by=moderator,
        category_id=_category_id("capacity"),
        texts=texts,
        opens_at=now + timedelta(days=3),
        closes_at=now + timedelta(days=10),
    )
    # Called off before it opened: its threads never open, to anyone.
    cancelled = discussions.schedule_discussion(
        by=moderator,
        category_id=_category_id("strategies"),
        texts=texts,
        opens_at=now + timedelta(days=4),
        closes_at=now + timedelta(days=11),
    )
    discussions.cancel_discussion(cancelled, by=moderator, reason="No speakers.")
    db.session.commit()
    return {
        "moderator": moderator,
        "open": open_one,
        "scheduled": scheduled,
        "cancelled": cancelled,
        "portuguese_only": portuguese_only,
    }


def _category_id(code):
    return db.session.scalar(select(Category.id).where(Category.code == code))


def _user(role, make_user, forum):
    if role == "language_moderator":
        return make_user("language_moderator", languages=("fr", "pt"))
    if role == "suspended":
        return make_user(suspended_until=clock.now() + timedelta(days=3))
    if role == "inactive":
        return make_user(active=False)
    if role == "guest":
        guest = make_user("guest", state=None)
        invited = (
            (forum["open"], ["fr"]),
            (forum["scheduled"], []),
            (forum["cancelled"], []),
            (forum["portuguese_only"], []),
        )
        for discussion, languages in invited:
            db.session.add(
                GuestInvitation(
                    discussion_id=discussion.id,
                    requested_by_id=forum["moderator"].id,
                    guest_name="Guest",
                    email=guest.email,
                    organisation="Org",
                    organisation_kind=OrganisationKind.academic,
                    justification="Expert",
                    languages=languages,
                    status=InvitationStatus.accepted,
                    guest_user_id=guest.id,
                )
            )
        db.session.commit()
        return guest
    return make_user(role)


@pytest.mark.parametrize("role", ROLES)
def test_readable_threads_agrees_with_can_read_thread(role, varied_forum, make_user):
    user = _user(role, make_user, varied_forum)
    threads = db.session.scalars(select(Thread)).all()
    in_python = {thread.id for thread in threads if policy.can_read_thread(user, thread)}
    in_sql = set(db.session.scalars(select(Thread.id).where(policy.readable_threads(user))))
    assert in_sql == in_python
    # The fixture is varied enough that every role sees some, and not all (the chief moderator: all but the
    # cancelled discussion's threads, which nobody reads).
    cancelled = {thread.id for thread in threads if thread.discussion_id == varied_forum["cancelled"].id}
    assert cancelled and not (in_python & cancelled)
    if role in ("moderator", "admin"):
        assert in_python == {thread.id for thread in threads} - cancelled
    elif role != "inactive":
        assert in_python and len(in_python) < len(threads)


def test_not_in_cancelled_discussion_is_the_sql_form_of_the_column(varied_forum):
    threads = db.session.scalars(select(Thread)).all()
    in_sql = set(db.session.scalars(select(Thread.id).where(policy.not_in_cancelled_discussion())))
    assert in_sql == {thread.id for thread in threads if not thread.in_cancelled_discussion}
    assert any(thread.discussion_id for thread in threads if thread.id in in_sql)  # open discussions' threads too
    assert len(in_sql) < len(threads)


@pytest.mark.parametrize("role", ROLES)
def test_readable_threads_of_a_listed_room_agree_with_can_read_thread(role, varied_forum, make_user):
    # The home page's correlated form, for the rooms it lists (those a member may read): the same threads.
    user = _user(role, make_user, varied_forum)
    listed = db.session.scalars(select(Room).where(policy.readable_rooms(user))).all()
    in_python = {
        thread.id
        for thread in db.session.scalars(select(Thread).where(Thread.room_id.in_([room.id for room in listed])))
        if policy.can_read_thread(user, thread)
    }
    in_sql = set(
        db.session.scalars(
            select(Thread.id)
            .join(Room, Room.id == Thread.room_id)
            .where(policy.readable_rooms(user), policy.readable_threads_of_listed_room(user))
        )
    )
    assert in_sql == in_python


@pytest.mark.parametrize("role", ROLES)
def test_readable_threads_in_a_room_agree_with_can_read_thread(role, varied_forum, make_user):
    # A room page's form, for one room at a time (readable or not: the general form applies to the latter).
    user = _user(role, make_user, varied_forum)
    for room in db.session.scalars(select(Room)).all():
        in_python = {
            thread.id
            for thread in db.session.scalars(select(Thread).where(Thread.room_id == room.id))
            if policy.can_read_thread(user, thread)
        }
        in_sql = set(db.session.scalars(select(Thread.id).where(policy.readable_threads_in_room(user, room))))
        assert in_sql == in_python, room.slug


@pytest.mark.parametrize("role", ROLES)
def test_visible_discussions_agrees_with_can_see_discussion(role, varied_forum, make_user):
    user = _user(role, make_user, varied_forum)
    every = db.session.scalars(select(Discussion)).all()
    in_python = {discussion.id for discussion in every if policy.can_see_discussion(user, discussion)}
    in_sql = set(db.session.scalars(select(Discussion.id).where(policy.visible_discussions(user))))
    assert in_sql == in_python
    named = {name: varied_forum[name].id for name in ("open", "scheduled", "cancelled", "portuguese_only")}
    expected = {
        # Those who moderate Portuguese still know of its discussion; a cancelled one stays known to all.
        "moderator": set(named.values()),
        "admin": set(named.values()),
        "language_moderator": set(named.values()),
        "delegate": set(named.values()) - {named["portuguese_only"]},
        "staff": set(named.values()) - {named["portuguese_only"]},
        "suspended": set(named.values()) - {named["portuguese_only"]},
        # Invited to all four, but Portuguese is no longer active.
        "guest": set(named.values()) - {named["portuguese_only"]},
        "inactive": set(),
    }
    assert in_python == expected[role]


@pytest.mark.parametrize("role", ROLES)
def test_readable_and_moderated_rooms_agree_with_the_predicates(role, varied_forum, make_user):
    user = _user(role, make_user, varied_forum)
    rooms = db.session.scalars(select(Room)).all()
    readable = {room.id for room in rooms if policy.can_read_room(user, room)}
    moderated = {room.id for room in rooms if policy.can_moderate_room(user, room)}
    assert set(db.session.scalars(select(Room.id).where(policy.readable_rooms(user)))) == readable
    assert set(db.session.scalars(select(Room.id).where(policy.moderated_rooms(user)))) == moderated
    if role == "language_moderator":
        # French and the inactive Portuguese rooms, which the language moderator still reads.
        assert {room.language_code for room in rooms if room.id in moderated} == {"fr", "pt"}
        assert {room.language_code for room in rooms if room.id in readable} >= {"en", "fr", "es", "pt"}


def _add_posts_in_every_state(user, author):
    """To every thread: a post in each state by the fixture's author, and a held and a hidden one by `user`."""
    from forum.threads.models import Post, PostState

    now = clock.now()
    for thread in db.session.scalars(select(Thread)).all():
        writers = [(author, state) for state in PostState] + [(user, PostState.held), (user, PostState.hidden)]
        for offset, (writer, state) in enumerate(writers, start=thread.post_count + 1):
            db.session.add(
                Post(
                    thread_id=thread.id, number=offset, author_id=writer.id, source="x", html="x", state=state,
                    created_at=now,
                )
            )  # fmt: skip
        thread.post_count += len(writers)
    db.session.commit()


@pytest.mark.parametrize("role", ROLES)
def test_readable_posts_agrees_with_can_read_post(role, varied_forum, make_user):
    from forum.threads.models import Post

    user = _user(role, make_user, varied_forum)
    author = db.session.scalar(select(Thread.author_id).limit(1))
    _add_posts_in_every_state(user, db.session.get(type(user), author))
    posts = db.session.scalars(select(Post)).all()
    in_python = {post.id for post in posts if policy.can_read_post(user, post)}
    in_sql = set(db.session.scalars(select(Post.id).where(policy.readable_posts(user))))
    assert in_sql == in_python
    if role != "inactive":
        assert in_python and len(in_python) < len(posts)


# Statements built once per kind of reader (policy.built_per_scope) --------------------------------------------


def test_scope_key_separates_exactly_what_the_scopes_depend_on(app, delegate, make_user, moderator, guest):
    from flask_login import AnonymousUserMixin

    staff = make_user("staff")
    french, spanish = (make_user("language_moderator", languages=(code,)) for code in ("fr", "es"))
    assert policy.scope_key(delegate) == policy.scope_key(staff) == policy.scope_key(make_user(state="KEN"))
    assert len({policy.scope_key(user) for user in (delegate, french, spanish, moderator)}) == 4
    assert policy.scope_key(moderator) == policy.scope_key(make_user("admin"))
    assert policy.scope_key(make_user("language_moderator", languages=("es", "fr"))) == ("member", ("es", "fr"))
    assert policy.scope_key(guest) is None
    assert policy.scope_key(AnonymousUserMixin()) == "nobody"


def test_a_statement_is_built_once_per_kind_of_reader_and_each_time_for_a_guest(app, delegate, make_user, guest):
    built = []

    @policy.built_per_scope
    def statement(user):
        built.append(user)
        return select(Thread.id).where(policy.readable_threads(user, policy.NOW))

    staff, french = make_user("staff"), make_user("language_moderator", languages=("fr",))
    assert statement(delegate) is statement(staff) is statement(delegate)
    assert statement(french) is not statement(delegate)
    statement(guest), statement(guest)
    assert built == [delegate, french, guest, guest]


def test_statements_shared_by_readers_take_each_readers_own_id_and_time(app, frozen_clock, make_user, make_thread):
    """One statement serves both delegates (and both moderators of French) with their own markers and the
    time of each request; a Spanish moderator's statement is their own, without the French scheduled thread."""
    from forum.rooms import service as rooms
    from forum.threads import service as threads

    author = make_user(state="KEN")
    first, second = make_user(state="FRA"), make_user(state="BRA")
    fr_one, fr_two = (make_user("language_moderator", languages=("fr",)) for _ in range(2))
    spanish = make_user("language_moderator", languages=("es",))
    french_room = rooms.get_room("capacity-fr")
    read = make_thread(french_room, author, title="Lu")
    make_thread(french_room, author, title="Plus tard", opens_at=clock.now() + timedelta(hours=1))
    threads.mark_read(first, read, read.post_count)
    db.session.commit()

    def figures(user):
        (summary,) = [
            s for _c, summaries in rooms.home_overview(user, "fr") for s in summaries if s.room.id == french_room.id
        ]
        return summary.threads, summary.unread_threads

    assert figures(first) == (1, 0)
    assert figures(second) == (1, 1)
    assert figures(fr_one) == figures(fr_two) == (2, 2)
    assert figures(spanish) == (1, 1)
    frozen_clock.advance(hours=2)
    assert figures(second) == figures(spanish) == (2, 2)
    assert figures(first) == (2, 1)


def test_room_scope_key_is_whether_a_member_reading_the_room_moderates_it(app, delegate, french_moderator, guest):
    from forum.rooms.service import get_room

    english, french = get_room("capacity-en"), get_room("capacity-fr")
    assert policy.room_scope_key(french_moderator, french) == ("room reader", True)
    assert policy.room_scope_key(french_moderator, english) == policy.room_scope_key(delegate, french)
    assert policy.room_scope_key(delegate, french) == ("room reader", False)
    assert policy.room_scope_key(guest, french) is None
