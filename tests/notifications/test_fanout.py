"""A reply's notifications to the thread's followers: one each, only to those who may read it, in constant queries."""

import pytest
from sqlalchemy import func, select

from forum.extensions import db
from forum.notifications import preferences
from forum.notifications.kinds import Delivery, Group
from forum.notifications.models import Notification, OutgoingEmail
from forum.threads import service
from forum.threads.models import Watch


@pytest.fixture
def thread(room, make_user, make_thread):
    return make_thread(room, make_user(state="KEN", name="Wanjiru Kamau"), title="Training", body="How do you train?")


def _reply_notifications(user):
    return db.session.scalars(
        select(Notification).where(Notification.user_id == user.id, Notification.kind == "reply")
    ).all()


def _followers(make_user, thread, count):
    users = [make_user(state="BRA") for _ in range(count)]
    for user in users:
        service.set_watching(user, thread, True)
    db.session.commit()
    return users


def test_each_eligible_follower_gets_exactly_one_notification(make_user, person, thread, suspended_delegate):
    followers = _followers(make_user, thread, 5)
    # A guest whose access to the thread ended after they followed it: may no longer read it.
    outsider = person("guest")
    db.session.add(Watch(user_id=outsider.id, thread_id=thread.id))
    service.set_watching(suspended_delegate, thread, True)
    author = followers[0]
    db.session.commit()
    post = service.reply(thread, author=author, body="News for the followers")
    db.session.commit()
    for follower in followers[1:] + [suspended_delegate]:
        [notification] = _reply_notifications(follower)
        assert notification.params["post_id"] == post.id
        assert notification.link == f"/p/{post.id}"
        assert notification.read_at is None
    assert _reply_notifications(author) == []
    assert _reply_notifications(outsider) == []


def test_a_follower_who_wants_replies_immediately_is_emailed_once(make_user, thread, outbox):
    eager, quiet = _followers(make_user, thread, 2)
    preferences.set_delivery(eager, Group.replies, Delivery.immediately)
    db.session.commit()
    service.reply(thread, author=make_user(state="FRA"), body="Something to e-mail")
    db.session.commit()
    assert len(_reply_notifications(eager)) == 1 and len(_reply_notifications(quiet)) == 1
    assert [message.to for message in outbox() if message.kind == "reply"] == [eager.email]


def test_a_mentioned_follower_hears_once_as_a_mention(make_user, thread):
    named = make_user(state="BRA", name="Ana Souza")
    service.set_watching(named, thread, True)
    db.session.commit()
    service.reply(thread, author=make_user(state="FRA"), body="What does @[Ana Souza] think?")
    db.session.commit()
    kinds = db.session.scalars(select(Notification.kind).where(Notification.user_id == named.id)).all()
    assert "reply" not in kinds


def _queries_for_a_reply(make_user, thread, count_queries, followers):
    _followers(make_user, thread, followers)
    author = make_user(state="FRA")
    db.session.commit()
    db.session.expire_all()
    with count_queries() as counter:
        service.reply(thread, author=author, body=f"A reply to {followers} followers")
        db.session.flush()
    assert db.session.scalar(select(func.count(Notification.id)).where(Notification.kind == "reply")) >= followers
    return counter.count


def test_fan_out_takes_the_same_queries_for_3_or_30_followers(make_user, room, make_thread, count_queries):
    small = make_thread(room, make_user(state="KEN"), title="Small", body="Few followers")
    large = make_thread(room, make_user(state="KEN"), title="Large", body="Many followers")
    assert _queries_for_a_reply(make_user, small, count_queries, 3) == _queries_for_a_reply(
        make_user, large, count_queries, 30
    )
    assert db.session.scalar(select(func.count(OutgoingEmail.id)).where(OutgoingEmail.kind == "reply")) == 0
