"""Posting rules: the usage protocol's plain cases, enforced automatically when a post is written.

Three rules, each configurable (config.py): a posting rate limit per user
(POST_RATE_LIMIT), a maximum number of links per post for new members
(NEW_MEMBER_DAYS, NEW_MEMBER_MAX_LINKS), and blocked terms (BLOCKED_TERMS)
that hold a post for a moderator instead of publishing it. The room's
moderators are exempt: they write summaries and quote what they moderate.

The functions return a translated message (or a verdict) and raise nothing,
so the threads service, which posts, decides how to refuse.
"""

import re
from datetime import timedelta
from functools import lru_cache

from flask import current_app
from flask_babel import format_date, format_timedelta, ngettext
from flask_babel import gettext as _
from limits import parse as parse_limit
from sqlalchemy import func, select

from forum import clock, policy
from forum.content import count_links
from forum.extensions import db
from forum.threads.models import Post

_DISABLED = {"", "0", "off", "none", "false"}


def rate_limit():
    """(posts, seconds) from POST_RATE_LIMIT ("6 per minute"), or None when switched off."""
    config = current_app.config
    setting = config.get("POST_RATE_LIMIT")
    if not config.get("RATELIMIT_ENABLED", True) or setting is None or str(setting).strip().lower() in _DISABLED:
        return None
    item = _parse(str(setting))
    return item.amount, item.get_expiry()


@lru_cache(maxsize=8)
def _parse(setting):
    return parse_limit(setting)


def _exempt(author, room):
    return policy.can_moderate_room(author, room)


def posting_too_fast(author, room):
    """The message to show if `author` has used up the posting rate limit, else None (one query)."""
    limit = rate_limit()
    if limit is None or _exempt(author, room):
        return None
    amount, seconds = limit
    since = clock.now() - timedelta(seconds=seconds)
    # Every room and held posts too: the limit is per person, and a held post must not free a slot.
    recent = db.session.scalar(select(func.count(Post.id)).where(Post.author_id == author.id, Post.created_at > since))
    if recent < amount:
        return None
    period = format_timedelta(timedelta(seconds=seconds), threshold=1.0)
    return ngettext(
        "You are posting too quickly: at most %(num)d message in %(period)s. Please wait a little and send it again.",
        "You are posting too quickly: at most %(num)d messages in %(period)s. Please wait a little and send it again.",
        amount,
        period=period,
    )


def is_new_member(user):
    days = current_app.config.get("NEW_MEMBER_DAYS") or 0
    # From activation: an account created long before its owner first signed in is still new.
    joined = user.activated_at or user.created_at
    return days > 0 and joined is not None and joined > clock.now() - timedelta(days=days)


def too_many_links(author, room, body):
    """The message to show if a new member's post has more links than allowed, else None."""
    maximum = current_app.config.get("NEW_MEMBER_MAX_LINKS")
    if maximum is None or maximum < 0 or _exempt(author, room) or not is_new_member(author):
        return None
    found = count_links(body)
    if found <= maximum:
        return None
    # The day the author stops being new, rather than "your first 1 week", which no language says well.
    until = (author.activated_at or author.created_at) + timedelta(days=current_app.config["NEW_MEMBER_DAYS"])
    return ngettext(
        "Until %(date)s, as a new member you may put at most %(num)d link in a message; this one has %(found)d.",
        "Until %(date)s, as a new member you may put at most %(num)d links in a message; this one has %(found)d.",
        maximum,
        date=format_date(until, format="long"),
        found=found,
    )


def blocked_terms():
    setting = current_app.config.get("BLOCKED_TERMS") or ()
    # An environment variable gives a comma-separated string; config.py may give a list.
    if isinstance(setting, str):
        setting = setting.split(",")
    return tuple(term.strip() for term in setting if term and term.strip())


@lru_cache(maxsize=8)
def _terms_pattern(terms):
    # Whole words only, so "class" does not catch "classification".
    # Longest first, so a term that contains another ("foo bar", "foo") is matched whole.
    alternatives = "|".join(re.escape(term) for term in sorted(terms, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)


def blocked_terms_in(text):
    """The blocked terms `text` contains, as configured, in order of first appearance."""
    terms = blocked_terms()
    if not terms or not text:
        return []
    # Reported as configured, not as the author cased it, so the audit event names the term as set.
    lookup = {term.casefold(): term for term in terms}
    found = []
    for match in _terms_pattern(terms).finditer(text):
        term = lookup.get(match.group(0).casefold(), match.group(0))
        if term not in found:
            found.append(term)
    return found


def title_refusal(author, room, title):
    """Thread titles are shown in room lists at once, so a blocked term there is refused, not held."""
    if title and not _exempt(author, room) and blocked_terms_in(title):
        return _("The title contains a term that is not allowed in this forum. Please rephrase it.")
    return None


def should_hold(author, room, body):
    """True if the post must wait for a moderator's approval (it contains a blocked term)."""
    return not _exempt(author, room) and bool(blocked_terms_in(body))
