"""Guest requests (ask, assess, decide, revoke), their list, and the invitation link a guest follows."""

from datetime import UTC, datetime, time, timedelta

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from forum import policy
from forum.discussions.models import Discussion
from forum.extensions import db, limiter
from forum.guests import service
from forum.guests.forms import (
    AcceptExistingForm,
    AcceptNewForm,
    AssessForm,
    DecisionForm,
    GuestRequestForm,
    ResendForm,
    RevokeForm,
)
from forum.guests.models import InvitationStatus, event_label
from forum.i18n import current_locale_code, native_name, reader_zone
from forum.protocol import service as protocol
from forum.web import last_page, page_arg, run_act

bp = Blueprint("guests", __name__)

REQUESTS_PER_PAGE = 25


def _end_of_day(day):
    """Access "until" a calendar day lasts to the end of that day in the reader's time zone."""
    if day is None:
        return None
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=reader_zone()).astimezone(UTC)


def _get_invitation(invitation_id):
    """The request if the user may see it: 404 otherwise, whether it exists or not."""
    invitation = service.get_invitation(invitation_id)
    policy.require_visible(invitation is not None and policy.can_view_guest_request(current_user, invitation))
    return invitation


# Asking ------------------------------------------------------------------------


@bp.route("/guests/new/<int:discussion_id>", methods=["GET", "POST"])
def new(discussion_id):
    """Ask for a guest in a discussion; 404 for an unknown discussion, 403 for those who may not ask."""
    discussion = db.session.get(Discussion, discussion_id)
    policy.require_visible(discussion is not None and policy.can_view_topics(current_user))
    policy.require(policy.can_request_guest(current_user))
    form = GuestRequestForm()
    form.languages.choices = [
        (text.language_code, native_name(text.language_code)) for text in discussion.ordered_texts
    ]
    if form.validate_on_submit():
        done = run_act(
            lambda: service.request_guest(
                discussion,
                by=current_user,
                guest_name=form.guest_name.data,
                email=form.email.data,
                organisation=form.organisation.data,
                organisation_kind=form.organisation_kind.data,
                justification=form.justification.data,
                languages=form.languages.data or [],
                ends_at=_end_of_day(form.ends_at.data),
            ),
            success=_("Your request is sent to the moderators, who will assess it."),
        )
        if done:
            return redirect(url_for("guests.detail", invitation_id=done.value.id))
    status = 400 if request.method == "POST" else 200
    return render_template(
        "guests/new.html",
        form=form,
        discussion=discussion,
        locale=current_locale_code(),
    ), status


# Lists and pages ---------------------------------------------------------------


@bp.route("/guests")
def requests():
    """Guest requests by state: all of them for chief moderators, one's own for requesters; 403 for others."""
    policy.require(policy.can_view_guest_requests(current_user))
    status = InvitationStatus.from_arg(request.args.get("status"))
    page = page_arg()
    total, items = service.requests_page(current_user, status, page, REQUESTS_PER_PAGE)
    return render_template(
        "guests/list.html",
        items=items,
        status=status,
        statuses=list(InvitationStatus),
        counts=service.status_counts(current_user),
        page=page,
        last_page=last_page(total, REQUESTS_PER_PAGE),
        total=total,
        locale=current_locale_code(),
    )


def _detail_page(invitation, status=200, **forms):
    """The request with its assessment, decision, audit trail and the forms the user may use."""
    forms.setdefault("assess_form", AssessForm(formdata=None, prefix="assess"))
    forms.setdefault("decision_form", DecisionForm(formdata=None, prefix="decide"))
    forms.setdefault("revoke_form", RevokeForm(formdata=None, prefix="revoke"))
    forms["assess_form"].clause.choices = [("", _("— choose a clause —"))] + protocol.clause_choices(
        current_locale_code()
    )
    history = service.history_for_email(invitation) if policy.can_see_all_guest_requests(current_user) else []
    return render_template(
        "guests/detail.html",
        invitation=invitation,
        events=service.events_for(invitation),
        history=history,
        effective=invitation.effective_status(),
        resend_form=ResendForm(formdata=None),
        locale=current_locale_code(),
        guest_event_label=event_label,
        **forms,
    ), status


@bp.route("/guests/<int:invitation_id>")
def detail(invitation_id):
    """One request; 404 unless the user requested it or is a chief moderator."""
    return _detail_page(_get_invitation(invitation_id))


@bp.route("/guests/<int:invitation_id>/assess", methods=["POST"])
def assess(invitation_id):
    """Recommend or reject, citing a clause and a reason; 403 for all but chief moderators."""
    invitation = _get_invitation(invitation_id)
    policy.require(policy.can_assess_guest_request(current_user))
    form = AssessForm(prefix="assess")
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(str(error), "error")
        return _detail_page(invitation, 400, assess_form=form)
    recommend = form.decision.data == "recommend"
    done = run_act(
        lambda: service.assess_request(
            invitation,
            by=current_user,
            recommend=recommend,
            clause=form.clause.data,
            reason=form.reason.data,
        ),
        success=_("The request is recommended to the administrators.")
        if recommend
        else _("The request is rejected; the requester is told why."),
    )
    if not done:
        return _detail_page(invitation, 400, assess_form=form)
    return redirect(url_for("guests.detail", invitation_id=invitation.id))


@bp.route("/guests/<int:invitation_id>/decide", methods=["POST"])
def decide(invitation_id):
    """Approve (the invitation is e-mailed at once) or reject a recommended request; 403 for all but administrators."""
    invitation = _get_invitation(invitation_id)
    policy.require(policy.can_approve_guest(current_user))
    form = DecisionForm(prefix="decide")
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(str(error), "error")
        return _detail_page(invitation, 400, decision_form=form)
    approve = form.decision.data == "approve"
    done = run_act(
        lambda: service.decide_request(invitation, by=current_user, approve=approve, reason=form.reason.data),
        success=_("The guest is approved and the invitation is on its way.")
        if approve
        else _("The request is rejected; the requester is told why."),
    )
    if not done:
        return _detail_page(invitation, 400, decision_form=form)
    return redirect(url_for("guests.detail", invitation_id=invitation.id))


@bp.route("/guests/<int:invitation_id>/resend", methods=["POST"])
def resend(invitation_id):
    """Send a new link (the earlier one stops working) before the guest accepted; 404 if unseen, 403 for non-admins."""
    invitation = _get_invitation(invitation_id)
    policy.require(policy.can_approve_guest(current_user))
    if not ResendForm().validate_on_submit():
        abort(400)
    done = run_act(
        lambda: service.send_invitation(invitation, by=current_user), success=_("A new invitation link is on its way.")
    )
    if not done:
        return _detail_page(invitation, 400)
    return redirect(url_for("guests.detail", invitation_id=invitation.id))


@bp.route("/guests/<int:invitation_id>/revoke", methods=["POST"])
def revoke(invitation_id):
    """End the invitation now; the guest loses access on their next request. Chief moderators only (403)."""
    invitation = _get_invitation(invitation_id)
    policy.require(policy.can_revoke_guest(current_user))
    form = RevokeForm(prefix="revoke")
    if not form.validate_on_submit():
        return _detail_page(invitation, 400, revoke_form=form)
    done = run_act(
        lambda: service.revoke_invitation(invitation, by=current_user, reason=form.reason.data),
        success=_("The invitation is revoked."),
    )
    if not done:
        return _detail_page(invitation, 400, revoke_form=form)
    return redirect(url_for("guests.detail", invitation_id=invitation.id))


# The link in the e-mail ------------------------------------------------------------


def _accept_failed(response):
    return response.status_code >= 400


@bp.route("/invitation/<token>", methods=["GET", "POST"])
@limiter.limit("20 per 10 minutes", methods=["POST"], deduct_when=_accept_failed, scope="guest-accept")
def accept(token):
    """Accept an invitation: choose a password (or sign in to one's guest account); 404 for any unusable link."""
    invitation, existing = service.find_acceptable_invitation(token)
    if invitation is None:
        return render_template("guests/invalid.html"), 404
    if current_user.is_authenticated and (existing is None or current_user.id != existing.id):
        # Someone else's session must not end up holding the guest's access.
        logout_user()
    form = AcceptExistingForm() if existing is not None else AcceptNewForm()
    if request.method == "GET" and existing is None:
        form.display_name.data = invitation.guest_name
    if form.validate_on_submit():
        done = run_act(
            lambda: service.accept_invitation(
                invitation,
                existing=existing,
                password=form.password.data,
                display_name=form.display_name.data if existing is None else None,
                locale=current_locale_code(),
            ),
            success=_("Welcome: you can now take part in the discussion."),
            field=form.password,
        )
        if done:
            user, thread_id = done.value
            session.clear()
            login_user(user)
            session.permanent = True
            target = url_for("threads.thread", thread_id=thread_id) if thread_id else url_for("main.home")
            if not policy.has_accepted_protocol(user):
                return redirect(url_for("protocol.view", next=target))
            return redirect(target)
    status = 400 if request.method == "POST" else 200
    return render_template(
        "guests/accept.html",
        form=form,
        invitation=invitation,
        existing=existing,
        locale=current_locale_code(),
    ), status
