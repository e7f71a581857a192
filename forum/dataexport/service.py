"""A person's own data as one ZIP file: what they wrote, chose and were told, and nothing of anyone else's.

`export_user_data(user, by=...)` is the only entry point; the profile page (for
oneself) and the administrators' account page (for anyone, audited) call it.
Other people appear only as thread titles and links: no other person's post
text, e-mail address or private setting is read into the archive.
"""

import io
import json
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from datetime import UTC

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from forum import audit, clock, policy
from forum.accounts.models import Role
from forum.calendar.models import CalendarFeed
from forum.errors import NotAllowed
from forum.extensions import db
from forum.guests.models import GuestInvitation
from forum.members.models import DirectoryListing
from forum.moderation.models import Sanction
from forum.notifications import kinds, preferences
from forum.notifications.models import Notification
from forum.proposals.models import Endorsement, TopicProposal
from forum.protocol.models import ProtocolAcceptance
from forum.threads.models import Post, PostRevision, PostState
from forum.urls import absolute, absolute_url

# Longest slug in a thread file's name; the id after it keeps names unique.
SLUG_MAX_LENGTH = 60


@dataclass(frozen=True)
class DataExport:
    """The finished archive: its download name and its bytes."""

    filename: str
    content: bytes


def export_user_data(user, *, by):
    """The ZIP of `user`'s own data for `by` (themselves, or an administrator: audited); NotAllowed otherwise."""
    if not policy.can_export_data(by, user):
        raise NotAllowed(_("You may download only your own data."))
    now = clock.now()
    # Everything written in words (README, notifications, Markdown headings) is in the owner's language,
    # also when an administrator downloads it.
    with force_locale(user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        files = _files(user, now)
    if by.id != user.id:
        audit.record(by, "account.export", user)
        db.session.flush()
    return DataExport(filename=f"forum-data-{now.astimezone(UTC):%Y-%m-%d}.zip", content=_zip(files, now))


def _files(user, now):
    """{name in the archive: bytes}."""
    posts = _own_posts(user)
    revisions = _revisions_of(posts)
    files = {
        "account.json": _json(_account(user)),
        "posts.json": _json([_post_record(post, revisions.get(post.id, [])) for post in posts]),
        "proposals.json": _json(_proposals(user)),
        "notifications.json": _json(_notifications(user)),
    }
    for thread, thread_posts in _by_thread(posts):
        files[f"threads/{thread_file_name(thread)}"] = _thread_markdown(thread, thread_posts, revisions).encode()
    files["README.txt"] = _readme(user, now).encode("utf-8")
    return files


def thread_file_name(thread):
    """A file name for a thread that no title can turn into a path: ASCII slug, its id, `.md`."""
    return f"{slugify(thread.title)}-{thread.id}.md"


def slugify(title):
    """Lower-case ASCII letters, digits and single hyphens, at most SLUG_MAX_LENGTH long; "thread" if none."""
    ascii_text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:SLUG_MAX_LENGTH].rstrip("-") or "thread"


# The files ------------------------------------------------------------------------------------


def _iso(moment):
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z") if moment is not None else None


def _json(data):
    return json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")


def _zip(files, now):
    buffer = io.BytesIO()
    stamp = now.astimezone(UTC).timetuple()[:6]
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(zipfile.ZipInfo(name, date_time=stamp), content, zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def _account(user):
    state = user.member_state
    invitation = _guest_invitation(user) if user.role == Role.guest else None
    feed = db.session.scalar(select(CalendarFeed).where(CalendarFeed.user_id == user.id))
    return {
        "id": user.id,
        "email": user.email,
        "display_name": user.display_name,
        "role": user.role.value,
        "regional_group_coordinator": user.is_coordinator,
        "member_state": {"code": state.code, "name": state.name} if state else None,
        "organisation": user.organisation,
        "locale": user.locale,
        "time_zone": user.timezone,
        "active": user.active,
        "created_at": _iso(user.created_at),
        "activated_at": _iso(user.activated_at),
        "last_seen_at": _iso(user.last_seen_at),
        "suspended_until": _iso(user.suspended_until),
        "second_factor_enabled": user.second_factor_enabled,
        "listed_in_directory": db.session.get(DirectoryListing, user.id) is not None,
        "notification_settings": {
            "deliveries": {group.value: preferences.delivery_for(user, group).value for group in kinds.Group},
            "follow_threads_on_reply": preferences.follows_on_reply(user),
        },
        "protocol_acceptances": [
            {"version": acceptance.version.number, "accepted_at": _iso(acceptance.accepted_at)}
            for acceptance in db.session.scalars(
                select(ProtocolAcceptance)
                .where(ProtocolAcceptance.user_id == user.id)
                .order_by(ProtocolAcceptance.accepted_at)
            )
        ],
        "sanctions": [_sanction(sanction) for sanction in _sanctions(user)],
        "guest_invitation": invitation,
        # Whether a private calendar link exists; the link itself is a secret and is not stored readable.
        "calendar_feed": {"exists": feed is not None, "created_at": _iso(feed.created_at) if feed else None},
    }


def _sanctions(user):
    return db.session.scalars(select(Sanction).where(Sanction.user_id == user.id).order_by(Sanction.created_at))


def _sanction(sanction):
    return {
        "kind": sanction.kind.value,
        "clause": sanction.clause,
        "protocol_version": sanction.protocol_version,
        "reason": sanction.reason,
        "created_at": _iso(sanction.created_at),
        "ends_at": _iso(sanction.ends_at),
        "lifted_at": _iso(sanction.lifted_at),
        "lift_reason": sanction.lift_reason,
        "post_link": absolute_url("threads.goto_post", post_id=sanction.post_id) if sanction.post_id else None,
    }


def _guest_invitation(user):
    invitations = db.session.scalars(
        select(GuestInvitation).where(GuestInvitation.guest_user_id == user.id).order_by(GuestInvitation.requested_at)
    ).all()
    # The requester's and deciders' notes are their own work, not the guest's data: only the invitation's terms.
    return [
        {
            "name": invitation.guest_name,
            "organisation": invitation.organisation,
            "organisation_kind": invitation.organisation_kind.value,
            "languages": list(invitation.languages or []),
            "status": invitation.status.value,
            "ends_at": _iso(invitation.ends_at),
            "accepted_at": _iso(invitation.accepted_at),
            "expired_at": _iso(invitation.expired_at),
            "revoked_at": _iso(invitation.revoked_at),
        }
        for invitation in invitations
    ]


def _own_posts(user):
    return db.session.scalars(
        select(Post)
        .where(Post.author_id == user.id)
        .options(selectinload(Post.thread))
        .order_by(Post.thread_id, Post.number)
    ).all()


def _revisions_of(posts):
    """{post id: its earlier versions, oldest first}, in one query."""
    found = {}
    ids = [post.id for post in posts]
    if not ids:
        return found
    for revision in db.session.scalars(
        select(PostRevision).where(PostRevision.post_id.in_(ids)).order_by(PostRevision.created_at, PostRevision.id)
    ):
        found.setdefault(revision.post_id, []).append(revision)
    return found


def _text_kept(post):
    """False when the text is gone: erased at someone's request, or removed."""
    return getattr(post, "erased_at", None) is None and post.state != PostState.removed


def _post_record(post, revisions):
    thread = post.thread
    kept = _text_kept(post)
    return {
        "id": post.id,
        "number": post.number,
        "link": absolute_url("threads.goto_post", post_id=post.id),
        "thread": {
            "id": thread.id,
            "title": thread.title,
            "link": absolute_url("threads.thread", thread_id=thread.id),
        },
        "room": {"slug": thread.room.slug, "language": thread.room.language_code},
        "created_at": _iso(post.created_at),
        "edited_at": _iso(post.edited_at),
        "state": post.state.value,
        "erased_at": _iso(getattr(post, "erased_at", None)),
        "text": post.source if kept else None,
        "revisions": [_revision(revision, post) for revision in revisions] if kept else [],
    }


def _revision(revision, post):
    # Who else edited it (a moderator) is theirs to tell: only whether it was the author.
    return {
        "created_at": _iso(revision.created_at),
        "by_author": revision.editor_id == post.author_id,
        "text": revision.source,
    }


def _by_thread(posts):
    grouped = {}
    for post in posts:
        grouped.setdefault(post.thread_id, (post.thread, []))[1].append(post)
    return grouped.values()


def _thread_markdown(thread, posts, revisions):
    lines = [
        f"# {thread.title}",
        "",
        f"- {_('Link')}: {absolute_url('threads.thread', thread_id=thread.id)}",
        f"- {_('Room')}: {thread.room.slug}",
        "",
    ]
    for post in posts:
        lines += [f"## #{post.number} · {_iso(post.created_at)}", ""]
        if post.edited_at:
            lines += [f"{_('Edited')}: {_iso(post.edited_at)}", ""]
        if post.state != PostState.visible:
            lines += [f"{_('State')}: {post.state.value}", ""]
        if not _text_kept(post):
            lines += [_("The text of this post has been erased."), ""]
            continue
        lines += [post.source, ""]
        for revision in revisions.get(post.id, []):
            lines += [f"### {_('Earlier version')} · {_iso(revision.created_at)}", "", revision.source, ""]
    return "\n".join(lines)


def _proposals(user):
    proposals = db.session.scalars(
        select(TopicProposal).where(TopicProposal.proposer_id == user.id).order_by(TopicProposal.created_at)
    ).all()
    endorsements = db.session.execute(
        select(Endorsement, TopicProposal)
        .join(TopicProposal, TopicProposal.id == Endorsement.proposal_id)
        .where(Endorsement.user_id == user.id)
        .order_by(Endorsement.created_at)
    ).all()
    return {
        "proposals": [
            {
                "id": proposal.id,
                "title": proposal.title,
                "link": absolute_url("proposals.view", proposal_id=proposal.id),
                "description": proposal.description_source,
                "aims": proposal.aims_source,
                "audience": proposal.audience,
                "preferred_languages": list(proposal.preferred_languages or []),
                "status": proposal.status.value,
                "created_at": _iso(proposal.created_at),
                "decided_at": _iso(proposal.decided_at),
                "decline_reason": proposal.decline_reason,
            }
            for proposal in proposals
        ],
        "endorsements": [
            {
                "proposal": {
                    "id": proposal.id,
                    "title": proposal.title,
                    "link": absolute_url("proposals.view", proposal_id=proposal.id),
                },
                "on_behalf_of_group": endorsement.on_behalf_of_group,
                "created_at": _iso(endorsement.created_at),
            }
            for endorsement, proposal in endorsements
        ],
    }


def _notifications(user):
    notifications = db.session.scalars(
        select(Notification).where(Notification.user_id == user.id).order_by(Notification.created_at, Notification.id)
    ).all()
    return [
        {
            "kind": notification.kind,
            "text": str(kinds.describe(notification, user)),
            "link": _absolute_link(notification.link),
            "created_at": _iso(notification.created_at),
            "read_at": _iso(notification.read_at),
        }
        for notification in notifications
    ]


def _absolute_link(path):
    return absolute(path) if path else None


def _readme(user, now):
    sections = [
        _(
            "Your data from the forum, for %(name)s, produced on %(date)s (UTC).",
            name=user.display_name,
            date=_iso(now),
        ),
        _("All files are in UTF-8. Dates are in ISO 8601, in UTC."),
        "account.json\n"
        + _(
            "Your account: name, e-mail address, role, member state, language, time zone, notification "
            "settings, the versions of the usage protocol you accepted, the warnings and suspensions concerning "
            "you, your guest invitation if you are a guest, and whether you have a private calendar link. "
            "Passwords, second-factor secrets and links are never included."
        ),
        "posts.json\n"
        + _(
            "Every post you wrote: its thread's title and link, the room, when it was written and edited, its "
            "state, its text and its earlier versions. The text of a post erased at someone's request is not "
            "included."
        ),
        "threads/\n"
        + _(
            "One Markdown file per thread you wrote in, with your own posts and their earlier versions. Other "
            "people's posts are not included: follow the link to read the thread."
        ),
        "proposals.json\n" + _("The topics you proposed and the proposals you endorsed."),
        "notifications.json\n" + _("The notifications the forum left for you."),
    ]
    return "\n\n".join(sections) + "\n"
