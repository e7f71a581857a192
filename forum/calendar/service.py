"""Calendar feeds: private feed addresses, and weekly discussions as iCalendar events (RFC 5545).

A user subscribes their calendar app to a private address (`/calendar/<token>.ics`)
that needs no sign-in: the token in it is the credential, so only its hash is
stored (forum.tokens), and a new address revokes the old one. The feed lists
the weekly discussions the address's owner may know of now
(`policy.visible_discussions`), one event each, titled in the owner's
interface language and linked to the thread in that language.

Each event keeps its UID for good. Its SEQUENCE is the discussion's `sequence`,
which forum.discussions raises whenever the times, the titles or the
cancellation change, so calendar apps replace their copy; a cancelled
discussion stays in the feed with STATUS:CANCELLED.

An open-ended discussion (no closing time) is an event with a DTSTART and no
DTEND: RFC 5545 §3.6.1 makes it an event at the opening instant, which is
what is known. A made-up end would show a closing that nobody scheduled.
"""

import re
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from icalendar import Calendar, Event
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from forum import clock, policy
from forum.calendar.models import CalendarFeed
from forum.discussions.models import Discussion
from forum.errors import Invalid, NotAllowed
from forum.extensions import db
from forum.rooms.models import Language, Room
from forum.threads.models import Thread
from forum.tokens import hash_token, new_token
from forum.urls import absolute_url

PRODID = "-//CDIP Technical Assistance Forum//Weekly discussions//EN"
# Calendar apps that honour it (REFRESH-INTERVAL, RFC 7986; X-PUBLISHED-TTL) fetch the feed again hourly.
REFRESH_INTERVAL = timedelta(hours=1)
# The feed holds what is running or planned, and what opened in the last year; older discussions are
# on the topics page. The cap keeps a feed fetched every hour small whatever the forum's age.
FEED_PAST = timedelta(days=365)
FEED_LIMIT = 500
# new_token() makes 43 URL-safe characters; anything far from that is not looked up at all.
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{20,100}")


# Feed addresses ------------------------------------------------------------------


def feed_of(user):
    """The user's calendar feed, or None."""
    return db.session.scalar(select(CalendarFeed).where(CalendarFeed.user_id == user.id))


def create_feed(*, by):
    """A new private feed address for `by`, replacing (and so revoking) any earlier one.

    Returns (feed, token): the token is shown to the user once and never
    stored. Raises NotAllowed (403) for those who may not have a feed.
    """
    if not policy.can_have_calendar_feed(by):
        raise NotAllowed(_("You cannot have a calendar link."))
    token, digest = new_token()
    now = clock.now()
    feed = feed_of(by)
    if feed is not None:
        feed.token_hash = digest
        feed.created_at = now
        db.session.flush()
        return feed, token
    feed = CalendarFeed(user_id=by.id, token_hash=digest, created_at=now)
    db.session.add(feed)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        # Another request of the same user created one at the same moment (user_id is unique).
        raise Invalid(_("Your calendar link was changed at the same moment elsewhere: please try again.")) from None
    return feed, token


def revoke_feed(*, by):
    """Delete the user's feed address: calendar apps that use it get 404 from now on.

    Raises NotAllowed (403) for those who may not have a feed, Invalid when there is none.
    """
    if not policy.can_have_calendar_feed(by):
        raise NotAllowed(_("You cannot have a calendar link."))
    feed = feed_of(by)
    if feed is None:
        raise Invalid(_("You have no calendar link."))
    db.session.delete(feed)
    db.session.flush()


def find_feed(token):
    """The feed whose address holds `token`, or None (unknown, revoked, or its owner may no longer have one)."""
    if not isinstance(token, str) or not TOKEN_PATTERN.fullmatch(token):
        return None
    feed = db.session.scalar(select(CalendarFeed).where(CalendarFeed.token_hash == hash_token(token)))
    if feed is None or not policy.can_have_calendar_feed(feed.user):
        return None
    return feed


def feed_address(token):
    """The absolute https (or http) address of a feed."""
    return absolute_url("calendar.feed", token=token)


def subscribe_address(address):
    """The same address as `webcal://`, which asks the operating system's calendar app to subscribe."""
    return "webcal://" + address.split("://", 1)[1]


# Events ---------------------------------------------------------------------------


def feed_discussions(user, *, now):
    """The discussions of `user`'s feed, by opening time, in a fixed number of queries."""
    recent = or_(
        Discussion.opens_at >= now - FEED_PAST,
        Discussion.closes_at.is_(None),
        Discussion.closes_at > now,
    )
    latest = (
        db.session.scalars(
            select(Discussion)
            .where(policy.visible_discussions(user), recent)
            .options(selectinload(Discussion.category))
            .order_by(Discussion.opens_at.desc(), Discussion.id.desc())
            .limit(FEED_LIMIT)
        )
        .unique()
        .all()
    )
    return latest[::-1]


def feed_calendar(user, *, now=None):
    """The iCalendar text (bytes) of `user`'s feed."""
    now = now or clock.now()
    return _calendar(user, feed_discussions(user, now=now), now, named=True)


def discussion_calendar(discussion, user, *, now=None):
    """One discussion as an iCalendar file (bytes), the same event as in `user`'s feed."""
    return _calendar(user, [discussion], now or clock.now(), named=False)


def _calendar(user, discussions, now, *, named):
    locale = _locale(user)
    threads = _threads_by_discussion([discussion.id for discussion in discussions])
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    with force_locale(locale):
        if named:
            # A subscribed feed is a calendar of its own in the app: give it a name and a refresh rate.
            name = _("Weekly discussions · CDIP Technical Assistance Forum")
            calendar.add("name", name)
            calendar.add("x-wr-calname", name)
            calendar.add("refresh-interval", REFRESH_INTERVAL, parameters={"VALUE": "DURATION"})
            calendar.add("x-published-ttl", "PT1H")
        for discussion in discussions:
            calendar.add_component(_event(discussion, user, locale, threads.get(discussion.id, []), now))
    return calendar.to_ical()


def _locale(user):
    """The owner's interface language: a feed is fetched by a calendar app, which has no session."""
    return user.locale if user.locale in current_app.config["FORUM_UI_LOCALES"] else "en"


def _event(discussion, user, locale, threads, now):
    text = discussion.text_for(locale)
    url = _link(discussion, user, text.language_code, threads)
    event = Event()
    event.add("uid", f"discussion-{discussion.id}@{_server_name()}")
    event.add("dtstamp", now)
    event.add("created", discussion.created_at)
    event.add("last-modified", discussion.updated_at or discussion.created_at)
    event.add("sequence", discussion.sequence or 0)
    event.add("dtstart", discussion.opens_at)
    if discussion.closes_at is not None:
        event.add("dtend", discussion.closes_at)
    event.add("summary", text.title)
    event.add("description", _description(discussion, locale, url))
    if url:
        event.add("url", url)
    event.add("status", "CANCELLED" if discussion.is_cancelled else "CONFIRMED")
    # A discussion runs for days alongside everything else: it does not make the person busy.
    event.add("transp", "TRANSPARENT")
    return event


def _description(discussion, locale, url):
    category = discussion.category.text(locale)[0]
    lines = [_("A weekly discussion of the CDIP Technical Assistance Forum (%(category)s).", category=category)]
    if discussion.is_cancelled:
        lines.append(_("This discussion is cancelled."))
    elif discussion.closes_at is None:
        lines.append(_("Open-ended: no closing time is set."))
    if url:
        lines.append(url)
    return "\n".join(lines)


def _server_name():
    """The host of FORUM_BASE_URL: the right-hand part of every UID, stable for the life of the site."""
    return urlsplit(current_app.config["FORUM_BASE_URL"]).hostname or "forum"


@dataclass(frozen=True)
class _ThreadRow:
    thread_id: int
    language_code: str
    active: bool


def _threads_by_discussion(discussion_ids):
    """{discussion id: [_ThreadRow in the languages' order]} in one query."""
    if not discussion_ids:
        return {}
    rows = db.session.execute(
        select(Thread.id, Thread.discussion_id, Room.language_code, Language.active)
        .join(Room, Room.id == Thread.room_id)
        .join(Language, Language.code == Room.language_code)
        .where(Thread.discussion_id.in_(discussion_ids))
        .order_by(Language.position, Language.code)
    ).all()
    index = {}
    for thread_id, discussion_id, code, active in rows:
        index.setdefault(discussion_id, []).append(_ThreadRow(thread_id, code, active))
    return index


def _link(discussion, user, preferred_code, threads):
    """Where the event leads: the thread in the owner's language when they may go there, else another.

    A cancelled discussion's threads never open: members are sent to the
    discussion's page, guests (who have no such page) nowhere.
    """
    if discussion.is_cancelled:
        if policy.can_view_topics(user):
            return absolute_url("discussions.view", discussion_id=discussion.id)
        return None
    usable = [row for row in threads if _may_follow(user, discussion, row)]
    chosen = next((row for row in usable if row.language_code == preferred_code), usable[0] if usable else None)
    if chosen is not None:
        return absolute_url("threads.thread", thread_id=chosen.thread_id)
    if policy.can_view_topics(user):
        return absolute_url("discussions.view", discussion_id=discussion.id)
    return None


def _may_follow(user, discussion, row):
    """The thread's room is one the user reads (once the discussion has opened: the feed lists planned ones too)."""
    if policy.is_guest(user):
        return row.active and policy.guest_may_use_language(user, discussion.id, row.language_code)
    return row.active or policy.can_moderate_language(user, row.language_code)
