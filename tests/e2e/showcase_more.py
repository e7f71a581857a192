"""More of the `showcase`: moderation and guest data, so the page-wide checks see filled pages.

Without it the moderation queue, the supervision table and the guest requests
would be empty on a fresh database, and axe would check an "empty" message
instead of the tables and forms moderators use. Called by the `showcase`
fixture inside its app context; returns the ids the MAIN_PAGES paths name.
"""

from tests.e2e.harness import DELEGATE_BR, DELEGATE_FR, DELEGATE_KE, DELEGATE_MX

LANGUAGE_MODERATOR = "langmod@forum.test"


def moderation_and_topics():
    from sqlalchemy import select

    from forum.accounts.service import find_user_by_email
    from forum.discussions.models import Discussion
    from forum.extensions import db
    from forum.guests import service as guests
    from forum.guests.models import OrganisationKind
    from forum.moderation import service as moderation
    from forum.proposals.models import TopicProposal
    from forum.rooms.service import get_room
    from forum.threads import service as threads_service

    fr, br, ke, mx = (find_user_by_email(email) for email in (DELEGATE_FR, DELEGATE_BR, DELEGATE_KE, DELEGATE_MX))
    thread = threads_service.start_thread(
        get_room("strategies-fr"),
        author=fr,
        title="Indicateurs d'une stratégie nationale de PI",
        body="Quels **indicateurs** suivez-vous chaque année ?",
    )
    flagged = threads_service.reply(thread, author=mx, body="Nous suivons le nombre de demandes déposées par les PME.")
    moderation.flag_post(flagged, by=ke, clause="3.1", note="Hors sujet ?")
    hidden = threads_service.reply(thread, author=br, body="Visitez notre boutique en ligne !")
    moderation.flag_post(hidden, by=ke, clause="3.4", note="Publicité.")
    moderation.hide_post(hidden, by=find_user_by_email(LANGUAGE_MODERATOR), clause="3.4", reason="Publicité.")

    # The demo's weekly discussion and topic proposal (flask forum seed-demo).
    discussion = db.session.scalar(select(Discussion).order_by(Discussion.id))
    proposal = db.session.scalar(select(TopicProposal).order_by(TopicProposal.id))
    invitation = guests.request_guest(
        discussion,
        by=ke,
        guest_name="Grace Mwangi",
        email="grace.mwangi@strathmore.example",
        organisation="Strathmore University",
        organisation_kind=OrganisationKind.academic,
        justification="She evaluated the technical assistance our office received in 2024.",
        languages=["en"],
    )
    db.session.flush()
    return {
        "discussion": discussion.id,
        "proposal": proposal.id,
        "flagged_post": flagged.id,
        "guest_request": invitation.id,
    }
