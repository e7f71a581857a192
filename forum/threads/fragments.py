"""A thread's posts as cached fragments (forum.fragments): the view of a post for one reader."""

from functools import cache
from typing import NamedTuple

from flask import current_app, request
from markupsafe import Markup

from forum import fragments, policy
from forum.erasure.names import former_name
from forum.formatting import local_date, reader_formats
from forum.members.service import state_name
from forum.threads.models import PostState

TEMPLATE = "threads/_post.html"
HEAD = "threads/_head.html"


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
    created: fragments.Moment
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


def render_posts(posts, thread, *, last_read, reader):
    """The fragments of `posts` (of `thread`) for `reader`, in order; rendered only when not cached."""
    actions = policy.PostActions(reader, thread)
    page = {
        **fragments.reader(),
        "quote_page": request.args.get("page"),
        "thread_id": thread.id,
        "language_code": thread.room.language_code,
    }
    formats, states = reader_formats(), {}
    return [fragments.render(TEMPLATE, view(post, actions, last_read, page, formats, states)) for post in posts]


def view(post, actions, last_read, page, formats=None, states=None):
    """The `PostView` of `post` (a row of `threads.service.shown_posts`) for the reader whose rights `actions`
    holds; `formats` is the reader's `formatting.reader_formats()`, asked once for the page's posts, and `states`
    the member states' names in the reader's language, named once each for the page's posts ({code: name})."""
    role = post.author_role
    visible = post.state == PostState.visible
    quoted = visible and post.reply_to_id is not None and post.reply_to_number != post.number
    states = {} if states is None else states
    code = post.member_state_code
    if code not in states:
        states[code] = _state_name(code, post.member_state_names)
    member_state = states[code]
    # As User.display_name: an erased account is named by its member state, in the reader's language.
    author = post.author_name if post.author_erased_at is None else former_name(role, member_state)
    return PostView(
        **page,
        id=post.id,
        number=post.number,
        state=post.state,
        is_new=post.number > last_read,
        author=author,
        member_state=member_state,
        badge=_badge(role),
        organisation=post.author_organisation or "",
        created=fragments.Moment.of(post.created_at, formats),
        edited=post.edited_at is not None,
        erased_on=local_date(post.erased_at, "long") if post.erased_at else None,
        clause=post.state_clause,
        reply_to=(post.reply_to_id, post.reply_to_number) if quoted else None,
        html=post.html if actions.can_see_post_body(post) else None,
        revisions=post.edited_at is not None and actions.can_see_revisions(post),
        quote=visible and actions.posts,
        edit=visible and actions.can_edit_post(post),
        flag=actions.can_flag_post(post),
        moderate=actions.can_moderate_post(post),
        ask_deletion=visible and actions.can_request_deletion(post),
    )


@cache
def _badge(role):
    return "moderator" if role.moderates else "staff" if role.is_staff else "guest" if role.is_guest else None


def _state_name(code, names):
    # As MemberState.name: the administrator's name in the reader's language, the UN's, then English.
    return state_name(code, overrides=names) if code else None


# The reply form -----------------------------------------------------------------------------------------------

REPLY_FIELDS = "threads/_reply_fields.html"


class ReplyFieldsView(NamedTuple):
    """The reply form's visible part, as the `field` macro renders `PostForm` (tests/threads/test_reply_form.py
    compares them): what went wrong when it came back, the text, its help and the buttons. It is the same for
    every reader of a language, so one fragment serves a whole thread page's readers; the hidden inputs that
    differ on every page (the CSRF token, the submission key, the quoted post) are written by the page."""

    locale: str
    script_root: str
    body: str
    # Every error of the form, for the summary above it, and the text's own, beside it.
    problems: tuple[str, ...]
    body_errors: tuple[str, ...]
    max_length: int


class ThreadHeadView(NamedTuple):
    """The top of a thread page for one reader: where the thread is, its title and state, its weekly discussion's
    other languages and summary, and the reader's tools."""

    locale: str
    script_root: str
    thread_id: int
    title: str
    guest: bool
    room_slug: str
    room_name: str
    language_code: str
    language_name: str
    status: str
    status_label: str
    weekly_badge: bool
    discussion_id: int | None
    # The weekly discussion's threads in other languages the reader may open (`discussions.service.LinkedThread`).
    siblings: tuple
    # Once the discussion is closed, its summary (HTML from forum.content), for members.
    summary_html: Markup | None
    request_guest: bool
    first_unread: bool
    ask_deletion: bool
    watching: bool
    moderate: bool
    pinned: bool
    locked: bool
    # The forms' token: `fragments.CSRF_SLOT`, filled for each page.
    csrf: str


def thread_head(user, thread, *, last_read, watching, siblings, summary_html):
    """The top of `thread`'s page for `user`, who has read up to post `last_read` and follows it if `watching`;
    `siblings` and `summary_html` as `discussions.service.linked_threads` gives them."""
    reader = fragments.reader()
    status = thread.status
    guest = policy.is_guest(user)
    discussion_id = thread.discussion_id
    if guest:
        # A guest's invitation covers some of the discussion's languages: the others are not named to them.
        siblings = [s for s in siblings if policy.guest_may_use_language(user, discussion_id, s.language_code)]
    moderate = policy.can_moderate_thread(user, thread)
    room = thread.room
    view = ThreadHeadView(
        **reader,
        thread_id=thread.id,
        title=thread.title,
        guest=guest,
        room_slug=room.slug,
        room_name=room.category.text(reader["locale"])[0],
        language_code=room.language_code,
        language_name=room.language.native_name,
        status=status.value,
        status_label=status.label,
        weekly_badge=bool(discussion_id) and thread.kind.is_weekly and status.is_open,
        discussion_id=discussion_id,
        siblings=tuple(siblings),
        summary_html=Markup(summary_html) if summary_html and status.is_closed and not guest else None,
        request_guest=bool(discussion_id) and not guest and not status.is_closed and policy.can_request_guest(user),
        first_unread=0 < last_read < thread.post_count,
        ask_deletion=policy.can_request_deletion(user, thread),
        watching=watching,
        moderate=moderate,
        pinned=moderate and thread.pinned,
        locked=moderate and thread.locked,
        csrf=fragments.CSRF_SLOT,
    )
    return fragments.with_csrf(fragments.render(HEAD, view))


class ReplyForm(NamedTuple):
    """What a thread page's reply form shows: the fragment of its fields and its hidden inputs' values."""

    fields: str
    reply_to: str
    submission_key: str


def reply_form(form=None, *, body="", reply_to="", submission_key=""):
    """The reply form: blank (or quoting, with `body` and `reply_to`) for a thread page, or `form` (a submitted
    `PostForm`) as it came back, with its text, its errors and its submission key."""
    problems = body_errors = ()
    if form is not None:
        body, reply_to, submission_key = form.body.data or "", form.reply_to.data or "", form.submission_key.data
        problems = tuple(str(error) for errors in form.errors.values() for error in errors)
        body_errors = tuple(str(error) for error in form.body.errors)
    view = ReplyFieldsView(
        **fragments.reader(),
        body=body,
        problems=problems,
        body_errors=body_errors,
        max_length=current_app.config["POST_MAX_LENGTH"],
    )
    return ReplyForm(fragments.render(REPLY_FIELDS, view), reply_to, submission_key or "")
