"""Every kind of notification in one registry: its group, its wording, its default delivery.

`notify(user, kind, link, **params)` stores parameters, never finished text;
the notifications page and the e-mails word them here, in the reader's
language and time zone. Users choose a delivery per *group* of kinds (replies
in followed threads, mentions, weekly discussion openings…): immediately, in a
daily or weekly digest, or never. A kind missing from the registry (a row
left by an older version) is worded generically and never breaks a page.
"""

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from forum.dbtypes import StateEnum
from forum.formatting import format_moment


class Delivery(StateEnum):
    """When a group of notifications is e-mailed (the in-forum list always shows them)."""

    immediately = "immediately"
    daily = "daily"
    weekly = "weekly"
    never = "never"

    @property
    def label(self):
        return str(DELIVERY_LABELS[self])


DELIVERY_LABELS = {
    Delivery.immediately: _l("Immediately, one e-mail each"),
    Delivery.daily: _l("In a daily digest"),
    Delivery.weekly: _l("In a weekly digest"),
    Delivery.never: _l("Never by e-mail"),
}

# The digests, in the order a settings page names them.
DIGEST_PERIODS = (Delivery.daily, Delivery.weekly)


class Group(StateEnum):
    """What a person chooses a delivery for: kinds that matter to them in the same way."""

    replies = "replies"
    mentions = "mentions"
    discussions = "discussions"
    experts = "experts"
    proposals = "proposals"
    guests = "guests"
    moderation = "moderation"

    @property
    def label(self):
        return str(GROUP_LABELS[self])

    @property
    def default(self):
        return GROUP_DEFAULTS[self]

    @property
    def kinds(self):
        return [kind for kind in KINDS.values() if kind.group == self]


GROUP_LABELS = {
    Group.replies: _l("Replies in threads you follow"),
    Group.mentions: _l("Mentions of your name"),
    Group.discussions: _l("Weekly discussions that open"),
    Group.experts: _l("Invitations as a Secretariat expert"),
    Group.proposals: _l("Topic proposals"),
    Group.guests: _l("Guest requests"),
    Group.moderation: _l("Moderation of your messages and account"),
}

# What the forum is for comes at once (the week's discussion, being named, decisions about what
# one asked for or wrote); the steady flow of replies comes once a day.
GROUP_DEFAULTS = {
    Group.replies: Delivery.daily,
    Group.mentions: Delivery.immediately,
    Group.discussions: Delivery.immediately,
    Group.experts: Delivery.immediately,
    Group.proposals: Delivery.immediately,
    Group.guests: Delivery.immediately,
    Group.moderation: Delivery.immediately,
}


@dataclass(frozen=True)
class Reader:
    """Who a notification is worded for: a locale and a time zone (the page's reader, or an e-mail's recipient)."""

    locale: str
    zone: ZoneInfo

    @classmethod
    def of(cls, user):
        """The user's own interface language and time zone (the forum's, when theirs is unset or unknown)."""
        return cls(user.locale or "en", zone_named(user.timezone))

    def when(self, value):
        """A timestamp (a datetime or an ISO 8601 string from a notification's params), in this reader's zone."""
        if isinstance(value, str):
            try:
                value = datetime.fromisoformat(value)
            except ValueError:
                return ""
        if value is None:
            return ""
        return format_moment(value, "medium", locale=self.locale, zone=self.zone)


def zone_named(name):
    """The time zone `name`, or the forum's own for a missing or unknown name."""
    try:
        return ZoneInfo(name or current_app.config["FORUM_TIMEZONE"])
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(current_app.config["FORUM_TIMEZONE"])


@dataclass(frozen=True)
class Kind:
    """One kind of notification: `wording(params, reader)` is the sentence, in the current locale."""

    name: str
    group: Group
    label: object
    wording: object
    # The kinds whose params name the post they are about (`post_id`): e-mails show that post.
    shows_post: bool = False
    # A second sentence for e-mails, `detail(params, reader)` (a time in the reader's zone), or None.
    detail: object = None

    @property
    def default(self):
        return self.group.default


KINDS = {}


def _kind(name, group, label, *, shows_post=False, detail=None):
    """Register a kind; the decorated function words it."""

    def register(wording):
        KINDS[name] = Kind(name, group, label, wording, shows_post, detail)
        return wording

    return register


def get(name):
    """The registered kind called `name`, or None."""
    return KINDS.get(name)


def group_of(name):
    """The group of a kind, or None for an unknown kind (it is never e-mailed)."""
    kind = KINDS.get(name)
    return kind.group if kind else None


def detail(notification, reader):
    """The kind's second sentence for e-mails, or None."""
    kind = KINDS.get(notification.kind)
    if kind is None or kind.detail is None or not isinstance(notification.params, dict):
        return None
    try:
        return kind.detail(_Params(notification.params), reader) or None
    except (KeyError, TypeError, ValueError):
        return None


def describe(notification, reader):
    """The notification's sentence in the current locale; a generic one for an unknown kind or broken params."""
    kind = KINDS.get(notification.kind)
    params = notification.params if isinstance(notification.params, dict) else {}
    if kind is not None:
        try:
            return kind.wording(_Params(params), reader)
        except (KeyError, TypeError, ValueError):
            # A row written by an older version with other params: the generic sentence below.
            pass
    text = params.get("text")
    return text if isinstance(text, str) and text else _("You have a new notification.")


class _Params(dict):
    """A notification's params: a missing one reads as an empty string, any value as text."""

    def __getitem__(self, name):
        value = self.get(name)
        return "" if value is None else str(value)


# Replies and mentions ----------------------------------------------------------


@_kind("reply", Group.replies, _l("A reply in a thread you follow"), shows_post=True)
def _reply(p, reader):
    return _("%(author)s replied in “%(thread)s”", author=p["author"], thread=p["thread"])


@_kind("mention", Group.mentions, _l("Someone mentions you in a message"), shows_post=True)
def _mention(p, reader):
    return _("%(author)s mentioned you in “%(thread)s”", author=p["author"], thread=p["thread"])


# Weekly discussions ------------------------------------------------------------


def _open_until(p, reader):
    return _("Open until %(when)s.", when=reader.when(p["closes_at"])) if p.get("closes_at") else None


def _opens_on(p, reader):
    return _("The discussion opens on %(when)s.", when=reader.when(p["opens_at"])) if p.get("opens_at") else None


@_kind("discussion_opened", Group.discussions, _l("A weekly discussion opens"), detail=_open_until)
def _discussion_opened(p, reader):
    return _("The weekly discussion “%(title)s” is open", title=p["title"])


@_kind("expert_invited", Group.experts, _l("You are invited into a discussion as an expert"), detail=_opens_on)
def _expert_invited(p, reader):
    return _(
        "%(author)s invited you as a Secretariat expert into the discussion “%(title)s”",
        author=p["by"],
        title=p["title"],
    )


# Topic proposals ---------------------------------------------------------------


@_kind("proposal_submitted", Group.proposals, _l("A member proposes a topic (moderators)"))
def _proposal_submitted(p, reader):
    return _("%(author)s proposed the topic “%(title)s”", author=p["author"], title=p["title"])


@_kind("proposal_under_consideration", Group.proposals, _l("Your proposal is under consideration"))
def _proposal_under_consideration(p, reader):
    return _("Your proposal “%(title)s” is under consideration", title=p["title"])


@_kind("proposal_accepted", Group.proposals, _l("Your proposal is accepted"))
def _proposal_accepted(p, reader):
    return _("Your proposal “%(title)s” is accepted", title=p["title"])


@_kind("proposal_declined", Group.proposals, _l("Your proposal is declined"))
def _proposal_declined(p, reader):
    return _("Your proposal “%(title)s” is declined: see the reason", title=p["title"])


@_kind("proposal_scheduled", Group.proposals, _l("Your proposal is scheduled"))
def _proposal_scheduled(p, reader):
    return _("Your proposal “%(title)s” is scheduled as a weekly discussion", title=p["title"])


# Moderation about the reader's posts and account -----------------------------------------------------


@_kind("post_hidden", Group.moderation, _l("A moderator hides your message"))
def _post_hidden(p, reader):
    return _(
        "A moderator hid your message in “%(thread)s” under clause %(clause)s of the usage protocol. "
        "Reason: %(reason)s",
        thread=p["thread"],
        clause=p["clause"],
        reason=p["reason"],
    )


@_kind("post_restored", Group.moderation, _l("A moderator publishes your message again"))
def _post_restored(p, reader):
    return _("A moderator published your message in “%(thread)s” again.", thread=p["thread"])


@_kind("post_approved", Group.moderation, _l("A moderator approves your held message"))
def _post_approved(p, reader):
    return _("Your message in “%(thread)s” was approved and is now published.", thread=p["thread"])


@_kind("flag_upheld", Group.moderation, _l("A message you reported is hidden"))
def _flag_upheld(p, reader):
    return _("Thank you: the message you reported in “%(thread)s” was hidden.", thread=p["thread"])


@_kind("flag_dismissed", Group.moderation, _l("A message you reported stays published"))
def _flag_dismissed(p, reader):
    return _(
        "The moderators looked at the message you reported in “%(thread)s” and left it published.",
        thread=p["thread"],
    )


@_kind("warning", Group.moderation, _l("A moderator warns you"))
def _warning(p, reader):
    return _(
        "A moderator warned you under clause %(clause)s of the usage protocol: %(reason)s",
        clause=p["clause"],
        reason=p["reason"],
    )


@_kind("warning_withdrawn", Group.moderation, _l("A warning to you is withdrawn"))
def _warning_withdrawn(p, reader):
    return _("The warning you received under clause %(clause)s was withdrawn.", clause=p["clause"])


@_kind("suspension", Group.moderation, _l("Your account is suspended"))
def _suspension(p, reader):
    if p.get("until"):
        return _(
            "Your account is suspended until %(until)s under clause %(clause)s of the usage protocol: %(reason)s",
            until=reader.when(p["until"]),
            clause=p["clause"],
            reason=p["reason"],
        )
    return _(
        "Your account is suspended until a moderator lifts the suspension, under clause %(clause)s of the usage "
        "protocol: %(reason)s",
        clause=p["clause"],
        reason=p["reason"],
    )


@_kind("suspension_lifted", Group.moderation, _l("Your suspension is lifted"))
def _suspension_lifted(p, reader):
    return _("Your suspension was lifted: you can write again.")


# Guest requests ------------------------------------------------------------------


@_kind("guest_requested", Group.guests, _l("A guest is requested (chief moderators)"))
def _guest_requested(p, reader):
    return _(
        "A guest is requested for the discussion “%(title)s”: %(name)s (%(organisation)s). Please assess the request.",
        title=p["title"],
        name=p["name"],
        organisation=p["organisation"],
    )


@_kind("guest_recommended", Group.guests, _l("Your guest request is recommended"))
def _guest_recommended(p, reader):
    return _(
        "The moderator recommended your request for %(name)s in “%(title)s” under clause %(clause)s of the usage "
        "protocol; an administrator will now decide. Reason: %(reason)s",
        name=p["name"],
        title=p["title"],
        clause=p["clause"],
        reason=p["reason"],
    )


@_kind("guest_rejected", Group.guests, _l("Your guest request is rejected by the moderator"))
def _guest_rejected(p, reader):
    return _(
        "The moderator rejected your request for %(name)s in “%(title)s” under clause %(clause)s of the usage "
        "protocol: %(reason)s",
        name=p["name"],
        title=p["title"],
        clause=p["clause"],
        reason=p["reason"],
    )


@_kind("guest_awaiting_approval", Group.guests, _l("A guest request awaits approval (administrators)"))
def _guest_awaiting_approval(p, reader):
    return _(
        "A guest request awaits your approval: %(name)s (%(organisation)s) in “%(title)s”.",
        name=p["name"],
        organisation=p["organisation"],
        title=p["title"],
    )


@_kind("guest_approved", Group.guests, _l("Your guest request is approved"))
def _guest_approved(p, reader):
    return _(
        "Your request for %(name)s in “%(title)s” is approved: the invitation is sent.",
        name=p["name"],
        title=p["title"],
    )


@_kind("guest_declined", Group.guests, _l("Your guest request is declined by an administrator"))
def _guest_declined(p, reader):
    return _(
        "An administrator rejected your request for %(name)s in “%(title)s”: %(reason)s",
        name=p["name"],
        title=p["title"],
        reason=p["reason"],
    )


@_kind("guest_accepted", Group.guests, _l("Your guest accepts the invitation"))
def _guest_accepted(p, reader):
    return _("%(name)s accepted the invitation to “%(title)s”.", name=p["name"], title=p["title"])


@_kind("guest_revoked", Group.guests, _l("A guest's invitation is revoked"))
def _guest_revoked(p, reader):
    return _(
        "The invitation of %(name)s to “%(title)s” was revoked: %(reason)s",
        name=p["name"],
        title=p["title"],
        reason=p["reason"],
    )


# Deletion requests (forum.erasure) -----------------------------------------------------------------


def _deletion_scope(p):
    scope = p["scope"]
    if scope == "thread":
        return _("your request to delete a thread")
    if scope == "account":
        return _("your request to delete your account")
    return _("your request to delete a message")


@_kind("deletion_requested", Group.moderation, _l("Your deletion request is received"))
def _deletion_requested(p, reader):
    return _("We received %(request)s; the chief moderator will answer it.", request=_deletion_scope(p))


@_kind("deletion_recorded", Group.moderation, _l("A deletion request is recorded for you"))
def _deletion_recorded(p, reader):
    return _(
        "A moderator recorded, on your behalf, a request received by e-mail or letter: %(request)s.",
        request=_deletion_scope(p),
    )


@_kind("deletion_carried_out", Group.moderation, _l("Your deletion request is carried out"))
def _deletion_carried_out(p, reader):
    return _("The chief moderator carried out %(request)s.", request=_deletion_scope(p))


@_kind("deletion_partly_carried_out", Group.moderation, _l("Your deletion request is partly carried out"))
def _deletion_partly_carried_out(p, reader):
    return _(
        "The chief moderator carried out %(request)s in part: %(note)s", request=_deletion_scope(p), note=p["note"]
    )


@_kind("deletion_refused", Group.moderation, _l("Your deletion request is refused"))
def _deletion_refused(p, reader):
    return _(
        "The chief moderator refused %(request)s under clause %(clause)s of the usage protocol. Reason: %(reason)s",
        request=_deletion_scope(p),
        clause=p["clause"],
        reason=p["reason"],
    )
