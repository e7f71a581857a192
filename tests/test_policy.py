"""Every permission in forum/policy.py, checked against every role (DESIGN.md §3)."""

import inspect
from datetime import timedelta

import pytest
from sqlalchemy import select

from forum import audit, clock, policy
from forum.discussions import service as discussions
from forum.extensions import db
from forum.guests import service as guests
from forum.proposals import service as proposals
from forum.rooms.service import get_room
from forum.threads.models import Post, PostState
from tests.helpers import weekly

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
    "can_retry_email": {"admin"},
    "can_manage_languages": {"admin"},
    "can_manage_member_states": {"admin"},
    "can_view_delegations": {"delegate", "suspended", "staff", "langmod_fr", "moderator", "admin"},
    # Delegates of a member state only: staff and moderators represent no state.
    "can_be_listed_in_directory": {"delegate", "suspended"},
    # Usage statistics: the full page for chief moderators and administrators, the summary for members.
    "can_view_stats": {"moderator", "admin"},
    "can_view_stats_summary": {"delegate", "suspended", "staff", "langmod_fr", "moderator", "admin"},
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
    # The protocol: every signed-in, activated account (make_user and the guest accepted the version in force).
    "can_accept_protocol": {"guest", "delegate", "suspended", "staff", "langmod_fr", "moderator", "admin"},
    "has_accepted_protocol": {"guest", "delegate", "suspended", "staff", "langmod_fr", "moderator", "admin"},
    # Only a coordinator acts for a group, and none of these roles is one (test_only_a_coordinator_acts_for_a_group).
    "can_act_for_group": set(),
    "can_view_guest_requests": {"delegate", "suspended", "moderator", "admin"},
    "can_see_all_guest_requests": {"moderator", "admin"},
    # Every activated account, guests too (a calendar app reads only what its owner may see).
    "can_have_calendar_feed": {"guest", "delegate", "suspended", "staff", "langmod_fr", "moderator", "admin"},
    # Every account that can sign in, guests and suspended members too (they still read).
    "can_receive_email": {"guest", "delegate", "suspended", "staff", "langmod_fr", "moderator", "admin"},
    # Reading is not writing: a suspended member still clears their unread marks.
    "can_mark_all_read": {"delegate", "suspended", "staff", "langmod_fr", "moderator", "admin"},
    # Deletion requests (clause 1.6): anyone may ask, suspended or not; only the chief moderator and admins decide.
    "can_ask_for_deletions": {"guest", "delegate", "suspended", "staff", "langmod_fr", "moderator", "admin"},
    "can_decide_deletion": {"moderator", "admin"},
    "can_record_deletion_request": {"moderator", "admin"},
}

# predicate(user, room or thread in a given language) -> roles allowed, for an English and a French room
ROOM_PREDICATES = {
    ("can_read_room", "en"): {"delegate", "suspended", "staff", "langmod_fr", "moderator", "admin"},
    ("can_start_thread", "en"): {"delegate", "staff", "langmod_fr", "moderator", "admin"},
    ("can_read_room", "fr"): {"delegate", "suspended", "staff", "langmod_fr", "moderator", "admin"},
    ("can_start_thread", "fr"): {"delegate", "staff", "langmod_fr", "moderator", "admin"},
    ("can_moderate_room", "en"): {"moderator", "admin"},
    ("can_moderate_room", "fr"): {"langmod_fr", "moderator", "admin"},
}
THREAD_PREDICATES = {
    ("can_read_thread", "en"): {"delegate", "suspended", "staff", "langmod_fr", "moderator", "admin"},
    ("can_post", "en"): {"delegate", "staff", "langmod_fr", "moderator", "admin"},
    ("can_read_thread", "fr"): {"delegate", "suspended", "staff", "langmod_fr", "moderator", "admin"},
    ("can_post", "fr"): {"delegate", "staff", "langmod_fr", "moderator", "admin"},
    ("can_moderate_thread", "en"): {"moderator", "admin"},
    ("can_moderate_thread", "fr"): {"langmod_fr", "moderator", "admin"},
}


MEMBERS = {"delegate", "suspended", "staff", "langmod_fr", "moderator", "admin"}
WRITING_MEMBERS = {"delegate", "staff", "langmod_fr", "moderator", "admin"}
FRENCH_MODERATORS = {"langmod_fr", "moderator", "admin"}
CHIEFS = {"moderator", "admin"}

# (predicate, object) -> roles allowed. The objects are built by the `objects` fixture below: posts and threads
# are the delegate's unless named otherwise; "weekly fr" is the French thread of the discussion the guest is
# invited to (it opened now, in en, fr and es); proposals are the delegate's.
OBJECT_PREDICATES = {
    ("can_moderate_language", "en"): CHIEFS,
    ("can_moderate_language", "fr"): FRENCH_MODERATORS,
    ("can_read_thread", "weekly fr thread"): MEMBERS | {"guest"},
    ("can_post", "weekly fr thread"): WRITING_MEMBERS | {"guest"},
    ("can_moderate_thread", "weekly fr thread"): FRENCH_MODERATORS,
    ("can_move_thread", "en thread to fr room"): CHIEFS,
    ("can_move_thread", "fr thread to en room"): CHIEFS,
    ("can_move_thread", "fr thread to another fr room"): FRENCH_MODERATORS,
    # Posts
    ("can_edit_post", "en post"): {"delegate"},
    ("can_edit_post", "fr post"): {"delegate"},
    ("can_edit_post", "weekly fr post"): set(),
    ("can_see_revisions", "en post"): {"delegate", "moderator", "admin"},
    ("can_see_revisions", "fr post"): {"delegate", "langmod_fr", "moderator", "admin"},
    ("can_see_post_body", "en post"): set(ROLES),
    ("can_see_post_body", "hidden fr post"): {"delegate", "langmod_fr", "moderator", "admin"},
    ("can_see_post_body", "held fr post"): {"delegate", "langmod_fr", "moderator", "admin"},
    ("can_see_post_body", "removed fr post"): set(),
    # What search may show: the thread is readable and so is the post's text (readable_posts in SQL).
    ("can_read_post", "en post"): MEMBERS,
    ("can_read_post", "weekly fr post"): MEMBERS | {"guest"},
    ("can_read_post", "hidden fr post"): {"delegate", "langmod_fr", "moderator", "admin"},
    ("can_read_post", "held fr post"): {"delegate", "langmod_fr", "moderator", "admin"},
    ("can_read_post", "removed fr post"): set(),
    ("can_flag_post", "en post"): {"staff", "langmod_fr", "moderator", "admin"},
    ("can_flag_post", "fr post"): {"staff", "langmod_fr", "moderator", "admin"},
    ("can_flag_post", "weekly fr post"): WRITING_MEMBERS | {"guest"},
    ("can_flag_post", "hidden fr post"): set(),
    ("can_moderate_post", "en post"): CHIEFS,
    # Deletion requests: one's own posts only, not one already removed.
    ("can_request_deletion", "en post"): {"delegate"},
    ("can_request_deletion", "fr post"): {"delegate"},
    ("can_request_deletion", "removed fr post"): set(),
    ("can_request_deletion", "self"): {"guest", "delegate", "suspended", "staff", "langmod_fr", "moderator", "admin"},
    ("can_moderate_post", "fr post"): FRENCH_MODERATORS,
    # Weekly discussions
    ("can_manage_discussion_languages", "fr only"): FRENCH_MODERATORS,
    ("can_manage_discussion_languages", "en and fr"): CHIEFS,
    ("can_manage_discussion_languages", "no language"): CHIEFS,
    ("can_manage_discussion", "fr discussion"): FRENCH_MODERATORS,
    ("can_manage_discussion", "en+fr discussion"): CHIEFS,
    ("can_invite_expert", "fr discussion"): FRENCH_MODERATORS,
    ("can_invite_expert", "en+fr discussion"): CHIEFS,
    ("can_invite_expert", "closed fr discussion"): set(),
    ("can_invite_expert", "cancelled fr discussion"): set(),
    ("can_cancel_discussion", "fr discussion"): FRENCH_MODERATORS,
    ("can_cancel_discussion", "en+fr discussion"): CHIEFS,
    ("can_cancel_discussion", "closed fr discussion"): set(),
    ("can_cancel_discussion", "guest's discussion"): set(),
    ("can_cancel_discussion", "cancelled fr discussion"): set(),
    ("can_see_discussion", "fr discussion"): MEMBERS,
    ("can_see_discussion", "guest's discussion"): MEMBERS | {"guest"},
    ("can_see_discussion", "closed fr discussion"): MEMBERS,
    ("can_see_discussion", "cancelled fr discussion"): MEMBERS,
    # The threads of a cancelled discussion never open, to anyone.
    ("can_read_thread", "cancelled fr thread"): set(),
    # Topic proposals
    ("can_endorse", "fr proposal"): {"staff", "langmod_fr", "moderator", "admin"},
    ("can_endorse", "accepted fr proposal"): set(),
    ("can_handle_proposal", "fr proposal"): FRENCH_MODERATORS,
    ("can_handle_proposal", "en+fr proposal"): CHIEFS,
    ("can_handle_proposal", "proposal naming no language"): CHIEFS,
    ("can_consider_proposal", "fr proposal"): FRENCH_MODERATORS,
    ("can_consider_proposal", "en+fr proposal"): CHIEFS,
    ("can_consider_proposal", "accepted fr proposal"): set(),
    ("can_accept_proposal", "fr proposal"): FRENCH_MODERATORS,
    ("can_accept_proposal", "accepted fr proposal"): set(),
    ("can_decline_proposal", "fr proposal"): FRENCH_MODERATORS,
    ("can_decline_proposal", "accepted fr proposal"): FRENCH_MODERATORS,
    ("can_schedule_proposal", "fr proposal"): set(),
    ("can_schedule_proposal", "accepted fr proposal"): FRENCH_MODERATORS,
    ("can_schedule_proposal", "accepted en+fr proposal"): CHIEFS,
    ("can_see_decline_reason", "fr proposal"): {"delegate", "langmod_fr", "moderator", "admin"},
    # Guests
    ("can_view_guest_request", "invitation requested by the delegate"): {"delegate", "moderator", "admin"},
    ("guest_may_use_language", "guest's discussion in fr"): {"guest"},
    ("guest_may_use_language", "another discussion in fr"): set(),
    # Users as targets ("self": the acting user)
    ("can_warn_user", "a delegate"): CHIEFS,
    ("can_warn_user", "a French moderator"): CHIEFS,
    ("can_warn_user", "a chief moderator"): {"admin"},
    ("can_warn_user", "an admin"): set(),
    ("can_warn_user", "self"): set(),
    ("can_warn_user", "the author of the fr post, through it"): FRENCH_MODERATORS,
    ("can_warn_user", "the author of the en post, through it"): CHIEFS,
    ("can_suspend_user", "a delegate"): CHIEFS,
    ("can_suspend_user", "a French moderator"): CHIEFS,
    ("can_suspend_user", "a chief moderator"): {"admin"},
    ("can_suspend_user", "an admin"): set(),
    ("can_suspend_user", "self"): set(),
    ("can_view_user_record", "a delegate"): FRENCH_MODERATORS,
    ("can_reset_second_factor", "a delegate"): {"admin"},
    ("can_reset_second_factor", "an admin"): {"admin"},
    ("can_reset_second_factor", "self"): set(),
    # Personal data: one's own, guests and suspended members too; anyone's for an administrator.
    ("can_export_data", "a delegate"): {"admin"},
    ("can_export_data", "an admin"): {"admin"},
    ("can_export_data", "self"): {"guest", "delegate", "suspended", "staff", "langmod_fr", "moderator", "admin"},
    # Audit events
    ("can_reverse_act", "act by the French moderator"): CHIEFS,
    ("can_reverse_act", "act by the chief moderator"): set(),
}

# Not about a user at all: which endpoints a guest may request.
ENDPOINT_PREDICATES = {
    ("guest_may_use", "threads.thread"): True,
    ("guest_may_use", "moderation.flag_post"): True,
    ("guest_may_use", "main.notifications"): True,
    ("guest_may_use", "main.latest"): False,
    ("guest_may_use", "main.mark_everything_read"): False,
    ("guest_may_use", "topics.index"): False,
    ("guest_may_use", "search.results"): True,
    ("guest_may_use", "admin.accounts"): False,
    ("guest_may_use", "dataexport.download"): True,
    ("guest_may_use", "dataexport.download_for"): False,
}

# Public names of forum.policy that look like predicates but are not permission questions on their own.
NOT_PREDICATES = {
    # SQL conditions, the exact SQL forms of can_read_thread, can_read_room, can_moderate_room and
    # can_see_discussion: tests/test_policy_scopes.py checks they agree with the predicates for every role.
    "readable_threads",
    "not_in_cancelled_discussion",
    "readable_threads_of_listed_room",
    "readable_threads_in_room",
    "visible_discussions",
    "readable_posts",
    "readable_copied_posts",
    "readable_rooms",
    "moderated_rooms",
    # Helpers: turn a refusal into 403/404, look a guest's access up (guest_may_use_language is its predicate).
    "require",
    "require_visible",
    "forget_protocol_answer",
    "remember_protocol_answer",
    "found",
    "guest_access",
    # Statements built once per kind of reader: what the SQL scopes depend on, and the cache built on it
    # (tests/test_policy_scopes.py).
    "scope_key",
    "room_scope_key",
    "built_once",
    "built_per_scope",
    "scope_parameters",
}
PREDICATE_PREFIXES = ("can_", "is_", "must_", "guest_may_", "has_")


@pytest.fixture
def users(anonymous, guest, delegate, suspended_delegate, expert, french_moderator, moderator, admin):
    return {
        "anonymous": anonymous,
        "guest": guest,
        "delegate": delegate,
        "suspended": suspended_delegate,
        "staff": expert,
        "langmod_fr": french_moderator,
        "moderator": moderator,
        "admin": admin,
    }


def _first_post(thread):
    return db.session.scalar(select(Post).where(Post.thread_id == thread.id).order_by(Post.id))


def _post_in_state(make_thread, users, state):
    post = _first_post(make_thread(get_room("capacity-fr"), users["delegate"]))
    post.state = state
    db.session.commit()
    return post


def _targets(make_user, users):
    return {
        "a delegate": (make_user(state="BRA"),),
        "a French moderator": (make_user("language_moderator", languages=("fr",)),),
        "a chief moderator": (make_user("moderator"),),
        "an admin": (make_user("admin"),),
    }


def _weekly(users, guest_invitation):
    moderator = users["moderator"]
    closed = weekly.schedule(moderator, codes=("fr",), opens_at=guest_invitation.discussion.opens_at)
    discussions.close_discussion(closed, by=moderator)
    invitation = guests.request_guest(
        guest_invitation.discussion,
        by=users["delegate"],
        guest_name="Kofi Mensah",
        email="kofi@example.org",
        organisation="University of Ghana",
        organisation_kind="academic",
        justification="Runs a patent clinic.",
    )
    french, accepted = (weekly.propose(users["delegate"], languages=["fr"]) for _ in range(2))
    accepted_both = weekly.propose(users["delegate"], languages=["fr", "en"])
    proposals.accept_proposal(accepted, by=moderator)
    proposals.accept_proposal(accepted_both, by=moderator)
    cancelled = weekly.schedule(moderator, codes=("fr",))
    discussions.cancel_discussion(cancelled, by=moderator, reason="The speakers are not available.")
    db.session.commit()
    return {
        "fr only": (("fr",),),
        "en and fr": (("en", "fr"),),
        "no language": ((),),
        "fr discussion": (weekly.schedule(moderator, codes=("fr",)),),
        "en+fr discussion": (weekly.schedule(moderator, codes=("en", "fr")),),
        "closed fr discussion": (closed,),
        "cancelled fr discussion": (cancelled,),
        "cancelled fr thread": (weekly.threads(cancelled)["fr"],),
        "guest's discussion": (guest_invitation.discussion,),
        "fr proposal": (french,),
        "en+fr proposal": (weekly.propose(users["delegate"], languages=["en", "fr"]),),
        "proposal naming no language": (weekly.propose(users["delegate"], languages=[]),),
        "accepted fr proposal": (accepted,),
        "accepted en+fr proposal": (accepted_both,),
        "invitation requested by the delegate": (invitation,),
        "guest's discussion in fr": (guest_invitation.discussion_id, "fr"),
        "another discussion in fr": (closed.id, "fr"),
    }


@pytest.fixture
def objects(users, make_user, make_thread, guest_invitation):
    """The objects of OBJECT_PREDICATES by name, each as the arguments that follow the user."""
    en_thread = make_thread(get_room("capacity-en"), users["delegate"])
    fr_thread = make_thread(get_room("capacity-fr"), users["delegate"])
    weekly_fr = weekly.threads(guest_invitation.discussion)["fr"]
    en_post, fr_post = _first_post(en_thread), _first_post(fr_thread)
    french_act = audit.record(users["langmod_fr"], "post.hide", fr_post, clause="3.2", reason="Rude")
    chief_act = audit.record(users["moderator"], "post.hide", en_post, clause="3.2", reason="Rude")
    db.session.commit()
    return {
        "en": ("en",),
        "fr": ("fr",),
        "weekly fr thread": (weekly_fr,),
        "en thread to fr room": (en_thread, get_room("capacity-fr")),
        "fr thread to en room": (fr_thread, get_room("capacity-en")),
        "fr thread to another fr room": (fr_thread, get_room("legislative-fr")),
        "en post": (en_post,),
        "fr post": (fr_post,),
        "weekly fr post": (_first_post(weekly_fr),),
        "hidden fr post": (_post_in_state(make_thread, users, PostState.hidden),),
        "held fr post": (_post_in_state(make_thread, users, PostState.held),),
        "removed fr post": (_post_in_state(make_thread, users, PostState.removed),),
        **_weekly(users, guest_invitation),
        **_targets(make_user, users),
        "the author of the fr post, through it": (users["delegate"], fr_post),
        "the author of the en post, through it": (users["delegate"], en_post),
        "act by the French moderator": (french_act,),
        "act by the chief moderator": (chief_act,),
    }


def _tabled_predicates():
    return (
        set(USER_PREDICATES)
        | {name for name, _ in ROOM_PREDICATES}
        | {name for name, _ in THREAD_PREDICATES}
        | {name for name, _ in OBJECT_PREDICATES}
        | {name for name, _ in ENDPOINT_PREDICATES}
    )


def test_every_predicate_has_a_row():
    """Every public predicate of forum.policy is in one of this module's tables; a new one must be added."""
    public = {
        name
        for name, function in vars(policy).items()
        if inspect.isfunction(function) and function.__module__ == policy.__name__ and not name.startswith("_")
    }
    predicates = {name for name in public if name.startswith(PREDICATE_PREFIXES)}
    unclassified = public - predicates - NOT_PREDICATES
    assert not unclassified, f"neither a predicate nor a listed helper: {sorted(unclassified)}"
    missing = predicates - _tabled_predicates()
    assert not missing, f"predicates without a row in tests/test_policy.py: {sorted(missing)}"
    assert not (NOT_PREDICATES - public), "a listed helper no longer exists"


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


@pytest.mark.parametrize("predicate", sorted({name for name, _ in OBJECT_PREDICATES}))
def test_object_predicates(users, objects, predicate):
    """All the rows of one predicate at once (the objects are many and slow to build)."""
    check = getattr(policy, predicate)
    rows = {
        name: allowed
        for (name_of_predicate, name), allowed in OBJECT_PREDICATES.items()
        if name_of_predicate == predicate
    }

    def answers(name):
        return _allowed(users, lambda user: check(user, *((user,) if name == "self" else objects[name])))

    assert {name: answers(name) for name in rows} == rows


@pytest.mark.parametrize("predicate,endpoint", sorted(ENDPOINT_PREDICATES))
def test_endpoint_predicates(predicate, endpoint):
    assert getattr(policy, predicate)(endpoint) is ENDPOINT_PREDICATES[(predicate, endpoint)]


def test_only_a_coordinator_acts_for_a_group(coordinator, make_user):
    assert policy.can_act_for_group(coordinator)
    assert not policy.can_act_for_group(make_user("staff", is_coordinator=True))
    assert not policy.can_act_for_group(
        make_user(state="SEN", is_coordinator=True, suspended_until=clock.now() + timedelta(days=1))
    )


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
