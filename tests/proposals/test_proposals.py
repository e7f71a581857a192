"""Topic proposals and the topics page (forum.proposals, issue 4)."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from forum.audit import AuditEvent
from forum.discussions import service as discussions
from forum.discussions.models import Discussion
from forum.errors import Invalid
from forum.extensions import db
from forum.notifications.models import Notification
from forum.proposals import service as proposals
from forum.proposals.models import Endorsement, ProposalStatus, TopicProposal
from tests.helpers import weekly
from tests.helpers.weekly import MANAGERS, ROLES


@pytest.fixture
def clock_(frozen_clock):
    return frozen_clock


# Topic proposals -------------------------------------------------------------------------------


def test_proposal_life_cycle_with_endorsements_by_group_and_a_decline(clock_, moderator, make_user, client, login):
    kenya = make_user(state="KEN", name="Wanjiru Kamau")
    login(client, kenya)
    response = client.post(
        "/topics/proposals/new",
        data={
            "title": "Technology transfer offices",
            "description": "How did you **set them up**?",
            "category": str(weekly.category().id),
            "aims": "Share models.",
            "audience": "University leaders",
            "languages": ["es", "en"],
        },
    )
    assert response.status_code == 302
    proposal = db.session.scalar(select(TopicProposal))
    assert proposal.status == ProposalStatus.submitted
    assert proposal.preferred_languages == ["en", "es"]
    assert proposal.member_state.code == "KEN"
    assert (
        db.session.scalar(select(Notification).where(Notification.user_id == moderator.id)).kind == "proposal_submitted"
    )

    # Endorsements: one per member, counted by regional group; not one's own.
    supporters = [make_user(state="BRA"), make_user(state="MEX"), make_user(state="SEN"), make_user("staff")]
    for supporter in supporters:
        login(client, supporter)
        assert client.post(f"/topics/proposals/{proposal.id}/endorse", data={"endorse": "1"}).status_code == 302
    login(client, supporters[0])
    client.post(f"/topics/proposals/{proposal.id}/endorse", data={"endorse": "1"})
    assert weekly.count(Endorsement) == 4
    login(client, kenya)
    assert client.post(f"/topics/proposals/{proposal.id}/endorse", data={"endorse": "1"}).status_code == 403
    page = client.get(f"/topics/proposals/{proposal.id}").get_data(as_text=True)
    assert "4 endorsements" in page
    assert "Group of Latin American and Caribbean Countries: 2" in page
    assert "African Group: 1" in page and "Secretariat: 1" in page
    counts = proposals.endorsement_counts([proposal.id])[proposal.id]
    assert [(c.group.code if c.group else None, c.count) for c in counts] == [("AFRICAN", 1), ("GRULAC", 2), (None, 1)]

    # Withdrawing.
    login(client, supporters[1])
    assert client.post(f"/topics/proposals/{proposal.id}/endorse", data={"endorse": "0"}).status_code == 302
    assert weekly.count(Endorsement) == 3

    # Under consideration, then declined with a reason the proposer sees.
    login(client, moderator)
    assert client.post(f"/topics/proposals/{proposal.id}/consider", data={"note": "Looks promising"}).status_code == 302
    assert proposal.status == ProposalStatus.under_consideration
    assert "Looks promising" in client.get("/topics").get_data(as_text=True)
    assert client.post(f"/topics/proposals/{proposal.id}/decline", data={"reason": ""}).status_code == 302
    assert proposal.status == ProposalStatus.under_consideration
    response = client.post(f"/topics/proposals/{proposal.id}/decline", data={"reason": "Covered in March already."})
    assert response.status_code == 302
    assert proposal.status == ProposalStatus.declined and proposal.decline_reason == "Covered in March already."
    assert "Covered in March already." in login(client, kenya).get(f"/topics/proposals/{proposal.id}").get_data(
        as_text=True
    )
    assert "Your proposal “Technology transfer offices” is declined" in client.get("/notifications").get_data(
        as_text=True
    )
    assert "Covered in March already." not in login(client, supporters[0]).get(
        f"/topics/proposals/{proposal.id}"
    ).get_data(as_text=True)
    # No more endorsing a declined proposal.
    assert client.post(f"/topics/proposals/{proposal.id}/endorse", data={"endorse": "0"}).status_code == 403
    assert weekly.actions() == [
        "proposal.create",
        "proposal.endorse",
        "proposal.endorse",
        "proposal.endorse",
        "proposal.endorse",
        "proposal.withdraw_endorsement",
        "proposal.consider",
        "proposal.decline",
    ]


def test_accepting_a_proposal_leads_to_a_prefilled_discussion_crediting_the_proposer(
    clock_, moderator, make_user, client, login
):
    kenya = make_user(state="KEN", name="Wanjiru Kamau")
    proposal = weekly.propose(kenya)
    login(client, moderator)
    response = client.post(f"/topics/proposals/{proposal.id}/accept", data={"note": ""})
    assert response.status_code == 302
    assert response.location == f"/topics/discussions/new?proposal={proposal.id}"
    assert proposal.status == ProposalStatus.accepted
    page = client.get(response.location).get_data(as_text=True)
    assert 'value="Technology transfer offices"' in page
    assert "Topic proposed by Wanjiru Kamau (Kenya)." in page
    assert f'href="/topics/proposals/{proposal.id}"' in page
    response = client.post(
        f"/topics/discussions/new?proposal={proposal.id}",
        data={
            "category": str(weekly.category().id),
            "opens_at": "2026-11-30T09:00",
            "closes_at": "2026-12-07T09:00",
            "title_en": "Technology transfer offices",
            "body_en": "How did you set them up?",
            "title_fr": "Bureaux de transfert de technologie",
            "body_fr": "Comment les avez-vous créés ?",
        },
    )
    assert response.status_code == 302
    discussion = db.session.scalar(select(Discussion))
    assert discussion.proposal_id == proposal.id
    assert proposal.status == ProposalStatus.scheduled
    page = client.get(f"/topics/discussions/{discussion.id}").get_data(as_text=True)
    assert "Wanjiru Kamau" in page and f'href="/topics/proposals/{proposal.id}"' in page
    assert "Your proposal “Technology transfer offices” is scheduled" in login(client, kenya).get(
        "/notifications"
    ).get_data(as_text=True)
    assert weekly.actions() == ["proposal.create", "proposal.accept", "discussion.create"]


def test_scheduling_fills_only_the_proposals_language_and_refuses_untranslated_copies(
    clock_, moderator, make_user, client, login
):
    kenya = make_user(state="KEN", name="Wanjiru Kamau", locale="en")
    proposal = weekly.propose(kenya)
    proposals.accept_proposal(proposal, by=moderator, note="")
    db.session.commit()
    login(client, moderator)
    page = client.get(f"/topics/discussions/new?proposal={proposal.id}").get_data(as_text=True)
    assert 'name="title_en" type="text" value="Technology transfer offices"' in page
    assert 'name="title_fr" type="text" value=""' in page and 'name="title_es" type="text" value=""' in page
    # The proposal is shown beside the empty languages, to translate from.
    assert page.count("The proposal, for reference (to translate)") == 2
    form = {
        "category": str(weekly.category().id),
        "opens_at": "2026-11-30T09:00",
        "closes_at": "2026-12-07T09:00",
        "title_en": "Technology transfer offices",
        "body_en": "How did you set them up?",
        "title_fr": "Bureaux de transfert de technologie",
        "body_fr": "How did you set them up?",
    }
    refused = client.post(f"/topics/discussions/new?proposal={proposal.id}", data=form)
    assert refused.status_code == 400
    assert "The text in French is the same as in English." in refused.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Discussion.id))) == 0
    assert proposal.status == ProposalStatus.accepted
    # Confirmed on purpose, the same text is accepted.
    form["same_text_ok"] = "y"
    assert client.post(f"/topics/discussions/new?proposal={proposal.id}", data=form).status_code == 302
    assert db.session.scalar(select(func.count(Discussion.id))) == 1


def test_only_an_accepted_proposal_becomes_a_discussion(clock_, moderator, delegate):
    proposal = weekly.propose(delegate)
    with pytest.raises(Invalid, match="accepted proposal"):
        proposals.schedule_proposal(
            proposal,
            by=moderator,
            category_id=weekly.category().id,
            texts=weekly.texts("en", "fr", "es"),
            opens_at=weekly.MONDAY_NEXT,
            closes_at=weekly.MONDAY_NEXT + timedelta(days=7),
        )
    db.session.rollback()
    assert weekly.count(Discussion) == 0


def test_decided_proposals_cannot_be_decided_again(clock_, moderator, delegate):
    proposal = weekly.propose(delegate)
    proposals.decline_proposal(proposal, by=moderator, reason="No.")
    for decide in (proposals.accept_proposal, proposals.consider_proposal):
        with pytest.raises(Invalid, match="no longer"):
            decide(proposal, by=moderator)


def test_coordinator_proposes_and_endorses_on_behalf_of_the_group(clock_, make_user, client, login):
    coordinator = make_user(state="SEN", is_coordinator=True)
    login(client, coordinator)
    page = client.get("/topics/proposals/new").get_data(as_text=True)
    assert "On behalf of my regional group" in page
    client.post(
        "/topics/proposals/new",
        data={
            "title": "Traditional knowledge",
            "description": "Databases?",
            "category": str(weekly.category().id),
            "for_group": "y",
        },
    )
    proposal = db.session.scalar(select(TopicProposal))
    assert proposal.on_behalf_of_group.code == "AFRICAN"
    assert "on behalf of the African Group" in client.get(f"/topics/proposals/{proposal.id}").get_data(as_text=True)
    other = weekly.propose(make_user(state="BRA"))
    client.post(f"/topics/proposals/{other.id}/endorse", data={"endorse": "1", "for_group": "1"})
    endorsement = db.session.scalar(select(Endorsement).where(Endorsement.proposal_id == other.id))
    assert endorsement.on_behalf_of_group
    assert "endorsed for the group" in client.get(f"/topics/proposals/{other.id}").get_data(as_text=True)


def test_a_delegate_who_is_not_coordinator_cannot_act_for_a_group(clock_, delegate, make_user, client, login):
    login(client, delegate)
    assert "On behalf of my regional group" not in client.get("/topics/proposals/new").get_data(as_text=True)
    response = client.post(
        "/topics/proposals/new",
        data={
            "title": "T",
            "description": "D",
            "category": str(weekly.category().id),
            "for_group": "y",
        },
    )
    assert response.status_code == 403
    db.session.rollback()
    assert weekly.count(TopicProposal) == 0
    other = weekly.propose(make_user(state="BRA"))
    assert (
        client.post(f"/topics/proposals/{other.id}/endorse", data={"endorse": "1", "for_group": "1"}).status_code == 403
    )
    with pytest.raises(discussions.NotAllowed):
        proposals.propose_topic(
            by=make_user("staff", is_coordinator=True),
            title="T",
            description="D",
            category_id=weekly.category().id,
            for_group=True,
        )


@pytest.mark.parametrize(
    "change, message",
    [
        ({"title": ""}, "A title is required."),
        ({"description": ""}, "Describe the topic."),
        ({"category": "77"}, "Unknown category."),
        ({"languages": ["xx"]}, "Unknown language: xx."),
        ({"audience": "a" * 301}, "The audience is too long"),
    ],
)
def test_bad_proposals_are_refused_and_nothing_is_written(clock_, delegate, client, login, change, message):
    login(client, delegate)
    data = {"title": "T", "description": "D", "category": str(weekly.category().id)}
    data.update(change)
    response = client.post("/topics/proposals/new", data=data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    db.session.rollback()
    assert weekly.count(TopicProposal) == weekly.count(AuditEvent) == 0


def test_proposals_list_filters_by_status_and_paginates(clock_, delegate, moderator, client, login, app):
    items = [weekly.propose(delegate, title=f"Proposal number {i}") for i in range(3)]
    proposals.decline_proposal(items[0], by=moderator, reason="No")
    db.session.commit()
    login(client, delegate)
    page = client.get("/topics/proposals?status=declined").get_data(as_text=True)
    assert "Proposal number 0" in page and "Proposal number 1" not in page
    assert client.get("/topics/proposals?status=bogus").status_code == 200
    assert client.get("/topics/proposals?page=99").status_code == 200


# Permissions for every action across roles ----------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_who_may_propose_and_endorse(clock_, person, make_user, client, login, role):
    user = person(role)
    other = weekly.propose(make_user(state="BRA"))
    login(client, user)
    member = role != "guest"
    assert client.get("/topics").status_code == (200 if member else 404)
    assert client.get("/topics/proposals").status_code == (200 if member else 404)
    response = client.post(
        "/topics/proposals/new", data={"title": "T", "description": "D", "category": str(weekly.category().id)}
    )
    assert response.status_code == (302 if member else 404)
    response = client.post(f"/topics/proposals/{other.id}/endorse", data={"endorse": "1"})
    assert response.status_code == (302 if member else 404)
    assert weekly.count(Endorsement) == (1 if member else 0)


@pytest.mark.parametrize("role", ROLES)
def test_who_may_handle_a_french_proposal(clock_, person, make_user, client, login, role):
    proposals = [weekly.propose(make_user(state="BRA"), languages=["fr"]) for _ in range(3)]
    login(client, person(role))
    allowed = role in MANAGERS
    forbidden = 404 if role == "guest" else 403
    responses = [
        client.post(f"/topics/proposals/{proposals[0].id}/consider", data={}),
        client.post(f"/topics/proposals/{proposals[1].id}/accept", data={}),
        client.post(f"/topics/proposals/{proposals[2].id}/decline", data={"reason": "Because."}),
    ]
    for response in responses:
        assert response.status_code == (302 if allowed else forbidden)
    statuses = [p.status for p in proposals]
    if allowed:
        assert statuses == [ProposalStatus.under_consideration, ProposalStatus.accepted, ProposalStatus.declined]
    else:
        assert statuses == [ProposalStatus.submitted] * 3


def test_a_proposal_naming_no_language_is_the_chief_moderators(clock_, make_user, moderator):
    proposal = weekly.propose(make_user(state="BRA"), languages=[])
    french = make_user("language_moderator", languages=("fr",))
    with pytest.raises(discussions.NotAllowed):
        proposals.accept_proposal(proposal, by=french)
    proposals.accept_proposal(proposal, by=moderator)


# The topics page --------------------------------------------------------------------------------


def test_topics_page_shows_calendar_current_planned_held_and_proposals(clock_, moderator, delegate, client, login):
    held = weekly.schedule(
        moderator, codes=("en", "fr"), opens_at=weekly.MONDAY_NEXT, closes_at=weekly.MONDAY_NEXT + timedelta(days=7)
    )
    current = weekly.schedule(moderator, codes=("en",), opens_at=weekly.MONDAY_NEXT + timedelta(days=7), closes_at=None)
    planned = weekly.schedule(
        moderator,
        codes=("fr",),
        opens_at=weekly.MONDAY_NEXT + timedelta(days=21),
        closes_at=weekly.MONDAY_NEXT + timedelta(days=28),
    )
    for discussion, title in ((held, "Held topic"), (current, "Current topic"), (planned, "Planned topic")):
        for text in discussion.texts:
            text.title = f"{title} {text.language_code}"
    discussions.set_summary(held, "en", "What we **learned**.", by=moderator)
    weekly.propose(delegate)
    db.session.commit()
    clock_.set(weekly.MONDAY_NEXT + timedelta(days=8))
    page = login(client, delegate).get("/topics").get_data(as_text=True)
    assert page.index("Open now") < page.index("Current topic en") < page.index("Calendar")
    assert page.index("Calendar") < page.index("Held topic en") < page.index("Planned topic fr")
    planned_section = page.split('id="planned-heading"')[1].split('id="held-heading"')[0]
    assert "Planned topic fr" in planned_section and "Held topic" not in planned_section
    held_section = page.split('id="held-heading"')[1].split('id="proposals-heading"')[0]
    assert "Held topic en" in held_section and "What we <strong>learned</strong>." in held_section
    assert "Technology transfer offices" in page.split('id="proposals-heading"')[1]
    # Titles in the reader's language where the discussion has one.
    delegate.locale = "fr"
    db.session.commit()
    assert "Held topic fr" in client.get("/topics").get_data(as_text=True)


def test_topics_page_calendar_pages_through_weeks(clock_, moderator, delegate, client, login):
    weekly.schedule(moderator, opens_at=weekly.MONDAY_NEXT + timedelta(days=70), closes_at=None)
    login(client, delegate)
    assert (
        "Sharing evaluation methods (en)"
        not in client.get("/topics").get_data(as_text=True).split("Calendar")[1].split("Planned")[0]
    )
    later = client.get("/topics?weeks=8").get_data(as_text=True)
    assert "Sharing evaluation methods (en)" in later.split("Calendar")[1].split("Planned")[0]
    assert client.get("/topics?weeks=999999").status_code == 200
    assert client.get("/topics?weeks=abc&held=-3").status_code == 200


def test_topics_page_queries_do_not_grow_with_discussions(clock_, moderator, make_user, client, login, count_queries):
    reader = make_user()
    login(client, reader)

    def populate(count):
        for index in range(count):
            # Some held, some current, some planned, in the calendar window.
            offset = timedelta(days=7 * (index % 3))
            discussion = weekly.schedule(
                moderator,
                opens_at=weekly.MONDAY_NEXT + offset,
                closes_at=weekly.MONDAY_NEXT + offset + timedelta(days=7),
            )
            discussions.set_summary(discussion, "en", f"Summary {index}", by=moderator)
            proposal = weekly.propose(make_user(state=("KEN", "BRA", "JPN")[index % 3]), title=f"Proposal {index}")
            for state in ("SEN", "CHN", "POL"):
                proposals.endorse(proposal, by=make_user(state=state))
        db.session.commit()

    def measure():
        client.get("/topics")
        db.session.expire_all()
        with count_queries() as counter:
            assert client.get("/topics").status_code == 200
        return counter.count

    # One discussion of each kind (held, current, planned) against twenty.
    populate(3)
    clock_.set(weekly.MONDAY_NEXT + timedelta(days=8))
    small = measure()
    clock_.set(datetime(2026, 11, 23, 10, 0, tzinfo=UTC))
    populate(18)
    clock_.set(weekly.MONDAY_NEXT + timedelta(days=8))
    large = measure()
    assert small == large
    assert large <= 14


def test_proposals_list_queries_do_not_grow(clock_, make_user, client, login, count_queries):
    reader = make_user()
    login(client, reader)

    def measure():
        client.get("/topics/proposals")
        db.session.expire_all()
        with count_queries() as counter:
            assert client.get("/topics/proposals").status_code == 200
        counter_statements.append(counter.statements)
        return counter.count

    counter_statements = []

    weekly.propose(make_user(state="KEN"))
    small = measure()
    for index in range(15):
        proposal = weekly.propose(
            make_user(state=("KEN", "BRA", "JPN")[index % 3]),
            title=f"P{index}",
            category_id=weekly.category(("capacity", "legislative", "strategies")[index % 3]).id,
        )
        proposals.endorse(proposal, by=make_user(state="CHN"))
    db.session.commit()
    large = measure()
    assert large == small, counter_statements


def test_nav_links_to_topics_for_members_only(client, login, delegate, make_user):
    assert 'href="/topics"' in login(client, delegate).get("/").get_data(as_text=True)
    guest_client = client.application.test_client()
    assert 'href="/topics"' not in login(guest_client, make_user("guest", organisation="X")).get("/").get_data(
        as_text=True
    )


def test_unknown_ids_are_404(client, login, delegate, moderator):
    login(client, moderator)
    for url in [
        "/topics/discussions/999",
        "/topics/proposals/999",
        "/topics/discussions/999/edit",
        "/topics/discussions/new?proposal=999",
    ]:
        assert client.get(url).status_code == 404, url


def test_done_means_propose_endorse_schedule_hold_and_publish(clock_, moderator, make_user, client, login):
    """The issue's acceptance story, through the web pages."""
    kenya = make_user(state="KEN", name="Wanjiru Kamau")
    login(client, kenya)
    client.post(
        "/topics/proposals/new",
        data={
            "title": "Examiner training",
            "description": "What worked?",
            "category": str(weekly.category().id),
            "languages": ["en", "fr", "es"],
        },
    )
    proposal = db.session.scalar(select(TopicProposal))
    for state in ("BRA", "JPN"):
        login(client, make_user(state=state))
        client.post(f"/topics/proposals/{proposal.id}/endorse", data={"endorse": "1"})

    login(client, moderator)
    response = client.post(f"/topics/proposals/{proposal.id}/accept", data={})
    form_page = client.get(response.location).get_data(as_text=True)
    assert "Topic proposed by Wanjiru Kamau (Kenya)." in form_page
    client.post(
        response.location,
        data={
            "category": str(weekly.category().id),
            "opens_at": "2026-11-30T09:00",
            "closes_at": "2026-12-07T09:00",
            **{f"title_{code}": f"Examiner training {code}" for code in ("en", "fr", "es")},
            **{f"body_{code}": f"What worked? ({code})" for code in ("en", "fr", "es")},
        },
    )
    discussion = db.session.scalar(select(Discussion))
    assert discussion.language_codes == {"en", "fr", "es"} and discussion.proposal_id == proposal.id

    clock_.set(weekly.MONDAY_NEXT + timedelta(days=7, hours=1))
    for code in ("en", "fr", "es"):
        client.post(f"/topics/discussions/{discussion.id}/summary/{code}", data={"summary": f"Mentoring won ({code})."})
    page = login(client, kenya).get("/topics").get_data(as_text=True)
    held = page.split('id="held-heading"')[1].split('id="proposals-heading"')[0]
    assert "Examiner training en" in held and "Mentoring won (en)." in held
    assert "Examiner training" not in page.split('id="proposals-heading"')[1]
