"""A known history for the statistics tests: four weeks of November 2026 and a little around them.

Period: Monday 2 to Sunday 29 November 2026 in Geneva (UTC+1 in winter), weeks from the 2nd, 9th,
16th and 23rd. Member states: France, Germany (Group B), Brazil (GRULAC), Kenya (African Group)
post; Argentina only reads; Japan has an account and does nothing in the period. The figures each
test expects are worked out in the comments of `history`.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from forum.discussions.models import Discussion, DiscussionText
from forum.extensions import db
from forum.members.models import MemberState
from forum.moderation.models import Flag, FlagStatus, Sanction, SanctionKind
from forum.notifications.models import EmailStatus, OutgoingEmail
from forum.proposals.models import Endorsement, ProposalStatus, TopicProposal
from forum.rooms.service import get_room
from forum.stats.models import ActivityDay
from forum.threads.models import Post, PostState, Thread, ThreadKind

FIRST, LAST = date(2026, 11, 2), date(2026, 11, 29)
PERIOD_ARGS = {"period": "custom", "first": "2026-11-02", "last": "2026-11-29"}


def at(day, hour=10, minute=0):
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


def start_thread(room, author, moment, discussion=None, title="A thread"):
    thread = Thread(
        room_id=room.id,
        title=title,
        author_id=author.id,
        created_at=moment,
        last_post_at=moment,
        kind=ThreadKind.weekly if discussion else ThreadKind.member,
        discussion_id=discussion.id if discussion else None,
    )
    db.session.add(thread)
    db.session.flush()
    write(thread, author, moment)
    return thread


def write(thread, author, moment, state=PostState.visible):
    thread.post_count += 1
    post = Post(
        thread_id=thread.id,
        number=thread.post_count,
        author_id=author.id,
        source="text",
        html="<p>text</p>",
        created_at=moment,
        state=state,
    )
    db.session.add(post)
    db.session.flush()
    return post


@dataclass
class History:
    users: dict
    discussion: Discussion


@pytest.fixture
def history(app, make_user, frozen_clock):
    frozen_clock.set(datetime(2026, 10, 1, 9, 0, tzinfo=UTC))
    users = {
        code: make_user("delegate", state=code, name=f"Zebulon {code} Person") for code in ("FRA", "DEU", "BRA", "KEN")
    }
    users["ARG"] = make_user("delegate", state="ARG", name="Zebulon ARG Person")
    users["staff"] = make_user("staff", name="Zebulon Expert")
    users["moderator"] = make_user("moderator", name="Zebulon Moderator")
    users["guest"] = make_user("guest", name="Zebulon Guest", organisation="=University of Nairobi")
    frozen_clock.set(at(5))
    # Created and activated in the period: one delegation account.
    users["JPN"] = make_user("delegate", state="JPN", name="Zebulon JPN Person")
    en, fr = get_room("capacity-en"), get_room("capacity-fr")

    # Before the period: not counted anywhere.
    before = start_thread(en, users["FRA"], datetime(2026, 10, 26, 10, tzinfo=UTC))
    # Week of 2 November: France starts a thread, Brazil replies (2 posts, 1 thread, en).
    first = start_thread(en, users["FRA"], at(3))
    write(first, users["BRA"], at(4))
    # Week of 9 November: Germany starts a thread in French, France replies (2 posts, 1 thread, fr);
    # a hidden post by Germany and a held one by Kenya are moderation, not participation.
    french = start_thread(fr, users["DEU"], at(10))
    write(french, users["FRA"], at(10, 12))
    hidden = write(french, users["DEU"], at(11), PostState.hidden)
    write(french, users["KEN"], at(12), PostState.held)
    # Sunday 15 November 23:30 UTC is Monday 16 November 00:30 in Geneva: the week of the 16th.
    write(french, users["DEU"], at(15, 23, 30))

    # Week of 16 November: a weekly discussion in English and French, opened by the moderator at 08:00 UTC.
    discussion = Discussion(
        category_id=en.category_id, opens_at=at(16, 8), closes_at=at(23, 8), created_by_id=users["moderator"].id
    )
    discussion.texts = [
        DiscussionText(language_code="en", title="Measuring impact", opening_source="Opening"),
        DiscussionText(language_code="fr", title="Mesurer l'impact", opening_source="Ouverture"),
    ]
    db.session.add(discussion)
    db.session.flush()
    weekly_en = start_thread(en, users["moderator"], at(16, 8), discussion)
    weekly_fr = start_thread(fr, users["moderator"], at(16, 8), discussion)
    write(weekly_en, users["FRA"], at(16, 10))  # first reply, two hours after the opening
    write(weekly_fr, users["KEN"], at(17))
    write(weekly_en, users["guest"], at(17, 11))
    write(weekly_en, users["staff"], at(18))
    # A cancelled discussion is never counted.
    db.session.add(
        Discussion(
            category_id=en.category_id,
            opens_at=at(18, 8),
            closes_at=at(25, 8),
            created_by_id=users["moderator"].id,
            cancelled_at=at(17),
            texts=[DiscussionText(language_code="en", title="Cancelled topic", opening_source="x")],
        )
    )

    # Week of 23 November: Brazil again; France late on Sunday in Geneva (22:30 UTC is 23:30 there).
    write(first, users["BRA"], at(23, 12))
    write(first, users["FRA"], at(29, 22, 30))
    # 23:30 UTC on the 29th is already Monday 30 November in Geneva: after the period.
    write(first, users["FRA"], at(29, 23, 30))
    write(before, users["FRA"], datetime(2026, 10, 27, tzinfo=UTC))

    # Reading: Argentina on the 20th (active without posting); Japan only before the period.
    db.session.add(ActivityDay(user_id=users["ARG"].id, day=date(2026, 11, 20)))
    db.session.add(ActivityDay(user_id=users["JPN"].id, day=date(2026, 10, 30)))
    db.session.add(ActivityDay(user_id=users["FRA"].id, day=date(2026, 11, 3)))

    # Topic proposals: one made on the 5th and accepted; endorsed by Brazil (GRULAC).
    proposal = TopicProposal(
        proposer_id=users["FRA"].id,
        member_state_id=users["FRA"].member_state_id,
        title="Technology transfer",
        description_source="d",
        description_html="<p>d</p>",
        category_id=en.category_id,
        status=ProposalStatus.accepted,
        created_at=at(5),
    )
    db.session.add(proposal)
    db.session.flush()
    brazil = db.session.scalar(select(MemberState).where(MemberState.code == "BRA"))
    db.session.add(
        Endorsement(proposal_id=proposal.id, user_id=users["BRA"].id, group_id=brazil.group_id, created_at=at(6))
    )

    # Moderation: two reports (one handled after six hours), a warning.
    db.session.add_all(
        [
            Flag(
                post_id=hidden.id,
                reporter_id=users["FRA"].id,
                clause="2.1",
                protocol_version=1,
                status=FlagStatus.upheld,
                created_at=at(11, 10),
                handled_at=at(11, 16),
                handled_by_id=users["moderator"].id,
            ),
            Flag(post_id=hidden.id, reporter_id=users["BRA"].id, clause="2.1", protocol_version=1, created_at=at(12)),
            Sanction(
                user_id=users["DEU"].id,
                kind=SanctionKind.warning,
                clause="2.1",
                protocol_version=1,
                reason="r",
                created_at=at(11, 17),
            ),
        ]
    )
    # E-mail: two sent in the period, one sent before it, one still waiting.
    for moment, status in (
        (at(20), EmailStatus.sent),
        (at(21), EmailStatus.sent),
        (at(1) - timedelta(days=3), EmailStatus.sent),
        (None, EmailStatus.pending),
    ):
        db.session.add(
            OutgoingEmail(
                to="someone@example.org",
                subject="s",
                body="b",
                status=status,
                sent_at=moment,
                created_at=at(1) - timedelta(days=5),
            )
        )
    db.session.commit()
    # The pages are read on Monday 30 November, after the period.
    frozen_clock.set(datetime(2026, 11, 30, 10, 0, tzinfo=UTC))
    return History(users, discussion)
