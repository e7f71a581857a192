"""The registry of notification kinds: every kind the forum sends is worded there, in every language."""

import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from flask_babel import force_locale

from forum.extensions import db
from forum.notifications import kinds
from forum.notifications.kinds import Group, Reader, zone_named
from forum.notifications.models import Notification
from forum.notifications.service import notify

ENGLISH = Reader("en", ZoneInfo("Europe/Zurich"))
FORUM = Path(__file__).resolve().parents[2] / "forum"
PARAMS = {
    "author": "Ana",
    "thread": "Evaluation",
    "title": "Offices",
    "by": "Chief",
    "clause": "2.1",
    "reason": "Off topic",
    "until": "2026-12-01T10:00:00+00:00",
    "name": "Amina",
    "organisation": "University",
}


CALLS = re.compile(r"\b(?:notify|notify_all|_notify_\w+|_tell_reporters)\(")
# Not dictionary keys read nearby (`.get("flags")`).
LITERAL = re.compile(r"(?<!get\()\"([a-z]+(?:_[a-z]+)*)\"")


def _kinds_sent_in_code():
    """Every snake_case literal in the first lines of a notify(...) call (or a helper's) in the forum's code."""
    names = set()
    for path in FORUM.rglob("*.py"):
        lines = path.read_text().splitlines()
        for number, line in enumerate(lines):
            if CALLS.search(line) and not line.lstrip().startswith("def "):
                names.update(LITERAL.findall(" ".join(lines[number : number + 4])))
    return names


def test_every_kind_the_forum_sends_is_registered(app):
    from forum.proposals.models import ProposalStatus

    sent = _kinds_sent_in_code()
    assert {"reply", "mention", "discussion_opened", "post_hidden", "guest_requested", "flag_upheld"} <= sent
    assert sent <= set(kinds.KINDS), sorted(sent - set(kinds.KINDS))
    # proposals.service names decisions f"proposal_{status.value}".
    decided = {f"proposal_{status.value}" for status in ProposalStatus} & set(kinds.KINDS)
    assert {"proposal_under_consideration", "proposal_accepted", "proposal_declined"} <= decided


@pytest.mark.parametrize("name", sorted(kinds.KINDS))
def test_every_kind_is_worded_from_its_params_in_the_readers_language(app, name):
    kind = kinds.KINDS[name]
    notification = Notification(kind=name, params=dict(PARAMS))
    english = kinds.describe(notification, ENGLISH)
    with force_locale("fr"):
        french = kinds.describe(notification, Reader("fr", ZoneInfo("Europe/Zurich")))
    assert english != "You have a new notification."
    assert str(kind.label) and kind.group.label
    # The sentences moved here from the page's template kept their msgids, so their translations still apply
    # (the mention is new: tests/test_i18n.py checks the catalogues for it).
    if name != "mention":
        assert french != english


def test_every_group_has_a_default_and_kinds(app):
    for group in Group:
        assert group.default in kinds.Delivery
        assert group.kinds
    assert Group.discussions.default.is_immediately and Group.mentions.default.is_immediately
    assert Group.replies.default.is_daily
    assert Group.moderation.default.is_immediately and Group.proposals.default.is_immediately
    assert Group.guests.default.is_immediately


def test_times_in_a_wording_follow_the_reader(app):
    notification = Notification(kind="suspension", params=dict(PARAMS))
    tokyo = kinds.describe(notification, Reader("en", zone_named("Asia/Tokyo")))
    geneva = kinds.describe(notification, Reader("en", zone_named("Europe/Zurich")))
    assert "7:00" in tokyo and "11:00" in geneva


@pytest.mark.parametrize("params", [{}, {"title": None}, {"until": "not a date", "clause": 3}, ["a list"], None])
def test_missing_or_broken_params_never_break_the_wording(app, params):
    for name in kinds.KINDS:
        assert isinstance(kinds.describe(Notification(kind=name, params=params), ENGLISH), str)


def test_an_unknown_kind_reads_generically(app):
    reader = ENGLISH
    assert kinds.describe(Notification(kind="from_the_future", params={}), reader) == "You have a new notification."
    assert kinds.describe(Notification(kind="legacy", params={"text": "Old text"}), reader) == "Old text"
    assert kinds.group_of("from_the_future") is None


def test_notifications_page_words_every_kind_and_survives_unknown_ones(client, login, delegate, outbox):
    notify(delegate, "reply", link="/threads/1", author="Ana <b>", thread="Evaluation")
    notify(delegate, "from_the_future", link="/x", whatever=1)
    db.session.add(Notification(user_id=delegate.id, kind="proposal_accepted", params=None))
    db.session.commit()
    login(client, delegate)
    page = client.get("/notifications")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Ana &lt;b&gt; replied in “Evaluation”" in html
    assert "You have a new notification." in html
    # An unknown kind is never e-mailed: it has no group, so no setting says how.
    assert [message.kind for message in outbox()] == []


def test_notifications_page_is_in_the_readers_language(client, login, make_user):
    reader = make_user(locale="fr")
    notify(reader, "discussion_opened", link="/d/1", title="Offices")
    db.session.commit()
    login(client, reader)
    html = client.get("/notifications").get_data(as_text=True)
    assert "La discussion hebdomadaire" in html or "discussion hebdomadaire" in html
    assert "/profile/notifications" in html
