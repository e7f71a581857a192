"""Thread pages, posting, editing, read markers, watching and thread moderation."""

import secrets

from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from forum import database, policy
from forum.content import quote_markdown, render_markdown
from forum.discussions import service as discussions_service
from forum.extensions import db
from forum.i18n import current_locale_code
from forum.rooms import service as rooms_service
from forum.threads import fragments, service
from forum.threads.forms import EditPostForm, MoveThreadForm, PostForm, ThreadForm
from forum.threads.models import Post
from forum.web import background, form_int, id_or_none, int_arg, page_arg, run_act

bp = Blueprint("threads", __name__)


def _get_thread(thread_id):
    """The thread if the user may read it; 404 otherwise (forbidden looks like missing)."""
    thread = service.get_thread(thread_id)
    policy.require_visible(thread is not None and policy.can_read_thread(current_user._get_current_object(), thread))
    return thread


def _get_post(post_id):
    # A post is readable exactly when its thread is; the same 404 hides both.
    post = db.session.get(Post, post_id)
    policy.require_visible(post is not None and policy.can_read_thread(current_user, post.thread))
    return post


def _new_submission_key():
    return secrets.token_urlsafe(16)


@bp.route("/rooms/<slug>/new", methods=["GET", "POST"])
def new_thread(slug):
    """Start a thread in a room; 404 for an unknown room, 403 if the user may not start one."""
    room = rooms_service.get_room(slug)
    policy.require_visible(room is not None and policy.can_read_room(current_user, room))
    # 404 first for a room the user cannot read, then 403 in a room they see but may not start a thread in.
    policy.require(policy.can_start_thread(current_user, room))
    form = ThreadForm()
    preview = None
    if request.method == "GET":
        form.submission_key.data = _new_submission_key()
    elif form.validate_on_submit():
        if form.preview.data:
            preview = render_markdown(form.body.data)
        else:
            done = run_act(
                lambda: service.start_thread(
                    room,
                    author=current_user,
                    title=form.title.data,
                    body=form.body.data,
                    submission_key=form.submission_key.data,
                ),
                success=_("Your thread is started."),
            )
            if done:
                return redirect(url_for("threads.thread", thread_id=done.value.id))
    return render_template("threads/new_thread.html", room=room, form=form, preview=preview)


@bp.route("/t/<int:thread_id>")
def thread(thread_id):
    """A page of a thread's posts; moves the reader's marker forward when there is something new. 404 if unreadable."""
    thread = _get_thread(thread_id)
    per_page = current_app.config["POSTS_PER_PAGE"]
    last_page = service.page_of(max(thread.post_count, 1), per_page)
    # A page past the end shows the last page rather than an empty one.
    page = min(page_arg(), last_page)
    # The account, not Flask-Login's proxy: the page's permission checks read it many times.
    user = current_user._get_current_object()
    last_read, watching = service.reader_state(user, thread)
    posts = service.shown_posts(thread, page, per_page)
    reply = None
    if policy.can_post(user, thread):
        # The form's fields are a fragment shared by the page's readers (no PostForm to build for a blank form).
        body = reply_to = ""
        quoted = int_arg("reply_to")
        if quoted:
            target = db.session.get(Post, quoted)
            # Only a visible post of this thread: a held or hidden text must not come back as a quotation.
            if target is not None and target.thread_id == thread.id and target.is_visible:
                body, reply_to = quote_markdown(target.source, target.author.display_name), str(target.id)
        reply = fragments.reply_form(submission_key=_new_submission_key(), body=body, reply_to=reply_to)
    response = render_template(
        "threads/thread.html",
        thread=thread,
        head=_thread_head(user, thread, last_read=last_read, watching=watching),
        posts=posts,
        page=page,
        last_page=last_page,
        last_read=last_read,
        reply=reply,
        preview=None,
    )
    # The page was rendered with the marker as it stood, so posts new on this visit show as "New";
    # the marker then moves in a short write transaction of its own (see forum.database).
    shown_up_to = posts[-1].number if posts else 0
    if shown_up_to > last_read:
        with database.write_transaction():
            service.mark_read(user, thread, shown_up_to)
    return response


@bp.route("/t/<int:thread_id>/reply", methods=["POST"])
@database.reads_first
def reply(thread_id):
    """Post a reply (or show a preview of it); 403 if the thread is closed or the user may not write.

    Loading, checking and rendering the Markdown happen in a read transaction; only the writes
    (the post, the thread's counter, markers, notifications) hold the write lock (forum.database).
    """
    thread = _get_thread(thread_id)
    policy.require(policy.can_post(current_user, thread))
    form = PostForm()
    if form.validate_on_submit():
        reply_to = None
        if form.reply_to.data:
            reply_to = service.get_post(id_or_none(form.reply_to.data))
            if reply_to is None or reply_to.thread_id != thread.id:
                # A reply_to from another thread is a forged form, not a mistake to explain: 400, no message.
                abort(400)
        if not form.preview.data:
            # Beside the text, where the reader is, rather than in a flash at the top of the page; without
            # the protocol accepted the page shows no form, so the refusal is flashed instead.
            field = form.body if policy.has_accepted_protocol(current_user) else None
            html = service.preview_html(thread, form.body.data)
            # The thread, the author and the rendered text stay as just loaded: the counter, the resent-form
            # check and the rules are read again in SQL under the lock (service.reply).
            with database.write_transaction(keep_loaded=True):
                done = run_act(
                    lambda: _post_url(
                        service.reply(
                            thread,
                            author=current_user,
                            body=form.body.data,
                            reply_to=reply_to,
                            submission_key=form.submission_key.data,
                            html=html,
                        )
                    ),
                    field=field,
                )
            if done:
                # The address was made before the commit: no second transaction to read the post back.
                return redirect(done.value)
    per_page = current_app.config["POSTS_PER_PAGE"]
    last_page = service.page_of(max(thread.post_count, 1), per_page)
    preview = service.preview_html(thread, form.body.data) if form.preview.data and not form.errors else None
    user = current_user._get_current_object()
    head = _thread_head(user, thread, last_read=thread.post_count, watching=service.is_watching(user, thread))
    # 400 when the reply was refused, so the form shown again is not taken for a success.
    return render_template(
        "threads/thread.html",
        thread=thread,
        head=head,
        posts=service.shown_posts(thread, last_page, per_page),
        page=last_page,
        last_page=last_page,
        last_read=thread.post_count,
        reply=fragments.reply_form(form),
        preview=preview,
    ), (200 if preview or not form.errors else 400)


def _thread_head(user, thread, *, last_read, watching):
    """The top of a thread page (threads.fragments.thread_head), with a weekly discussion's other languages and
    summary (one query)."""
    siblings, summary_html = discussions_service.linked_threads(thread, user)
    return fragments.thread_head(
        user, thread, last_read=last_read, watching=watching, siblings=siblings, summary_html=summary_html
    )


def _post_url(post):
    page = service.page_of(post.number, current_app.config["POSTS_PER_PAGE"])
    return url_for("threads.thread", thread_id=post.thread_id, page=page, _anchor=f"post-{post.number}")


@bp.route("/p/<int:post_id>")
def goto_post(post_id):
    """Redirect to the page and anchor of a post; 404 if its thread is unreadable."""
    return redirect(_post_url(_get_post(post_id)))


@bp.route("/t/<int:thread_id>/unread")
def first_unread(thread_id):
    """Jump to the first post the reader has not seen (or the last post); 404 if the thread is unreadable."""
    thread = _get_thread(thread_id)
    number = min(service.last_read_number(current_user, thread) + 1, max(thread.post_count, 1))
    page = service.page_of(number, current_app.config["POSTS_PER_PAGE"])
    return redirect(url_for("threads.thread", thread_id=thread.id, page=page, _anchor=f"post-{number}"))


@bp.route("/t/<int:thread_id>/live")
@background
def live(thread_id):
    """Posts newer than `after`, as an HTML fragment for the live-update script (204 when there are none);
    404 once the thread is unreadable."""
    # Readable (or 404, as `_get_thread`) and how many posts, in one statement on the thread's row: most polls
    # end here, so a reader who lost access still gets 404 and nothing else is loaded.
    post_count = service.readable_post_count(current_user._get_current_object(), thread_id)
    policy.require_visible(post_count is not None)
    after = max(int_arg("after", 0), 0)
    if after >= post_count:
        # Nothing new (post numbers run from 1 to post_count): 204, no posts query, no template.
        return "", 204, {"X-Last-Number": str(after), "Cache-Control": "no-store"}
    thread = _get_thread(thread_id)
    posts = service.shown_posts_after(thread, after)
    if posts:
        with database.write_transaction():
            service.mark_read(current_user, thread, posts[-1].number)
    html = render_template("threads/_posts.html", thread=thread, posts=posts, last_read=after)
    return (
        html,
        200,
        # X-Last-Number tells the script where its next poll starts, also when nothing came.
        {"Content-Type": "text/html; charset=utf-8", "X-Last-Number": str(posts[-1].number if posts else after)},
    )


@bp.route("/p/<int:post_id>/edit", methods=["GET", "POST"])
def edit_post(post_id):
    """Edit one's own post while the thread is open (old text kept); 404 if unreadable, 403 if not allowed."""
    post = _get_post(post_id)
    policy.require(policy.can_edit_post(current_user, post))
    form = EditPostForm(obj=post if request.method == "GET" else None)
    if request.method == "GET":
        form.body.data = post.source
    preview = None
    if form.validate_on_submit():
        if form.preview.data:
            preview = service.preview_html(post.thread, form.body.data)
        else:
            if run_act(
                lambda: service.edit_post(post, editor=current_user, body=form.body.data),
                success=_("Your changes are saved."),
                field=form.body,
            ):
                return redirect(_post_url(post))
    return render_template("threads/edit_post.html", post=post, form=form, preview=preview)


@bp.route("/p/<int:post_id>/revisions")
def post_revisions(post_id):
    """Earlier versions of a post, for its author and the room's moderators; 404 if unreadable, 403 for others."""
    post = _get_post(post_id)
    policy.require(policy.can_see_revisions(current_user, post))
    return render_template("threads/revisions.html", post=post, revisions=service.revisions(post))


@bp.route("/t/<int:thread_id>/watch", methods=["POST"])
def watch(thread_id):
    """Follow or stop following a thread; 404 if the thread is unreadable."""
    thread = _get_thread(thread_id)
    watching = request.form.get("watch") == "1"
    run_act(
        lambda: service.set_watching(current_user, thread, watching),
        success=_("You are following this thread.") if watching else _("You no longer follow this thread."),
    )
    return redirect(url_for("threads.thread", thread_id=thread.id))


@bp.route("/t/<int:thread_id>/pin", methods=["POST"])
def pin(thread_id):
    """Pin or unpin a thread; 404 if unreadable, 403 unless the user moderates its room."""
    thread = _get_thread(thread_id)
    policy.require(policy.can_moderate_thread(current_user, thread))
    pinned = request.form.get("pinned") == "1"
    run_act(
        lambda: service.set_pinned(thread, pinned, by=current_user),
        success=_("The thread is pinned.") if pinned else _("The thread is no longer pinned."),
    )
    return redirect(url_for("threads.thread", thread_id=thread.id))


@bp.route("/t/<int:thread_id>/lock", methods=["POST"])
def lock(thread_id):
    """Close or reopen a thread; 404 if unreadable, 403 unless the user moderates its room."""
    thread = _get_thread(thread_id)
    policy.require(policy.can_moderate_thread(current_user, thread))
    locked = request.form.get("locked") == "1"
    run_act(
        lambda: service.set_locked(thread, locked, by=current_user),
        success=_("The thread is closed.") if locked else _("The thread is open again."),
    )
    return redirect(url_for("threads.thread", thread_id=thread.id))


@bp.route("/t/<int:thread_id>/move", methods=["GET", "POST"])
def move(thread_id):
    """Move a thread to another room; only moderators of both rooms (403 otherwise)."""
    thread = _get_thread(thread_id)
    policy.require(policy.can_moderate_thread(current_user, thread))
    form = MoveThreadForm()
    # Only rooms the user may move it into (moderated, active), grouped by category as the home page shows them.
    locale = current_locale_code()
    choices = {}
    for room in rooms_service.all_rooms():
        if room.id == thread.room_id or policy.can_move_thread(current_user, thread, room):
            choices.setdefault(room.category.text(locale)[0], []).append((room.id, room.language.native_name))
    form.room.choices = choices
    if request.method == "GET":
        form.room.data = thread.room_id
    if request.method == "POST":
        # 404 for an unknown room; whether the user may move into it is the service's check (403).
        target = policy.found(rooms_service.get_room_by_id(form_int("room")))
        run_act(lambda: service.move_thread(thread, target, by=current_user), success=_("The thread is moved."))
        return redirect(url_for("threads.thread", thread_id=thread.id))
    return render_template("threads/move.html", thread=thread, form=form)
