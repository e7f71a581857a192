"""@mentions: who `@[Display Name]` in a post names, and telling them once.

A name is resolved when exactly one account that can sign in carries it
(case and spacing aside): two people of the same name are not guessed
between, and their mention stays plain text, as does an unknown name. Only
people who may read the thread are mentioned (highlighted and notified), so
a mention reveals nothing about a thread to someone outside it, nor whether
a name exists to someone who names a person outside it.
"""

from collections import defaultdict

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError

from forum import clock, policy
from forum.content import mention_key, mentioned_names
from forum.extensions import db
from forum.notifications.models import Mention
from forum.notifications.service import notify
from forum.urls import site_path


def resolve(source, thread):
    """{mention key: User} of the readers of `thread` that `source` names with `@[Name]`."""
    from forum.accounts.models import User

    names = mentioned_names(source)
    if not names:
        return {}
    wanted = {mention_key(name) for name in names}
    # Exact names, and lower-cased ones (SQLite lowers ASCII only; the comparison below settles the rest).
    candidates = db.session.scalars(
        select(User).where(
            User.active,
            User.password_hash.is_not(None),
            or_(User.display_name.in_(names), func.lower(User.display_name).in_([name.lower() for name in names])),
        )
    ).all()
    by_key = defaultdict(list)
    for user in candidates:
        by_key[mention_key(user.display_name)].append(user)
    return {
        key: users[0]
        for key, users in by_key.items()
        if key in wanted and len(users) == 1 and policy.can_read_thread(users[0], thread)
    }


def display_names(resolved):
    """What forum.content.render_markdown needs to highlight the resolved mentions."""
    return {key: user.display_name for key, user in resolved.items()}


def notify_mentioned(post, resolved):
    """Notify the people `post` mentions who have not heard of it yet (never its author); returns them."""
    people = [user for user in resolved.values() if user.id != post.author_id]
    if not people:
        return []
    already = set(
        db.session.scalars(
            select(Mention.user_id).where(Mention.post_id == post.id, Mention.user_id.in_([u.id for u in people]))
        )
    )
    link = site_path("threads.goto_post", post_id=post.id)
    told = []
    for user in people:
        if user.id in already:
            continue
        try:
            # A savepoint: of two edits saved at once, one records the mention and the other skips it.
            with db.session.begin_nested():
                db.session.add(Mention(post_id=post.id, user_id=user.id, created_at=clock.now()))
                db.session.flush()
        except IntegrityError:
            continue
        notify(
            user,
            "mention",
            link=link,
            thread=post.thread.title,
            author=post.author.display_name,
            post_id=post.id,
        )
        told.append(user)
    return told
