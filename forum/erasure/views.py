"""Deletion request pages: asking (post menu, thread, profile), the deciders' queue and decisions, one's own requests.

A member asks only for what is theirs (404 for what they may not read, 403
for someone else's post or thread). The queue, the detail page with the
target and the decision forms are for the chief moderator and admins (403 for
everyone else, language moderators included).
"""

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from forum import policy
from forum.accounts.models import User
from forum.accounts.service import find_user_by_email
from forum.erasure import service
from forum.erasure.forms import CarryOutForm, FilterForm, PartlyForm, RecordForm, RefuseForm, RequestForm
from forum.erasure.models import DeletionScope, DeletionStatus
from forum.extensions import db
from forum.i18n import current_locale_code
from forum.protocol import service as protocol
from forum.threads.models import Post, Thread
from forum.web import run_act

bp = Blueprint("erasure", __name__)


# Asking ------------------------------------------------------------------------


def _ask(target, template_target, back):
    """The request form for `target` (already loaded and checked)."""
    form = RequestForm()
    if not isinstance(target, User):
        del form.include_posts
    if form.validate_on_submit():
        include_posts = form.include_posts.data if "include_posts" in form else False
        done = run_act(
            lambda: service.request_deletion(
                target, by=current_user, reason=form.reason.data, include_posts=include_posts
            ),
            success=_("Your request is sent; you will be told of the decision."),
        )
        if done:
            return redirect(url_for("erasure.mine"))
        return render_template("erasure/ask.html", form=form, back=back, **template_target), 400
    status = 400 if form.errors else 200
    return render_template("erasure/ask.html", form=form, back=back, **template_target), status


@bp.route("/p/<int:post_id>/ask-deletion", methods=["GET", "POST"])
def ask_post(post_id):
    """Ask for one's own post to be erased; 404 if the post is unknown or unreadable, 403 if it is not one's own."""
    post = db.session.get(Post, post_id)
    policy.require_visible(post is not None and policy.can_read_thread(current_user, post.thread))
    policy.require(policy.can_request_deletion(current_user, post))
    back = url_for("threads.goto_post", post_id=post.id)
    return _ask(post, {"post": post}, back)


@bp.route("/t/<int:thread_id>/ask-deletion", methods=["GET", "POST"])
def ask_thread(thread_id):
    """Ask for a thread one started to be erased; 404 if unknown or unreadable, 403 if someone else started it."""
    thread = db.session.get(Thread, thread_id)
    policy.require_visible(thread is not None and policy.can_read_thread(current_user, thread))
    policy.require(policy.can_request_deletion(current_user, thread))
    return _ask(thread, {"thread": thread}, url_for("threads.thread", thread_id=thread.id))


@bp.route("/profile/ask-deletion", methods=["GET", "POST"])
def ask_account():
    """Ask for one's own account to be deleted; 403 for an account that cannot ask (not activated)."""
    user = current_user._get_current_object()
    policy.require(policy.can_request_deletion(user, user))
    return _ask(user, {"account": user}, url_for("accounts.profile"))


@bp.route("/erasure/mine")
def mine():
    """One's own deletion requests and their status; 403 for an account that cannot ask."""
    policy.require(policy.can_ask_for_deletions(current_user))
    return render_template("erasure/mine.html", requests=service.requests_of(current_user))


# Deciding ----------------------------------------------------------------------


def _status_choices():
    return [("", _("All"))] + [(status.value, status.label) for status in DeletionStatus]


@bp.route("/erasure")
def queue():
    """The deletion requests, pending first, filtered by status; 403 for anyone but the chief moderator and admins."""
    policy.require(policy.can_decide_deletion(current_user))
    form = FilterForm(request.args)
    form.status.choices = _status_choices()
    try:
        status = DeletionStatus(request.args.get("status") or "")
    except ValueError:
        status = None
    return render_template("erasure/queue.html", requests=service.queue(status), form=form, status=status)


def _decided_request(request_id):
    """The request for a decider: 403 for anyone else (before revealing whether it exists), 404 if unknown."""
    policy.require(policy.can_decide_deletion(current_user))
    return policy.found(service.get_request(request_id))


def _forms(deletion, **given):
    forms = {
        "carry_out": CarryOutForm(formdata=None, prefix="carry"),
        "partly": PartlyForm(formdata=None, prefix="partly"),
        "refuse": RefuseForm(formdata=None, prefix="refuse"),
    }
    forms.update(given)
    forms["refuse"].clause.choices = [("", _("— choose a clause —"))] + protocol.clause_choices(current_locale_code())
    forms["partly"].post_ids.choices = [
        (post.id, _("Message #%(number)d in “%(thread)s”", number=post.number, thread=post.thread.title))
        for post in service.posts_concerned(deletion)
    ]
    return forms


def _detail_page(deletion, status=200, **given):
    return render_template(
        "erasure/detail.html",
        deletion=deletion,
        posts=service.posts_concerned(deletion),
        quoting=service.quoting_posts(deletion),
        forms=_forms(deletion, **given),
    ), status


@bp.route("/erasure/<int:request_id>")
def detail(request_id):
    """A deletion request with its target and the decision forms; 403 for non-deciders, 404 if unknown."""
    return _detail_page(_decided_request(request_id))


def _decision(request_id, name, form, act, success):
    deletion = _decided_request(request_id)
    if form.validate_on_submit():
        done = run_act(lambda: act(deletion, form), success=success)
        if done:
            return redirect(url_for("erasure.detail", request_id=deletion.id))
    return _detail_page(deletion, 400, **{name: form})


@bp.route("/erasure/<int:request_id>/carry-out", methods=["POST"])
def carry_out(request_id):
    """Carry out a deletion request; 403 for non-deciders, 404 if unknown; a second decision is refused."""
    return _decision(
        request_id,
        "carry_out",
        CarryOutForm(prefix="carry"),
        lambda deletion, form: service.carry_out(deletion, by=current_user, note=form.note.data),
        _("The deletion is carried out and the member informed."),
    )


@bp.route("/erasure/<int:request_id>/partly", methods=["POST"])
def carry_out_partly(request_id):
    """Carry out part of a request with a note; 403 for non-deciders, 404 if unknown."""
    deletion = _decided_request(request_id)
    form = PartlyForm(prefix="partly")
    form.post_ids.choices = [(post.id, str(post.id)) for post in service.posts_concerned(deletion)]
    return _decision(
        request_id,
        "partly",
        form,
        lambda deletion, form: service.carry_out_partly(
            deletion, by=current_user, note=form.note.data, post_ids=form.post_ids.data
        ),
        _("The deletion is partly carried out and the member informed."),
    )


@bp.route("/erasure/<int:request_id>/refuse", methods=["POST"])
def refuse(request_id):
    """Refuse a request citing a clause; 403 for non-deciders, 404 if unknown."""
    form = RefuseForm(prefix="refuse")
    form.clause.choices = protocol.clause_choices(current_locale_code())
    return _decision(
        request_id,
        "refuse",
        form,
        lambda deletion, form: service.refuse(
            deletion, by=current_user, reason=form.reason.data, clause=form.clause.data
        ),
        _("The request is refused and the member informed."),
    )


# Recording on someone's behalf --------------------------------------------------


def _record_target(form):
    """The post, thread or account the record form names, or None."""
    scope = DeletionScope(form.scope.data)
    if scope == DeletionScope.account:
        return find_user_by_email(form.email.data or "")
    if form.target_id.data is None:
        return None
    return db.session.get(Post if scope == DeletionScope.post else Thread, form.target_id.data)


@bp.route("/erasure/record", methods=["GET", "POST"])
def record():
    """Record a request received by e-mail or letter on someone's behalf; 403 for anyone but the deciders."""
    policy.require(policy.can_record_deletion_request(current_user))
    form = RecordForm()
    form.scope.choices = [(scope.value, scope.label) for scope in DeletionScope]
    if form.validate_on_submit():
        target = _record_target(form)
        done = run_act(
            lambda: service.record_deletion_request(
                target,
                by=current_user,
                reason=form.reason.data,
                received_by=form.received_by.data,
                include_posts=form.include_posts.data,
            ),
            success=_("The request is recorded; the member is told."),
        )
        if done:
            return redirect(url_for("erasure.detail", request_id=done.value.id))
        return render_template("erasure/record.html", form=form), 400
    return render_template("erasure/record.html", form=form), (400 if form.errors else 200)
