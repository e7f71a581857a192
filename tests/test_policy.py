"""Every permission in forum/policy.py, checked against every role (DESIGN.md §3)."""

from datetime import timedelta

import pytest
from flask_login import AnonymousUserMixin

from forum import clock, policy
from forum.rooms.service import get_room

ROLES = ("anonymous", "guest", "delegate", "suspended", "staff", "langmod_fr", "moderator", "admin")

# predicate -> the roles for which it answers True
USER_PREDICATES = {
    "is_member": {"delegate", "suspended", "staff", "langmod_fr", "moderator", "admin"},
    "is_guest": {"guest"},
    "is_chief_moderator": {"moderator", "admin"},
    "is_admin": {"admin"},
    "can_write": {"guest", "delegate", "staff", "langmod_fr", "moderator", "admin"},
    "is_moderator_of_any_language": {"langmod_fr", "moderator", "admin"},
    "can_view_topics": {"delegate", "suspended", "staff", "langmod_fr", "moderator", "admin"},
    "can_schedule_discussions": {"langmod_fr", "moderator", "admin"},
    "can_propose_topic": {"delegate", "staff", "langmod_fr", "moderator", "admin"},
    "can_publish_protocol": {"admin"},
    "can_see_moderation_queue": {"langmod_fr", "moderator", "admin"},
    "can_supervise_language_moderators": {"moderator", "admin"},
    "can_view_audit_log": {"langmod_fr", "moderator", "admin"},
    "can_view_all_audit_events": {"moderator", "admin"},
    "can_manage_accounts": {"admin"},
    "can_view_outbox": {"admin"},
    "can_manage_languages": {"admin"},
    "can_request_guest": {"delegate", "moderator", "admin"},
    "can_assess_guest_request": {"moderator", "admin"},
    "can_approve_guest": {"admin"},
    "can_revoke_guest": {"moderator", "admin"},
    # Second factor: the users of this matrix have none (see the tests after it for enrolled ones).
    "is_second_factor_required": {"langmod_fr", "moderator", "admin"},
    "must_enrol_second_factor": {"langmod_fr", "moderator", "admin"},
    "can_act": {"guest", "delegate", "suspended", "staff"},
    "can_enrol_second_factor": {"delegate", "suspended", "staff", "langmod_fr", "moderator", "admin"},
    "can_view_security_events": {"admin"},
}

# predicate(user, room or thread in a given language) -> roles allowed, for an English and a French room
ROOM_PREDICATES = {
    ("can_read_room", "en"): {"delegate", "suspended", "staff", "langmod_fr", "moderator", "admin"},
    ("can_start_thread", "en"): {"delegate", "staff", "langmod_fr", "moderator", "admin"},
    ("can_moderate_room", "en"): {"moderator", "admin"},
    ("can_moderate_room", "fr"): {"langmod_fr", "moderator", "admin"},
}
THREAD_PREDICATES = {
    ("can_read_thread", "en"): {"delegate", "suspended", "staff", "langmod_fr", "moderator", "admin"},
    ("can_post", "en"): {"delegate", "staff", "langmod_fr", "moderator", "admin"},
    ("can_moderate_thread", "en"): {"moderator", "admin"},
    ("can_moderate_thread", "fr"): {"langmod_fr", "moderator", "admin"},
}


@pytest.fixture
def users(make_user):
    return {
        "anonymous": AnonymousUserMixin(),
        "guest": make_user("guest", organisation="University"),
        "delegate": make_user(),
        "suspended": make_user(suspended_until=clock.now() + timedelta(days=2)),
        "staff": make_user("staff"),
        "langmod_fr": make_user("language_moderator", languages=("fr",)),
        "moderator": make_user("moderator"),
        "admin": make_user("admin"),
    }


def test_every_user_predicate_is_in_the_matrix():
    """A new predicate must be added to this module's tables."""
    import inspect

    covered = set(USER_PREDICATES) | {name for name, _ in ROOM_PREDICATES} | {name for name, _ in THREAD_PREDICATES}
    user_only = {
        name
        for name, function in vars(policy).items()
        if name.startswith(("can_", "is_"))
        and callable(function)
        and list(inspect.signature(function).parameters) == ["user"]
    }
    assert (
        user_only
        - covered
        - {
            "can_accept_protocol",
            "can_act_for_group",
            "has_accepted_protocol",
            "can_view_guest_requests",
            "can_see_all_guest_requests",
        }
        == set()
    )


def _allowed(users, check):
    """The set of roles for which `check(user)` is true."""
    return {role for role in ROLES if check(users[role])}


@pytest.mark.parametrize("predicate", sorted(USER_PREDICATES))
def test_user_predicates(users, predicate):
    assert _allowed(users, getattr(policy, predicate)) == USER_PREDICATES[predicate]


@pytest.mark.parametrize("predicate,language", sorted(ROOM_PREDICATES))
def test_room_predicates(users, predicate, language):
    room = get_room(f"capacity-{language}")
    check = getattr(policy, predicate)
    assert _allowed(users, lambda user: check(user, room)) == ROOM_PREDICATES[(predicate, language)]


@pytest.mark.parametrize("predicate,language", sorted(THREAD_PREDICATES))
def test_thread_predicates(users, make_thread, predicate, language):
    thread = make_thread(get_room(f"capacity-{language}"), users["delegate"])
    check = getattr(policy, predicate)
    assert _allowed(users, lambda user: check(user, thread)) == THREAD_PREDICATES[(predicate, language)]


def test_nobody_posts_in_a_closed_thread(users, make_thread):
    thread = make_thread(get_room("capacity-en"), users["delegate"], locked=True)
    assert _allowed(users, lambda user: policy.can_post(user, thread)) == set()


def test_only_moderators_of_the_room_see_a_scheduled_thread(users, make_thread):
    thread = make_thread(get_room("capacity-fr"), users["moderator"], opens_at=clock.now() + timedelta(days=1))
    assert _allowed(users, lambda user: policy.can_read_thread(user, thread)) == {"langmod_fr", "moderator", "admin"}


def test_moderator_only_room_lets_members_reply_but_not_start(users, make_thread):
    room = get_room("capacity-en")
    room.moderators_only = True
    thread = make_thread(room, users["moderator"])
    assert not policy.can_start_thread(users["delegate"], room)
    assert policy.can_start_thread(users["moderator"], room)
    assert policy.can_post(users["delegate"], thread)


def test_only_the_author_edits(users, make_thread):
    from forum.extensions import db
    from forum.threads.models import Post

    thread = make_thread(get_room("capacity-en"), users["delegate"])
    first = db.session.scalar(db.select(Post).where(Post.thread_id == thread.id))
    assert _allowed(users, lambda user: policy.can_edit_post(user, first)) == {"delegate"}


def test_second_factor_predicates_once_enrolled(users):
    from forum.extensions import db

    for name in ("langmod_fr", "moderator", "admin", "delegate"):
        users[name].second_factor_enabled = True
    db.session.commit()
    assert _allowed(users, policy.must_enrol_second_factor) == set()
    assert _allowed(users, policy.can_act) == {
        "guest",
        "delegate",
        "suspended",
        "staff",
        "langmod_fr",
        "moderator",
        "admin",
    }


def test_only_an_admin_resets_another_accounts_second_factor(users, make_user):
    target = make_user("moderator")
    assert _allowed(users, lambda user: policy.can_reset_second_factor(user, target)) == {"admin"}
    assert not policy.can_reset_second_factor(users["admin"], users["admin"])
