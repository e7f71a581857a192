"""Weekly discussions for the flows: made through forum.discussions.service, opened now."""

from datetime import timedelta

from tests.e2e.harness import MODERATOR


def open_discussion_now(server, discussion_id):
    """Move a scheduled discussion's opening to a minute ago, in all its threads.

    The scheduling form (rightly) refuses an opening time in the past; a flow
    that needs an open discussion schedules it ahead, then takes this short cut
    (the one `flask forum seed-demo` takes too).
    """
    from forum import clock
    from forum.discussions import service as discussions

    with server.db():
        discussion = discussions.get_discussion(discussion_id)
        discussions._set_times(discussion, clock.now() - timedelta(minutes=1), discussion.closes_at)


def make_open_discussion(server, titles, *, category="capacity", days=7):
    """A weekly discussion open now, with `titles` {language code: title}; returns {"id", "threads": {code: id}}."""
    from sqlalchemy import select

    from forum import clock
    from forum.accounts.service import find_user_by_email
    from forum.discussions import service as discussions
    from forum.extensions import db
    from forum.rooms.models import Category

    with server.db():
        category_id = db.session.scalar(select(Category.id).where(Category.code == category))
        opens = clock.now() + timedelta(hours=1)
        discussion = discussions.schedule_discussion(
            by=find_user_by_email(MODERATOR),
            category_id=category_id,
            texts={
                code: discussions.TextInput(title, f"The opening message of “{title}”.")
                for code, title in titles.items()
            },
            opens_at=opens,
            closes_at=opens + timedelta(days=days),
        )
        discussion_id = discussion.id
        threads = {code: thread.id for code, thread in discussions.discussion_threads(discussion).items()}
    open_discussion_now(server, discussion_id)
    return {"id": discussion_id, "threads": threads}
