"""A thread page's posts as HTML fragments, each rendered once and reused while nothing it shows changes.

Rendering a post through its template is most of a thread page's cost (issue #18). Here each post is
first reduced to a `PostView`: a tuple of exactly what its fragment shows, for this reader, in this
language, at this minute (the author's name, the dates as the reader reads them, which action links
they get, and the text only if they may see it). The fragment is rendered from the view alone, so it is a
pure function of it, and the view is the cache key: an edit, a hide, a restore, an erasure, a renamed
author, another reader's rights or a new "3 hours ago" make another view, hence another fragment. No
invalidation step can be forgotten, and a reader who may not see a text has a view without it, so the
fragment of someone who may can never be served to them.

The cache is per process (`POST_FRAGMENT_CACHE_SIZE` fragments, least recently used dropped; 0 turns
it off), created with the application.
"""

from functools import lru_cache
from typing import NamedTuple

from flask import current_app, request
from markupsafe import Markup

from forum import policy
from forum.formatting import iso, local_date, relative, when
from forum.i18n import current_locale_code
from forum.threads.models import PostState

TEMPLATE = "threads/_post.html"


class PostView(NamedTuple):
    """Everything a post's fragment shows; equal views render equal fragments."""

    # The reader's side.
    locale: str
    script_root: str
    quote_page: str | None
    # The thread's.
    thread_id: int
    language_code: str
    # The post's.
    id: int
    number: int
    state: PostState
    is_new: bool
    author: str
    member_state: str | None
    badge: str | None
    organisation: str
    created_iso: str
    created_full: str
    created_relative: str
    edited: bool
    erased_on: str | None
    clause: str | None
    reply_to: tuple[int, int] | None
    # The text, only when this reader may see it (None otherwise).
    html: str | None
    # The links this reader gets.
    revisions: bool
    quote: bool
    edit: bool
    flag: bool
    moderate: bool
    ask_deletion: bool


def init_app(app):
    """One cache per application (tests build many); the size is read once, at start."""
    size = app.config.get("POST_FRAGMENT_CACHE_SIZE", 2000)
    app.extensions["forum.post_fragments"] = lru_cache(maxsize=size)(_render) if size else _render


def render_posts(posts, thread, *, last_read, reader):
    """The fragments of `posts` (of `thread`) for `reader`, in order; rendered only when not cached."""
    render = current_app.extensions["forum.post_fragments"]
    actions = policy.PostActions(reader, thread)
    page = {
        "locale": current_locale_code(),
        "script_root": request.script_root,
        "quote_page": request.args.get("page"),
        "thread_id": thread.id,
        "language_code": thread.room.language_code,
    }
    return [render(view(post, actions, last_read, page)) for post in posts]


def view(post, actions, last_read, page):
    """The `PostView` of `post` for the reader whose rights `actions` holds."""
    author = post.author
    role = author.role
    shows_body = actions.can_see_post_body(post)
    visible = post.state == PostState.visible
    reply_to = post.reply_to if visible else None
    return PostView(
        **page,
        id=post.id,
        number=post.number,
        state=post.state,
        is_new=post.number > last_read,
        author=author.display_name,
        member_state=author.member_state.name if author.member_state else None,
        badge="moderator" if role.moderates else "staff" if role.is_staff else "guest" if role.is_guest else None,
        organisation=author.organisation or "",
        created_iso=iso(post.created_at),
        created_full=when(post.created_at, "full"),
        created_relative=relative(post.created_at),
        edited=post.edited_at is not None,
        erased_on=local_date(post.erased_at, "long") if post.erased_at else None,
        clause=post.state_clause,
        reply_to=(reply_to.id, reply_to.number) if reply_to is not None and reply_to.number != post.number else None,
        html=post.html if shows_body else None,
        revisions=post.edited_at is not None and actions.can_see_revisions(post),
        quote=visible and actions.posts,
        edit=visible and actions.can_edit_post(post),
        flag=actions.can_flag_post(post),
        moderate=actions.can_moderate_post(post),
        ask_deletion=visible and actions.can_request_deletion(post),
    )


def _render(post_view):
    # From the view alone: the template gets no request, user or model object to read anything else from.
    return Markup(current_app.jinja_env.get_template(TEMPLATE).render(post=post_view))
