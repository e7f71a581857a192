"""Notification e-mails: written in the recipient's language and time zone, as text and HTML.

Both parts come from the same values; user text in the HTML part is either
escaped by the template (names, titles, reasons) or a post's stored HTML,
made by forum/content.py exactly as the page shows it. Every message carries
List-Unsubscribe and List-Unsubscribe-Post (RFC 8058) for its group or digest.
"""

from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from forum import policy
from forum.content import plain_excerpt
from forum.extensions import db
from forum.i18n import direction
from forum.notifications import kinds
from forum.notifications.kinds import Reader
from forum.notifications.preferences import unsubscribe_token
from forum.notifications.service import queue_email
from forum.urls import absolute, absolute_url

SUBJECT_LENGTH = 180
POST_EXCERPT_LENGTH = 1200


def one_line(text, length=SUBJECT_LENGTH):
    """`text` on one line (a subject header holds no line breaks), shortened with an ellipsis."""
    text = " ".join(str(text).split())
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


def unsubscribe_headers(user, scope):
    """(the unsubscribe address, the List-Unsubscribe headers) for stopping `scope` (a group or a digest)."""
    url = absolute_url("notifications.unsubscribe", token=unsubscribe_token(user, scope))
    # RFC 8058: a mail client offers a one-click button and POSTs "List-Unsubscribe=One-Click" to the address.
    return url, {"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def footer_context(user, scope, reader):
    """What every notification e-mail ends with: the settings page and the one-click way out."""
    url, headers = unsubscribe_headers(user, scope)
    return headers, {
        "settings_url": absolute_url("notifications.settings"),
        "unsubscribe_url": url,
        "lang": reader.locale,
        "dir": direction(reader.locale),
    }


def _post_shown(user, kind, notification):
    """The post a reply or mention is about, if the recipient may still read it as published."""
    from forum.threads.models import Post

    post_id = notification.params.get("post_id") if isinstance(notification.params, dict) else None
    if not kind.shows_post or not isinstance(post_id, int):
        return None
    post = db.session.get(Post, post_id)
    if post is None or not post.is_visible or not policy.can_read_thread(user, post.thread):
        return None
    return post


def send_notification_email(user, notification):
    """Queue the e-mail of one notification for `user`, in their language and time zone; returns the message."""
    kind = kinds.get(notification.kind)
    reader = Reader.of(user)
    post = _post_shown(user, kind, notification)
    with force_locale(reader.locale):
        sentence = kinds.describe(notification, reader)
        headers, context = footer_context(user, kind.group, reader)
        context.update(
            sentence=sentence,
            detail=kinds.detail(notification, reader),
            link=absolute(notification.link) if notification.link else None,
            when=reader.when(notification.created_at),
            group_label=kind.group.label,
            post=post,
            post_when=reader.when(post.created_at) if post else None,
            post_text=plain_excerpt(post.source, POST_EXCERPT_LENGTH) if post else None,
        )
        subject = _("CDIP forum: %(summary)s", summary=one_line(sentence))
        body = render_template("email/notification.txt", **context)
        html = render_template("email/notification.html", **context)
    return queue_email(user.email, subject, body, html=html, headers=headers, kind=notification.kind, user=user)
