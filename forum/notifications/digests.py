"""Daily and weekly digests: one e-mail per person and period with what is new for them.

`send_due_digests(now)` is called by the periodic work (`flask forum tick`)
and is safe to run any number of times, concurrently too. For each account
that can sign in with a group of notifications set to a digest, once the
period has begun in the person's own time zone (a day from 07:00; a week
on Monday from 07:00), it claims the period by inserting a `Digest` row (unique
per user, period and first day), then writes one e-mail: the new visible
posts by others in the threads they follow (when replies go to this digest),
grouped by weekly discussion and thread, and the notifications of the groups
set to this digest, each item linked. Nothing new: the period is still
claimed (the next digest starts from here), and no e-mail goes out.
"""

from dataclasses import dataclass, field
from datetime import timedelta

from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import and_, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager, selectinload

from forum import policy
from forum.content import plain_excerpt
from forum.extensions import db
from forum.i18n import native_name
from forum.notifications import kinds
from forum.notifications.emails import footer_context
from forum.notifications.kinds import DIGEST_PERIODS, Delivery, Group, Reader, zone_named
from forum.notifications.models import Digest, Notification, NotificationSetting
from forum.notifications.service import queue_email
from forum.urls import absolute, site_path

# Local hour from which a day's (and on Mondays, a week's) digest is due.
DIGEST_HOUR = 7
PERIOD_LENGTH = {Delivery.daily: timedelta(days=1), Delivery.weekly: timedelta(days=7)}
# Bounds per e-mail: a digest lists the first ones and links to the forum for the rest.
MAX_POSTS = 200
MAX_NOTIFICATIONS = 100
EXCERPT_LENGTH = 280


def period_start(period, local_now):
    """The first day of the `period` due at `local_now` (the person's local time), or None when none is due.

    A day's digest is due from 07:00 until the day ends, a week's on Monday from
    07:00. A period missed altogether (no `tick` ran) loses nothing: the next
    digest covers everything since the previous one.
    """
    if local_now.hour < DIGEST_HOUR:
        return None
    if period == Delivery.weekly and local_now.weekday() != 0:
        return None
    return local_now.date()


def send_due_digests(now):
    """Write every digest that is due at `now` and not yet claimed; returns the messages queued (flushes only)."""
    from forum.accounts.models import User

    recipients = db.session.scalars(
        # Accounts that can sign in (policy.can_receive_email), in one query.
        select(User).where(User.active, User.password_hash.is_not(None)).order_by(User.id)
    ).all()
    settings = {}
    for setting in db.session.scalars(select(NotificationSetting)):
        settings.setdefault(setting.user_id, {})[setting.group] = setting
    # Periods already claimed (local days are at most a day from UTC's): skipped without an insert each minute.
    claimed = set(
        db.session.execute(
            select(Digest.user_id, Digest.period, Digest.period_start).where(
                Digest.period_start >= (now - timedelta(days=2)).date()
            )
        ).all()
    )
    messages = []
    for user in recipients:
        chosen = settings.get(user.id, {})
        deliveries = {group: chosen[group].delivery if group in chosen else group.default for group in Group}
        local_now = now.astimezone(zone_named(user.timezone))
        for period in DIGEST_PERIODS:
            groups = [group for group, delivery in deliveries.items() if delivery == period]
            start = period_start(period, local_now) if groups else None
            if start is None or (user.id, period, start) in claimed:
                continue
            message = _send_digest(user, period, start, groups, chosen, now)
            if message is not None:
                messages.append(message)
    return messages


def _claim(user, period, start, now):
    """Insert the period's row; None if another run holds it already (the unique constraint decides)."""
    digest = Digest(user_id=user.id, period=period, period_start=start, created_at=now)
    try:
        with db.session.begin_nested():
            db.session.add(digest)
            db.session.flush()
    except IntegrityError:
        return None
    return digest


def _send_digest(user, period, start, groups, chosen, now):
    previous = db.session.scalar(
        select(Digest.created_at)
        .where(Digest.user_id == user.id, Digest.period == period)
        .order_by(Digest.created_at.desc())
        .limit(1)
    )
    digest = _claim(user, period, start, now)
    if digest is None:
        return None
    since = previous or now - PERIOD_LENGTH[period]

    def since_for(group):
        # After a change of setting, what came before was delivered the previous way.
        setting = chosen.get(group)
        return max(since, setting.updated_at) if setting is not None else since

    posts = _followed_posts(user, since_for(Group.replies), now) if Group.replies in groups else []
    notifications = _notifications(user, {group: since_for(group) for group in groups if group != Group.replies}, now)
    digest.item_count = len(posts) + len(notifications)
    if not digest.item_count:
        return None
    return _queue(user, period, since, posts, notifications)


def _followed_posts(user, since, now):
    """New visible posts by others in the threads `user` follows and may still read, in thread order."""
    from forum.threads.models import Post, PostState, Thread, Watch

    return db.session.scalars(
        select(Post)
        .join(Post.thread)
        .join(Watch, and_(Watch.thread_id == Post.thread_id, Watch.user_id == user.id))
        .where(
            Post.created_at > since,
            Post.created_at <= now,
            Post.state == PostState.visible,
            Post.author_id != user.id,
            policy.readable_threads(user, now),
        )
        .options(contains_eager(Post.thread))
        .order_by(Thread.discussion_id, Post.thread_id, Post.number)
        .limit(MAX_POSTS)
    ).all()


def _notifications(user, since_by_group, now):
    """The user's notifications of these groups, each group counted from its own start."""
    conditions = [
        and_(Notification.kind.in_([kind.name for kind in group.kinds]), Notification.created_at > since)
        for group, since in since_by_group.items()
    ]
    if not conditions:
        return []
    return db.session.scalars(
        select(Notification)
        .where(Notification.user_id == user.id, Notification.created_at <= now, or_(*conditions))
        .order_by(Notification.id)
        .limit(MAX_NOTIFICATIONS)
    ).all()


# Writing it ----------------------------------------------------------------------


@dataclass
class ThreadItems:
    title: str
    link: str
    language: str
    posts: list = field(default_factory=list)


@dataclass
class Section:
    """A weekly discussion (its followed language threads) or a thread of its own."""

    title: str
    link: str
    threads: list = field(default_factory=list)


def _post_sections(posts, reader):
    from forum.discussions.models import Discussion

    discussion_ids = {post.thread.discussion_id for post in posts if post.thread.discussion_id}
    discussions = {
        discussion.id: discussion
        for discussion in db.session.scalars(
            select(Discussion).where(Discussion.id.in_(discussion_ids)).options(selectinload(Discussion.texts))
        )
    }
    sections, threads = {}, {}
    for post in posts:
        thread = post.thread
        discussion = discussions.get(thread.discussion_id)
        key = ("discussion", discussion.id) if discussion else ("thread", thread.id)
        if key not in sections:
            text = discussion.text_for(reader.locale) if discussion else None
            sections[key] = (
                Section(text.title, absolute(site_path("discussions.view", discussion_id=discussion.id)))
                if text
                else Section(thread.title, absolute(site_path("threads.thread", thread_id=thread.id)))
            )
        if thread.id not in threads:
            threads[thread.id] = ThreadItems(
                thread.title,
                absolute(site_path("threads.thread", thread_id=thread.id)),
                native_name(thread.room.language_code),
            )
            sections[key].threads.append(threads[thread.id])
        threads[thread.id].posts.append(
            {
                "author": post.author.display_name,
                "when": reader.when(post.created_at),
                "excerpt": plain_excerpt(post.source, EXCERPT_LENGTH),
                "link": absolute(site_path("threads.goto_post", post_id=post.id)),
            }
        )
    return list(sections.values())


def _notification_groups(notifications, reader):
    grouped = {}
    for notification in notifications:
        group = kinds.group_of(notification.kind)
        grouped.setdefault(group, []).append(
            {
                "text": kinds.describe(notification, reader),
                "when": reader.when(notification.created_at),
                "link": absolute(notification.link) if notification.link else None,
            }
        )
    return [{"label": group.label, "entries": entries} for group, entries in grouped.items()]


def _queue(user, period, since, posts, notifications):
    reader = Reader.of(user)
    with force_locale(reader.locale):
        headers, context = footer_context(user, period, reader)
        if period == Delivery.daily:
            subject = _("Your daily digest from the CDIP forum")
            reason = _("You receive this digest because some of your notifications are set to a daily digest.")
        else:
            subject = _("Your weekly digest from the CDIP forum")
            reason = _("You receive this digest because some of your notifications are set to a weekly digest.")
        context.update(
            subject=subject,
            reason=reason,
            since=reader.when(since),
            sections=_post_sections(posts, reader),
            notification_groups=_notification_groups(notifications, reader),
            notifications_url=absolute(site_path("main.notifications")),
        )
        body = render_template("email/digest.txt", **context)
        html = render_template("email/digest.html", **context)
    return queue_email(user.email, subject, body, html=html, headers=headers, kind="digest", user=user)
