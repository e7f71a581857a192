"""What each person wants e-mailed, and the one-click way to stop it.

A delivery per group of notification kinds (forum.notifications.kinds):
immediately, in a daily or weekly digest, or never; a group without a row has
its default. Unsubscribe links carry a token signed with the application's
secret (itsdangerous), naming the account and what to stop: a group, or a
digest ("daily", "weekly"). Nothing is stored for them, so any number of
e-mails can carry one, and a forged or altered token does not verify.
"""

from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import exists, select

from forum import clock
from forum.errors import Invalid
from forum.extensions import db
from forum.notifications.kinds import DIGEST_PERIODS, Delivery, Group
from forum.notifications.models import NotificationPreferences, NotificationSetting

UNSUBSCRIBE_SALT = "forum.notifications.unsubscribe"


def deliveries(user):
    """{Group: Delivery} for every group: the user's choices, defaults elsewhere (one query)."""
    chosen = {
        setting.group: setting.delivery
        for setting in db.session.scalars(select(NotificationSetting).where(NotificationSetting.user_id == user.id))
    }
    return {group: chosen.get(group, group.default) for group in Group}


def delivery_for(user, group):
    """How `user` wants notifications of `group` e-mailed (the default without a choice)."""
    setting = db.session.get(NotificationSetting, (user.id, group))
    return setting.delivery if setting is not None else group.default


def follows_on_reply(user):
    """Whether starting or replying to a thread makes `user` follow it (on unless switched off)."""
    preferences = db.session.get(NotificationPreferences, user.id)
    return preferences is None or preferences.follow_on_reply


def follows_on_reply_condition(user_id):
    """`follows_on_reply(user)` as an SQL condition on the user's id (a value or a bound parameter), for a statement
    that follows a thread in one step."""
    return ~exists().where(
        NotificationPreferences.user_id == user_id, NotificationPreferences.follow_on_reply.is_(False)
    )


def _parse_deliveries(choices):
    """{Group: Delivery} from {group value: delivery value}; Invalid names the first unknown value."""
    parsed = {}
    for group_value, delivery_value in choices.items():
        group = Group.from_arg(group_value)
        if group is None:
            raise Invalid(_("Unknown kind of notification “%(name)s”.", name=group_value))
        delivery = Delivery.from_arg(delivery_value)
        if delivery is None:
            raise Invalid(_("Unknown choice “%(value)s” for “%(group)s”.", value=delivery_value, group=group.label))
        parsed[group] = delivery
    return parsed


def update_settings(user, *, choices, follow_on_reply=None):
    """Save `user`'s own choices ({group value: delivery value}); Invalid for an unknown value, nothing changed."""
    parsed = _parse_deliveries(choices)
    for group, delivery in parsed.items():
        set_delivery(user, group, delivery)
    if follow_on_reply is not None:
        preferences = db.session.get(NotificationPreferences, user.id)
        if preferences is None:
            db.session.add(
                NotificationPreferences(user_id=user.id, follow_on_reply=bool(follow_on_reply), updated_at=clock.now())
            )
        elif preferences.follow_on_reply != bool(follow_on_reply):
            preferences.follow_on_reply = bool(follow_on_reply)
            preferences.updated_at = clock.now()
    db.session.flush()


def set_delivery(user, group, delivery):
    """Keep one choice; a row is written (and its time moved) only when the choice changes."""
    setting = db.session.get(NotificationSetting, (user.id, group))
    current = setting.delivery if setting is not None else group.default
    if setting is None and delivery == current:
        return
    if setting is None:
        db.session.add(NotificationSetting(user_id=user.id, group=group, delivery=delivery, updated_at=clock.now()))
    elif setting.delivery != delivery:
        setting.delivery = delivery
        # Digests count from here: what came before was delivered the previous way.
        setting.updated_at = clock.now()


def changed_since(user):
    """{Group: when the user last changed it} (only groups they changed)."""
    return {
        setting.group: setting.updated_at
        for setting in db.session.scalars(select(NotificationSetting).where(NotificationSetting.user_id == user.id))
    }


# Unsubscribing -------------------------------------------------------------------


@dataclass(frozen=True)
class Unsubscription:
    """What a verified unsubscribe token stops: a group of kinds, or one of the digests."""

    user: object
    group: Group | None = None
    period: Delivery | None = None


def _serializer():
    return URLSafeSerializer(current_app.secret_key, salt=UNSUBSCRIBE_SALT)


def unsubscribe_token(user, scope):
    """A token for the link that stops `scope` (a Group, or Delivery.daily/weekly for a digest) for `user`."""
    return _serializer().dumps([user.id, scope.value])


def read_unsubscribe_token(token):
    """The Unsubscription a token names, or None for a forged, altered or unknown one."""
    from forum.accounts.models import User

    if not token or len(token) > 200:
        return None
    try:
        user_id, scope = _serializer().loads(token)
    except (BadSignature, ValueError, TypeError):
        return None
    if not isinstance(user_id, int) or not isinstance(scope, str):
        return None
    user = db.session.get(User, user_id)
    if user is None:
        return None
    group = Group.from_arg(scope)
    if group is not None:
        return Unsubscription(user, group=group)
    period = Delivery.from_arg(scope)
    if period in DIGEST_PERIODS:
        return Unsubscription(user, period=period)
    return None


def unsubscribe(unsubscription):
    """Stop what the link names: its group, or every group delivered in that digest. Returns the groups changed."""
    user = unsubscription.user
    if unsubscription.group is not None:
        targets = [unsubscription.group]
    else:
        targets = [group for group, delivery in deliveries(user).items() if delivery == unsubscription.period]
    changed = []
    for group in targets:
        if delivery_for(user, group) != Delivery.never:
            set_delivery(user, group, Delivery.never)
            changed.append(group)
    db.session.flush()
    return changed
