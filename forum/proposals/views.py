"""The topics page and topic proposals: propose, endorse, consider, accept, decline (URLs under /topics)."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from forum import clock, policy
from forum.i18n import current_locale_code
from forum.proposals import service
from forum.proposals.forms import DeclineForm, NoteForm, ProposalForm
from forum.proposals.models import ProposalStatus
from forum.rooms.service import active_languages, category_choices
from forum.web import int_arg, last_page, page_arg, run_act

bp = Blueprint("proposals", __name__)

PROPOSALS_PER_PAGE = 20
HELD_PER_PAGE = 10
# The calendar can be paged a few years either way, no further.
CALENDAR_OFFSET_LIMIT = 52 * 5


def _get_proposal(proposal_id):
    """The proposal if the user may see the topics; 404 otherwise."""
    proposal = service.get_proposal(proposal_id)
    policy.require_visible(proposal is not None and policy.can_view_topics(current_user))
    return proposal


def _to_proposal(proposal):
    return redirect(url_for("proposals.view", proposal_id=proposal.id))


@bp.route("/topics")
def topics():
    """Calendar, current, planned and held discussions, and proposals being considered; 404 for guests."""
    policy.require_visible(policy.can_view_topics(current_user))
    offset = max(min(int_arg("weeks", 0), CALENDAR_OFFSET_LIMIT), -CALENDAR_OFFSET_LIMIT)
    held_page = page_arg("held")
    overview = service.topics_overview(
        current_user,
        now=clock.now(),
        held_page=held_page,
        held_per_page=HELD_PER_PAGE,
        calendar_offset=offset,
    )
    return render_template(
        "proposals/topics.html",
        overview=overview,
        locale=current_locale_code(),
        offset=offset,
        held_page=held_page,
        held_last_page=last_page(overview.held_total, HELD_PER_PAGE),
    )


@bp.route("/topics/proposals")
def index():
    """All proposals (or those of one status), newest first, with endorsements by regional group; 404 for guests."""
    policy.require_visible(policy.can_view_topics(current_user))
    status = ProposalStatus.from_arg(request.args.get("status"))
    page = page_arg()
    total, items = service.proposals_page(status, page, PROPOSALS_PER_PAGE)
    ids = [proposal.id for proposal in items]
    return render_template(
        "proposals/proposals.html",
        proposals=items,
        status=status,
        statuses=list(ProposalStatus),
        counts_by_id=service.endorsement_counts(ids),
        endorsed=service.endorsed_by(current_user, ids),
        page=page,
        last_page=last_page(total, PROPOSALS_PER_PAGE),
        total=total,
        locale=current_locale_code(),
    )


@bp.route("/topics/proposals/new", methods=["GET", "POST"])
def new():
    """Propose a topic; 403 for those who may not (guests never get this far)."""
    policy.require(policy.can_propose_topic(current_user))
    form = ProposalForm()
    form.category.choices = category_choices(current_locale_code())
    form.languages.choices = [(language.code, language.native_name) for language in active_languages()]
    if form.validate_on_submit():
        done = run_act(
            lambda: service.propose_topic(
                by=current_user,
                title=form.title.data,
                description=form.description.data,
                category_id=form.category.data,
                aims=form.aims.data,
                audience=form.audience.data,
                languages=form.languages.data or [],
                for_group=form.for_group.data,
            ),
            success=_("Thank you: your proposal is submitted."),
        )
        if done:
            return _to_proposal(done.value)
    return render_template("proposals/proposal_form.html", form=form), (400 if request.method == "POST" else 200)


@bp.route("/topics/proposals/<int:proposal_id>")
def view(proposal_id):
    """A proposal with its endorsements by group and, for moderators, the decisions; 404 if unknown."""
    proposal = _get_proposal(proposal_id)
    endorsements = service.proposal_endorsements(proposal)
    return render_template(
        "proposals/proposal.html",
        proposal=proposal,
        endorsements=endorsements,
        counts=service.endorsement_counts([proposal.id]).get(proposal.id, []),
        endorsed=any(e.user_id == current_user.id for e in endorsements),
        note_form=NoteForm(formdata=None),
        decline_form=DeclineForm(formdata=None),
        locale=current_locale_code(),
    )


@bp.route("/topics/proposals/<int:proposal_id>/endorse", methods=["POST"])
def endorse(proposal_id):
    """Endorse (endorse=1, optionally for one's group) or withdraw one's endorsement (endorse=0); 404, 403."""
    proposal = _get_proposal(proposal_id)
    policy.require(policy.can_endorse(current_user, proposal))
    if request.form.get("endorse") == "1":
        for_group = request.form.get("for_group") == "1"
        run_act(
            lambda: service.endorse(proposal, by=current_user, for_group=for_group),
            success=_("Your endorsement is recorded."),
        )
    else:
        run_act(
            lambda: service.withdraw_endorsement(proposal, by=current_user), success=_("Your endorsement is withdrawn.")
        )
    return _to_proposal(proposal)


@bp.route("/topics/proposals/<int:proposal_id>/consider", methods=["POST"])
def consider(proposal_id):
    """Mark the proposal as under consideration; 404 if unknown, 403 unless the user handles it."""
    proposal = _get_proposal(proposal_id)
    policy.require(policy.can_handle_proposal(current_user, proposal))
    form = NoteForm()
    if not form.validate_on_submit():
        abort(400)
    run_act(
        lambda: service.consider_proposal(proposal, by=current_user, note=form.note.data),
        success=_("The proposal is under consideration."),
    )
    return _to_proposal(proposal)


@bp.route("/topics/proposals/<int:proposal_id>/accept", methods=["POST"])
def accept(proposal_id):
    """Accept the proposal, then continue to the new-discussion form pre-filled from it; 404, 403."""
    proposal = _get_proposal(proposal_id)
    policy.require(policy.can_handle_proposal(current_user, proposal))
    form = NoteForm()
    if not form.validate_on_submit():
        abort(400)
    done = run_act(
        lambda: service.accept_proposal(proposal, by=current_user, note=form.note.data),
        success=_("The proposal is accepted. Schedule it as a weekly discussion."),
    )
    if done and policy.can_schedule_proposal(current_user, proposal):
        return redirect(url_for("discussions.new", proposal=proposal.id))
    return _to_proposal(proposal)


@bp.route("/topics/proposals/<int:proposal_id>/decline", methods=["POST"])
def decline(proposal_id):
    """Decline with a reason the proposer sees; 404 if unknown, 403 unless the user handles it."""
    proposal = _get_proposal(proposal_id)
    policy.require(policy.can_handle_proposal(current_user, proposal))
    form = DeclineForm()
    if form.validate_on_submit():
        run_act(
            lambda: service.decline_proposal(proposal, by=current_user, reason=form.reason.data),
            success=_("The proposal is declined; the proposer is told why."),
        )
    else:
        for error in form.reason.errors:
            flash(error, "error")
    return _to_proposal(proposal)
