"""Production hardening (issue 14): races between simultaneous decisions, huge ids, hidden ids, staff limits.

The race tests run the two decisions in two threads with their own sessions.
On PostgreSQL both read the object before either writes (a barrier holds them
there), which is the race the conditional UPDATE must win for exactly one;
SQLite's BEGIN IMMEDIATE queues the second behind the first, and the test
still checks that the loser changes nothing.
"""

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from forum import clock, policy
from forum.accounts.models import User
from forum.audit import AuditEvent
from forum.discussions import service as discussions
from forum.errors import Invalid, NotAllowed
from forum.extensions import db
from forum.guests import service as guests
from forum.guests.models import GuestInvitation, InvitationStatus
from forum.notifications.models import OutgoingEmail
from forum.proposals import service as proposals
from forum.proposals.models import ProposalStatus, TopicProposal
from forum.rooms.models import Category

HUGE = "9" * 30


def _category_id(code="capacity"):
    return db.session.scalar(select(Category.id).where(Category.code == code))


def _discussion(by, codes=("en", "fr", "es")):
    opens_at = clock.now().replace(second=0, microsecond=0) + timedelta(minutes=1)
    discussion = discussions.schedule_discussion(
        by=by,
        category_id=_category_id(),
        texts={code: discussions.TextInput(f"Race ({code})", f"Opening ({code})") for code in codes},
        opens_at=opens_at,
        closes_at=opens_at + timedelta(days=7),
    )
    db.session.commit()
    return discussion


def _events(action):
    return db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action))


def _user(user_id):
    return db.session.get(User, user_id)


def _race(app, load, *acts):
    """Run each act(obj) in its own thread, app context and session; returns the outcomes ("ok" or the error).

    Acts load what they need by id inside their own session; the test's own
    session ends its transaction first, so it holds no lock.
    """
    db.session.commit()
    barrier = threading.Barrier(len(acts))
    outcomes = [None] * len(acts)

    def run(index, act):
        with app.app_context():
            try:
                obj = load()
                if db.engine.dialect.name == "postgresql":
                    # Both have read the object; now both decide.
                    barrier.wait(timeout=30)
                act(obj)
                db.session.commit()
                outcomes[index] = "ok"
            except (Invalid, NotAllowed) as error:
                db.session.rollback()
                outcomes[index] = error
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(index, act)) for index, act in enumerate(acts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


@pytest.fixture
def staff(delegate, moderator, admin, make_user):
    return {
        "delegate": delegate,
        "moderator": moderator,
        "moderator2": make_user("moderator"),
        "admin": admin,
        "admin2": make_user("admin"),
    }


@pytest.fixture
def ids(staff):
    return {name: user.id for name, user in staff.items()}


def _request_guest(staff):
    discussion = _discussion(staff["moderator"])
    invitation = guests.request_guest(
        discussion,
        by=staff["delegate"],
        guest_name="Amina Odhiambo",
        email="amina@uni.example",
        organisation="University",
        organisation_kind="academic",
        justification="Runs a technology transfer office.",
    )
    db.session.commit()
    return invitation.id


def _invitation_loader(invitation_id):
    return lambda: db.session.get(GuestInvitation, invitation_id)


def test_two_admins_approving_at_once_approve_once(app, staff, ids):
    invitation_id = _request_guest(staff)
    guests.assess_request(
        db.session.get(GuestInvitation, invitation_id),
        by=staff["moderator"],
        recommend=True,
        clause="1.2",
        reason="Relevant expertise.",
    )
    outcomes = _race(
        app,
        _invitation_loader(invitation_id),
        *[
            lambda invitation, name=name: guests.decide_request(invitation, by=_user(ids[name]), approve=True)
            for name in ("admin", "admin2")
        ],
    )
    assert sorted(outcome == "ok" for outcome in outcomes) == [False, True]
    db.session.expire_all()
    assert _events("guest.approve") == 1 and _events("guest.send") == 1
    invitations = db.session.scalar(
        select(func.count()).select_from(OutgoingEmail).where(OutgoingEmail.to == "amina@uni.example")
    )
    assert invitations == 1
    assert db.session.get(GuestInvitation, invitation_id).status == InvitationStatus.sent


def test_recommend_and_reject_at_once_record_one_assessment(app, staff, ids):
    invitation_id = _request_guest(staff)
    outcomes = _race(
        app,
        _invitation_loader(invitation_id),
        lambda invitation: guests.assess_request(
            invitation, by=_user(ids["moderator"]), recommend=True, clause="1.2", reason="Relevant."
        ),
        lambda invitation: guests.assess_request(
            invitation, by=_user(ids["moderator2"]), recommend=False, clause="1.2", reason="Not relevant."
        ),
    )
    assert sorted(outcome == "ok" for outcome in outcomes) == [False, True]
    db.session.expire_all()
    assert _events("guest.recommend") + _events("guest.reject") == 1
    invitation = db.session.get(GuestInvitation, invitation_id)
    won = "recommend" if invitation.status == InvitationStatus.recommended else "reject"
    assert invitation.assessment_reason == ("Relevant." if won == "recommend" else "Not relevant.")


def test_accept_and_decline_at_once_decide_a_proposal_once(app, staff, ids):
    proposal = proposals.propose_topic(
        by=staff["delegate"],
        title="Technology transfer",
        description="How?",
        category_id=_category_id(),
    )
    db.session.commit()
    proposal_id = proposal.id
    outcomes = _race(
        app,
        lambda: db.session.get(TopicProposal, proposal_id),
        lambda p: proposals.accept_proposal(p, by=_user(ids["moderator"])),
        lambda p: proposals.decline_proposal(p, by=_user(ids["moderator2"]), reason="Covered last month."),
    )
    db.session.expire_all()
    status = db.session.get(TopicProposal, proposal_id).status
    wins = sum(outcome == "ok" for outcome in outcomes)
    if db.engine.dialect.name == "postgresql":
        # Both read "submitted": the one that wrote second finds it changed and is refused.
        assert wins == 1
    else:
        # SQLite queues the second behind the first, which it then sees: accepting then
        # declining is a sequence, not a race. Each success is one act, no more.
        assert wins >= 1
    assert _events("proposal.accept") + _events("proposal.decline") == wins
    assert status in (ProposalStatus.accepted, ProposalStatus.declined)


def test_an_accepted_proposal_is_scheduled_once(app, staff, ids):
    proposal = proposals.propose_topic(
        by=staff["delegate"],
        title="Evaluation",
        description="Indicators?",
        category_id=_category_id(),
    )
    proposals.accept_proposal(proposal, by=staff["moderator"])
    db.session.commit()
    proposal_id = proposal.id
    opens_at = clock.now().replace(second=0, microsecond=0) + timedelta(days=1)

    def schedule(p, name):
        proposals.schedule_proposal(
            p,
            by=_user(ids[name]),
            category_id=_category_id(),
            texts={"en": discussions.TextInput("Evaluation", "Opening")},
            opens_at=opens_at,
            closes_at=opens_at + timedelta(days=7),
        )

    outcomes = _race(
        app,
        lambda: db.session.get(TopicProposal, proposal_id),
        lambda p: schedule(p, "moderator"),
        lambda p: schedule(p, "moderator2"),
    )
    assert sorted(outcome == "ok" for outcome in outcomes) == [False, True]
    db.session.expire_all()
    assert _events("discussion.create") == 1


# A language moderator schedules proposals only in their languages (finding 12) ---------------


def test_language_moderator_cannot_schedule_a_proposal_outside_their_languages(client, login, staff, make_user):
    french = make_user("language_moderator", languages=("fr",))
    proposal = proposals.propose_topic(
        by=staff["delegate"],
        title="Franchising",
        description="Contracts?",
        category_id=_category_id(),
        languages=["en", "es"],
    )
    proposals.accept_proposal(proposal, by=staff["moderator"])
    db.session.commit()
    assert not policy.can_schedule_proposal(french, proposal)
    with pytest.raises(NotAllowed):
        proposals.schedule_proposal(
            proposal,
            by=french,
            category_id=_category_id(),
            texts={"fr": discussions.TextInput("Franchise", "Ouverture")},
            opens_at=clock.now() + timedelta(days=1),
            closes_at=clock.now() + timedelta(days=8),
        )
    db.session.rollback()
    login(client, french)
    when = (clock.now() + timedelta(days=2)).strftime("%Y-%m-%dT09:00")
    response = client.post(
        f"/topics/discussions/new?proposal={proposal.id}",
        data={
            "category": str(_category_id()),
            "title_fr": "Franchise",
            "body_fr": "Ouverture",
            "opens_at": when,
            "closes_at": (clock.now() + timedelta(days=9)).strftime("%Y-%m-%dT09:00"),
        },
    )
    assert response.status_code == 403
    assert db.session.get(TopicProposal, proposal.id).status == ProposalStatus.accepted
    assert _events("discussion.create") == 0


# A suspended moderator makes no moderation act (finding 6) ----------------------------------


def test_suspended_moderator_cannot_pin_close_or_move_threads(client, login, make_user, make_thread, room):
    moderator = make_user("moderator", suspended_until=clock.now() + timedelta(days=3))
    thread = make_thread(room, make_user(state="BRA"))
    assert not policy.can_moderate_thread(moderator, thread)
    login(client, moderator)
    assert client.post(f"/t/{thread.id}/pin", data={"pinned": "1"}).status_code == 403
    assert client.post(f"/t/{thread.id}/lock", data={"locked": "1"}).status_code == 403
    assert client.post(f"/t/{thread.id}/move", data={"room": str(thread.room_id)}).status_code == 403
    db.session.refresh(thread)
    assert not thread.pinned and not thread.locked


# Huge integers are unknown ids, never a 500 (finding 9) ------------------------------------


def test_out_of_range_integers_are_404_or_ignored(client, login, make_user, make_thread, room):
    thread = make_thread(room, make_user(state="BRA"), replies=2)
    moderator = make_user("moderator")
    login(client, moderator)
    for path in (
        f"/t/{HUGE}",
        f"/p/{HUGE}/edit",
        f"/t/{HUGE}/live",
        f"/moderation/users/{HUGE}",
        f"/topics/proposals/{HUGE}",
        f"/topics/discussions/{HUGE}",
        f"/guests/{HUGE}",
        f"/moderation/acts/{HUGE}/reverse",
    ):
        assert client.get(path).status_code == 404, path
    for path in (
        f"/t/{thread.id}?page={HUGE}",
        f"/rooms/{room.slug}?page={HUGE}",
        f"/topics?weeks={HUGE}",
        f"/topics?held={HUGE}",
        f"/topics/proposals?page={HUGE}",
        f"/t/{thread.id}?reply_to={HUGE}",
        f"/t/{thread.id}/live?after={HUGE}",
        f"/moderation/audit?page={HUGE}",
        f"/guests?page={HUGE}",
        f"/topics/discussions/new?proposal={HUGE}",
    ):
        assert client.get(path).status_code in (200, 204, 404), path
    response = client.post(f"/t/{thread.id}/move", data={"room": HUGE})
    assert response.status_code == 404
    response = client.post(f"/t/{thread.id}/reply", data={"body": "Hello", "reply_to": HUGE})
    assert response.status_code in (400, 404)
    client.get("/logout")
    # Public too: the protocol page with a version number no database holds.
    assert client.get(f"/protocol?version={HUGE}").status_code in (200, 404)


# Ids reveal nothing to those who may not see them (finding 11) ------------------------------


@pytest.mark.parametrize("role", ["delegate", "staff"])
def test_moderation_pages_answer_alike_for_existing_and_unknown_ids(client, login, make_user, role):
    target = make_user(state="KEN")
    moderator = make_user("moderator")
    event = AuditEvent(actor_id=moderator.id, action="post.hide", target_type="posts", target_id=1, at=clock.now())
    db.session.add(event)
    db.session.commit()
    login(client, make_user(role))
    for existing, unknown in (
        (f"/moderation/users/{target.id}", "/moderation/users/999999"),
        (f"/moderation/acts/{event.id}/reverse", "/moderation/acts/999999/reverse"),
    ):
        # Refused before the id is looked up: the same answer whether it exists or not.
        assert client.get(existing).status_code == client.get(unknown).status_code == 403
