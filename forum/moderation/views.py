"""Moderation pages: reporting a post, the queue, decisions on posts and users, supervision, the audit log.

Every page checks the policy (403 outside the moderator's languages; 404 for
what the user may not even read), validates the form, calls one service
function and commits; refused input re-renders the page with a 400 and a
translated message, having written nothing.
"""

from datetime import date

from flask import (
    Blueprint,
    Response,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from forum import clock, policy
from forum.accounts.models import User
from forum.accounts.service import find_user_by_email
from forum.audit import AuditEvent
from forum.extensions import db
from forum.i18n import current_locale_code
from forum.moderation import service
from forum.moderation.forms import (
    ApproveForm,
    AuditFilterForm,
    DismissForm,
    FlagForm,
    HideForm,
    LiftForm,
    RestoreForm,
    ReverseForm,
    SuspendForm,
    WarnForm,
)
from forum.moderation.labels import action_label
from forum.protocol import service as protocol
from forum.rooms.service import active_languages
from forum.threads.models import Post
from forum.web import last_page, page_arg, run_act

bp = Blueprint("moderation", __name__)

QUEUE_PER_PAGE = 25
EVENTS_PER_PAGE = 50
SUSPENSION_DAYS = (1, 3, 7, 14, 30, 90, 365)


@bp.app_context_processor
def template_helpers():
    # Called by base.html only for a suspended user, so other pages make no query for it.
    return {"current_suspension": service.active_suspension, "audit_action_label": action_label}


def _readable_post(post_id):
    """The post if the user may read its thread; 404 otherwise (forbidden looks like missing)."""
    post = db.session.get(Post, post_id)
    policy.require_visible(post is not None and policy.can_read_thread(current_user, post.thread))
    return post


def _moderated_post(post_id):
    """The post if the user moderates its room: 404 if unreadable, 403 outside their languages."""
    post = _readable_post(post_id)
    policy.require(policy.can_moderate_post(current_user, post))
    return post


def _with_clauses(*forms):
    choices = [("", _("— choose a clause —"))] + protocol.clause_choices(current_locale_code())
    for form in forms:
        form.clause.choices = choices
    return forms


def _duration_choices():
    choices = [(str(days), ngettext("%(num)d day", "%(num)d days", days)) for days in SUSPENSION_DAYS]
    return choices + [("0", _("Until lifted"))]


# Reporting ---------------------------------------------------------------------


@bp.route("/p/<int:post_id>/flag", methods=["GET", "POST"])
def flag_post(post_id):
    """Report a post to the moderators, citing a clause; 404 if unreadable, 403 if the user may not report it."""
    post = _readable_post(post_id)
    policy.require(policy.can_flag_post(current_user, post))
    (form,) = _with_clauses(FlagForm())
    if form.validate_on_submit():
        done = run_act(
            lambda: service.flag_post(post, by=current_user, clause=form.clause.data, note=form.note.data),
            success=_("Thank you: the moderators will look at this message."),
        )
        if not done:
            return (render_template("moderation/flag.html", post=post, form=form), 400)
        return redirect(url_for("threads.goto_post", post_id=post.id))
    return render_template("moderation/flag.html", post=post, form=form), (400 if form.errors else 200)


# The queue and decisions on posts ----------------------------------------------


@bp.route("/moderation")
def queue():
    """Reported and held posts in the moderator's languages, oldest first; 403 for non-moderators."""
    policy.require(policy.can_see_moderation_queue(current_user))
    languages = [
        language for language in active_languages() if policy.can_moderate_language(current_user, language.code)
    ]
    language = request.args.get("language") or None
    if language not in {lang.code for lang in languages}:
        language = None
    page = page_arg()
    items, total = service.moderation_queue(current_user, page=page, per_page=QUEUE_PER_PAGE, language=language)
    return render_template(
        "moderation/queue.html",
        items=items,
        total=total,
        page=page,
        last_page=last_page(total, QUEUE_PER_PAGE),
        languages=languages,
        language=language,
    )


def _review_page(post, status=200, **forms):
    """The post's page for its moderators: text, reports, history and the decision forms."""
    defaults = {
        "hide": HideForm(formdata=None, prefix="hide"),
        "restore": RestoreForm(formdata=None, prefix="restore"),
        "approve": ApproveForm(formdata=None, prefix="approve"),
        "dismiss": DismissForm(formdata=None, prefix="dismiss"),
        "warn": WarnForm(formdata=None, prefix="warn"),
    }
    defaults.update(forms)
    _with_clauses(defaults["hide"], defaults["warn"])
    flags = service.flags_of(post)
    open_flags = [flag for flag in flags if flag.status.is_open]
    if open_flags and "hide" not in forms:
        # Offer the clause the first reporter cited; the moderator can change it.
        defaults["hide"].clause.data = open_flags[0].clause
    return render_template(
        "moderation/post.html",
        post=post,
        flags=flags,
        open_flags=open_flags,
        history=service.events_about(post),
        forms=defaults,
        can_warn=policy.can_warn_user(current_user, post.author, post),
    ), status


@bp.route("/moderation/posts/<int:post_id>")
def review(post_id):
    """A post under review; 404 if unreadable, 403 outside the moderator's languages."""
    return _review_page(_moderated_post(post_id))


def _post_decision(post_id, prefix, form_class, act, success):
    post = _moderated_post(post_id)
    form = form_class(prefix=prefix)
    if hasattr(form, "clause"):
        _with_clauses(form)
    if form.validate_on_submit():
        done = run_act(lambda: act(post, form), success=success)
        if not done:
            return _review_page(post, 400, **{prefix: form})
        return redirect(url_for("moderation.review", post_id=post.id))
    return _review_page(post, 400, **{prefix: form})


@bp.route("/moderation/posts/<int:post_id>/hide", methods=["POST"])
def hide(post_id):
    """Hide a post under a clause, upholding its reports, author told. 404 if unreadable, 403 if not its moderator."""
    return _post_decision(
        post_id,
        "hide",
        HideForm,
        lambda post, form: service.hide_post(post, by=current_user, clause=form.clause.data, reason=form.reason.data),
        _("The message is hidden and its author informed."),
    )


@bp.route("/moderation/posts/<int:post_id>/restore", methods=["POST"])
def restore(post_id):
    """Publish a hidden post again; the author is told. 404 if unreadable, 403 outside the moderator's languages."""
    return _post_decision(
        post_id,
        "restore",
        RestoreForm,
        lambda post, form: service.restore_post(post, by=current_user, reason=form.reason.data),
        _("The message is published again and its author informed."),
    )


@bp.route("/moderation/posts/<int:post_id>/approve", methods=["POST"])
def approve(post_id):
    """Publish a post that was held for moderation; 404 if unreadable, 403 outside the moderator's languages."""
    return _post_decision(
        post_id,
        "approve",
        ApproveForm,
        lambda post, form: service.approve_post(post, by=current_user, reason=form.reason.data),
        _("The message is published."),
    )


@bp.route("/moderation/posts/<int:post_id>/dismiss", methods=["POST"])
def dismiss(post_id):
    """Close a post's open reports without acting on it; 404 if unreadable, 403 outside the moderator's languages."""
    return _post_decision(
        post_id,
        "dismiss",
        DismissForm,
        lambda post, form: service.dismiss_flags(post, by=current_user, reason=form.reason.data),
        _("The reports are dismissed."),
    )


@bp.route("/moderation/posts/<int:post_id>/warn", methods=["POST"])
def warn_author(post_id):
    """Warn a post's author under a clause; 404 if the post is unreadable, 403 outside the moderator's languages."""
    post = _moderated_post(post_id)
    policy.require(policy.can_warn_user(current_user, post.author, post))
    return _post_decision(
        post_id,
        "warn",
        WarnForm,
        lambda post, form: service.warn_user(
            post.author, by=current_user, clause=form.clause.data, reason=form.reason.data, post=post
        ),
        _("The warning is sent."),
    )


# Users -------------------------------------------------------------------------


def _target_user(user_id):
    """The user whose record is asked for: 403 for anyone who may see no record, then 404 for an unknown id.

    The permission is asked before the id is looked up, so ids reveal nothing
    to non-moderators: they get 403 whether the account exists or not.
    """
    policy.require(policy.can_see_moderation_queue(current_user))
    user = policy.found(db.session.get(User, user_id))
    policy.require(policy.can_view_user_record(current_user, user))
    return user


def _user_page(user, status=200, **forms):
    defaults = {
        "warn": WarnForm(formdata=None, prefix="warn"),
        "suspend": SuspendForm(formdata=None, prefix="suspend"),
        "lift": LiftForm(formdata=None, prefix="lift"),
    }
    defaults.update(forms)
    _with_clauses(defaults["warn"], defaults["suspend"])
    defaults["suspend"].duration.choices = _duration_choices()
    return render_template(
        "moderation/user.html",
        user=user,
        sanctions=service.sanctions_of(user),
        suspension=service.active_suspension(user),
        acceptances=protocol.acceptances_of(user),
        current_protocol=protocol.current_version(),
        forms=defaults,
    ), status


@bp.route("/moderation/users/<int:user_id>")
def user_record(user_id):
    """A user's sanctions and protocol acceptances, for moderators; 403 for others, 404 for unknown ids."""
    return _user_page(_target_user(user_id))


def _user_decision(user_id, prefix, form_class, allowed, act, success):
    user = _target_user(user_id)
    policy.require(allowed(current_user, user))
    form = form_class(prefix=prefix)
    if hasattr(form, "clause"):
        _with_clauses(form)
    if hasattr(form, "duration"):
        form.duration.choices = _duration_choices()
    if form.validate_on_submit():
        done = run_act(lambda: act(user, form), success=success)
        if not done:
            return _user_page(user, 400, **{prefix: form})
        return redirect(url_for("moderation.user_record", user_id=user.id))
    return _user_page(user, 400, **{prefix: form})


@bp.route("/moderation/users/<int:user_id>/warn", methods=["POST"])
def warn_user(user_id):
    """Warn a user under a clause (chief moderators); 403 for others, 404 for an unknown user."""
    return _user_decision(
        user_id,
        "warn",
        WarnForm,
        lambda actor, user: policy.can_warn_user(actor, user),
        lambda user, form: service.warn_user(user, by=current_user, clause=form.clause.data, reason=form.reason.data),
        _("The warning is sent."),
    )


@bp.route("/moderation/users/<int:user_id>/suspend", methods=["POST"])
def suspend(user_id):
    """Suspend a user for a period or until lifted (chief moderators); 403 for others, 404 for an unknown user."""
    return _user_decision(
        user_id,
        "suspend",
        SuspendForm,
        policy.can_suspend_user,
        lambda user, form: service.suspend_user(
            user,
            by=current_user,
            clause=form.clause.data,
            reason=form.reason.data,
            days=int(form.duration.data) or None,
        ),
        _("The account is suspended and its owner informed."),
    )


@bp.route("/moderation/users/<int:user_id>/lift", methods=["POST"])
def lift(user_id):
    """End a suspension now (chief moderators); 403 for others (before the id is looked up), 404 for an unknown user."""
    return _user_decision(
        user_id,
        "lift",
        LiftForm,
        policy.can_suspend_user,
        lambda user, form: service.lift_suspension(user, by=current_user, reason=form.reason.data),
        _("The suspension is lifted."),
    )


# Supervision of language moderators --------------------------------------------


@bp.route("/moderation/supervision")
def supervision():
    """Every act of the language moderators, newest first, with its reversal; 403 for all but chief moderators."""
    policy.require(policy.can_supervise_language_moderators(current_user))
    page = page_arg()
    events, reversals, total = service.language_moderator_acts(page=page, per_page=EVENTS_PER_PAGE)
    return render_template(
        "moderation/supervision.html",
        events=events,
        reversals=reversals,
        targets=service.load_targets(events),
        reversible=service.REVERSIBLE_ACTIONS,
        page=page,
        last_page=last_page(total, EVENTS_PER_PAGE),
        total=total,
    )


@bp.route("/moderation/acts/<int:event_id>/reverse", methods=["GET", "POST"])
def reverse(event_id):
    """Reverse a language moderator's act, with a reason.

    403 for anyone who is no moderator, asked before the id is looked up so ids
    reveal nothing to members; then 404 for an unknown act and 403 for an act
    the user may not reverse.
    """
    policy.require(policy.can_see_moderation_queue(current_user))
    event = policy.found(db.session.get(AuditEvent, event_id))
    policy.require(policy.can_reverse_act(current_user, event))
    form = ReverseForm()

    def page(status=200):
        return render_template(
            "moderation/reverse.html",
            event=event,
            form=form,
            targets=service.load_targets([event]),
            reversal=service.reversal_of(event),
            reversible=event.action in service.REVERSIBLE_ACTIONS,
        ), status

    if form.validate_on_submit():
        done = run_act(
            lambda: service.reverse_act(event, by=current_user, reason=form.reason.data),
            success=_("The act is reversed; the reversal is in the audit trail."),
        )
        if not done:
            return page(400)
        return redirect(url_for("moderation.supervision"))
    return page(400 if form.errors else 200)


# The audit log -----------------------------------------------------------------


def _audit_filters():
    """The filter form from the query string and the filters it means; unknown values filter nothing out."""
    form = AuditFilterForm(request.args)
    form.actor.choices = [("", _("Anyone")), (service.SYSTEM_ACTOR, _("The forum (automatic)"))] + [
        (str(user.id), f"{user.display_name} <{user.email}>") for user in service.audit_actors(current_user)
    ]
    form.action.choices = [("", _("Any action"))] + [
        (action, action_label(action)) for action in service.audit_actions(current_user)
    ]
    form.validate()
    filters = service.AuditFilters(action=form.action.data or None)
    actor = form.actor.data or ""
    if actor == service.SYSTEM_ACTOR:
        filters.actor = actor
    elif actor.isdigit():
        filters.actor = int(actor)
    if form.user.data:
        concerned = find_user_by_email(form.user.data)
        # An unknown address matches nothing rather than everything.
        filters.user_id = concerned.id if concerned else 0
        if concerned is None:
            form.user.errors = [_("There is no account with this e-mail address.")]
    filters.since = form.since.data if isinstance(form.since.data, date) else None
    filters.until = form.until.data if isinstance(form.until.data, date) else None
    return form, filters


@bp.route("/moderation/audit")
def audit_log():
    """The audit trail, filtered by actor, action, user concerned and dates; 403 for those who see no audit log."""
    policy.require(policy.can_view_audit_log(current_user))
    form, filters = _audit_filters()
    page = page_arg()
    events, total = service.audit_page(current_user, filters, page=page, per_page=EVENTS_PER_PAGE)
    query = {key: value for key, value in request.args.items() if key != "page" and value}
    return render_template(
        "moderation/audit.html",
        form=form,
        events=events,
        total=total,
        page=page,
        last_page=last_page(total, EVENTS_PER_PAGE),
        targets=service.load_targets(events),
        query=query,
    )


@bp.route("/moderation/audit.csv")
def audit_csv():
    """The filtered audit trail as a CSV download (cells formula-safe); 403 for those who see no audit log."""
    policy.require(policy.can_view_audit_log(current_user))
    _form, filters = _audit_filters()
    filename = f"audit-{clock.now().date().isoformat()}.csv"
    return Response(
        stream_with_context(service.audit_csv_chunks(current_user, filters)),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
