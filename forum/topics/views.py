"""The topics page, weekly discussions (schedule, edit, times, summaries, experts) and topic proposals."""
from datetime import timezone

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from forum import clock, policy
from forum.extensions import db
from forum.i18n import current_locale_code, reader_zone
from forum.topics import service
from forum.topics.forms import (
    DeclineForm,
    EditDiscussionForm,
    InviteExpertForm,
    NewDiscussionForm,
    NoteForm,
    ProposalForm,
    RescheduleForm,
    SummaryForm,
    body_field,
    discussion_form,
    title_field,
)
from forum.topics.models import ProposalStatus
from forum.web import page_arg

bp = Blueprint("topics", __name__)

PROPOSALS_PER_PAGE = 20
HELD_PER_PAGE = 10
# The calendar can be paged a few years either way, no further.
CALENDAR_OFFSET_LIMIT = 52 * 5


def _to_utc(local):
    """A naive form value, read in the reader's time zone, as aware UTC."""
    if local is None:
        return None
    return local.replace(tzinfo=reader_zone()).astimezone(timezone.utc)


def _to_local(moment):
    """An aware time as the naive local value a datetime-local field shows."""
    return moment.astimezone(reader_zone()).replace(tzinfo=None, second=0, microsecond=0) if moment else None


def _form_times(form):
    closes_at = None if form.open_ended.data else _to_utc(form.closes_at.data)
    return _to_utc(form.opens_at.data), closes_at


def _fill_times(form, opens_at, closes_at):
    form.opens_at.data = _to_local(opens_at)
    form.closes_at.data = _to_local(closes_at)
    form.open_ended.data = closes_at is None


def _failed(error):
    """Undo what the service half-wrote; 403 for a refusal, a flashed message for bad input."""
    db.session.rollback()
    if isinstance(error, service.NotAllowed):
        abort(403)
    flash(str(error), "error")


def _get_discussion(discussion_id):
    """The discussion if the user may see the topics; 404 otherwise."""
    discussion = service.get_discussion(discussion_id)
    policy.require_visible(discussion is not None and policy.can_view_topics(current_user))
    return discussion


def _get_proposal(proposal_id):
    proposal = service.get_proposal(proposal_id)
    policy.require_visible(proposal is not None and policy.can_view_topics(current_user))
    return proposal


# The topics page ---------------------------------------------------------------------


@bp.route("/topics")
def index():
    """Calendar, current, planned and held discussions, and proposals being considered."""
    policy.require_visible(policy.can_view_topics(current_user))
    offset = max(min(request.args.get("weeks", 0, type=int) or 0, CALENDAR_OFFSET_LIMIT), -CALENDAR_OFFSET_LIMIT)
    held_page = page_arg("held")
    overview = service.topics_overview(
        current_user, now=clock.now(), held_page=held_page, held_per_page=HELD_PER_PAGE, calendar_offset=offset,
    )
    held_last_page = max((overview.held_total - 1) // HELD_PER_PAGE + 1, 1)
    return render_template(
        "topics/index.html", overview=overview, locale=current_locale_code(), offset=offset,
        held_page=held_page, held_last_page=held_last_page,
    )


# Weekly discussions ------------------------------------------------------------------


def _texts_from(form, languages):
    return {
        language.code: service.TextInput(form[title_field(language.code)].data, form[body_field(language.code)].data)
        for language in languages
    }


def _fill_texts(form, texts):
    for code, text in texts.items():
        if title_field(code) in form:
            form[title_field(code)].data = text.title
            form[body_field(code)].data = text.body


def _category_choices():
    locale = current_locale_code()
    return [(category.id, category.text(locale)[0]) for category in service.categories()]


@bp.route("/topics/discussions/new", methods=["GET", "POST"])
def new_discussion():
    """Schedule a weekly discussion (pre-filled from an accepted proposal with ?proposal=id); 403 for non-moderators."""
    policy.require(policy.can_schedule_discussions(current_user))
    proposal = None
    proposal_id = request.values.get("proposal", type=int)
    if proposal_id:
        proposal = _get_proposal(proposal_id)
    languages = service.active_languages_for(current_user)
    form = discussion_form(NewDiscussionForm, languages)
    form.category.choices = _category_choices()
    if request.method == "GET":
        _fill_times(form, *service.default_times())
        if proposal is not None:
            form.category.data, texts = service.prefill_from_proposal(proposal)
            _fill_texts(form, texts)
    elif form.validate_on_submit():
        opens_at, closes_at = _form_times(form)
        try:
            discussion = service.schedule_discussion(
                by=current_user, category_id=form.category.data, texts=_texts_from(form, languages),
                opens_at=opens_at, closes_at=closes_at, proposal=proposal,
            )
        except service.TopicError as error:
            _failed(error)
        else:
            db.session.commit()
            flash(_("The discussion is scheduled."), "success")
            return redirect(url_for("topics.discussion", discussion_id=discussion.id))
    status = 400 if request.method == "POST" else 200
    return render_template(
        "topics/discussion_form.html", form=form, languages=languages, proposal=proposal, discussion=None,
        zone=reader_zone().key,
    ), status


@bp.route("/topics/discussions/<int:discussion_id>")
def discussion(discussion_id):
    """A discussion: its times, its threads per language, summaries, experts and the moderator's tools."""
    discussion = _get_discussion(discussion_id)
    threads = service.discussion_threads(discussion)
    expert_form = None
    if policy.can_invite_expert(current_user, discussion) and discussion.status.value != "closed":
        expert_form = InviteExpertForm(formdata=None)
        expert_form.expert.choices = [(user.id, user.display_name) for user in service.expert_candidates()]
    return render_template(
        "topics/discussion.html", discussion=discussion, threads=threads, experts=service.discussion_experts(discussion),
        expert_form=expert_form, locale=current_locale_code(),
    )


@bp.route("/topics/discussions/<int:discussion_id>/edit", methods=["GET", "POST"])
def edit_discussion(discussion_id):
    """Edit the category, titles and opening messages; 403 unless the user runs this discussion."""
    discussion = _get_discussion(discussion_id)
    policy.require(policy.can_manage_discussion(current_user, discussion))
    present = discussion.language_codes
    languages = [
        language for language in _languages_with(discussion)
        if language.code in present or policy.can_manage_discussion_languages(current_user, {language.code})
    ]
    form = discussion_form(EditDiscussionForm, languages)
    form.category.choices = _category_choices()
    if request.method == "GET":
        form.category.data = discussion.category_id
        _fill_texts(form, {t.language_code: service.TextInput(t.title, t.opening_source) for t in discussion.texts})
    elif form.validate_on_submit():
        try:
            service.edit_discussion(
                discussion, by=current_user, category_id=form.category.data, texts=_texts_from(form, languages),
            )
        except service.TopicError as error:
            _failed(error)
        else:
            db.session.commit()
            flash(_("Your changes are saved."), "success")
            return redirect(url_for("topics.discussion", discussion_id=discussion.id))
    status = 400 if request.method == "POST" else 200
    return render_template(
        "topics/discussion_form.html", form=form, languages=languages, proposal=None, discussion=discussion,
    ), status


def _languages_with(discussion):
    """Active languages plus any the discussion already runs in, in their order."""
    from forum.rooms.service import active_languages

    languages = {language.code: language for language in active_languages()}
    for text in discussion.texts:
        languages.setdefault(text.language_code, text.language)
    return sorted(languages.values(), key=lambda language: (language.position, language.code))


@bp.route("/topics/discussions/<int:discussion_id>/schedule", methods=["GET", "POST"])
def reschedule(discussion_id):
    """Change the opening (before it) or closing time, or make the discussion open-ended."""
    discussion = _get_discussion(discussion_id)
    policy.require(policy.can_manage_discussion(current_user, discussion))
    form = RescheduleForm()
    if request.method == "GET":
        _fill_times(form, discussion.opens_at, discussion.closes_at)
    elif form.validate_on_submit():
        opens_at, closes_at = _form_times(form)
        try:
            service.reschedule_discussion(discussion, by=current_user, opens_at=opens_at, closes_at=closes_at)
        except service.TopicError as error:
            _failed(error)
        else:
            db.session.commit()
            flash(_("The times are saved."), "success")
            return redirect(url_for("topics.discussion", discussion_id=discussion.id))
    status = 400 if request.method == "POST" else 200
    return render_template(
        "topics/reschedule.html", form=form, discussion=discussion, zone=reader_zone().key, locale=current_locale_code(),
    ), status


@bp.route("/topics/discussions/<int:discussion_id>/close", methods=["POST"])
def close(discussion_id):
    """Close an open discussion now, in every language."""
    discussion = _get_discussion(discussion_id)
    policy.require(policy.can_manage_discussion(current_user, discussion))
    try:
        service.close_discussion(discussion, by=current_user)
    except service.TopicError as error:
        _failed(error)
    else:
        db.session.commit()
        flash(_("The discussion is closed."), "success")
    return redirect(url_for("topics.discussion", discussion_id=discussion.id))


@bp.route("/topics/discussions/<int:discussion_id>/summary/<code>", methods=["GET", "POST"])
def summary(discussion_id, code):
    """Write the closing summary in one language; 404 if the discussion does not run in it."""
    discussion = _get_discussion(discussion_id)
    policy.require(policy.can_manage_discussion(current_user, discussion))
    text = next((t for t in discussion.texts if t.language_code == code), None)
    policy.require_visible(text is not None)
    form = SummaryForm()
    if request.method == "GET":
        form.summary.data = text.summary_source or ""
    elif form.validate_on_submit():
        try:
            service.set_summary(discussion, code, form.summary.data, by=current_user)
        except service.TopicError as error:
            _failed(error)
        else:
            db.session.commit()
            flash(_("The summary is saved."), "success")
            return redirect(url_for("topics.discussion", discussion_id=discussion.id))
    status = 400 if request.method == "POST" else 200
    return render_template("topics/summary.html", form=form, discussion=discussion, text=text), status


@bp.route("/topics/discussions/<int:discussion_id>/experts", methods=["POST"])
def invite_expert(discussion_id):
    """Ask a Secretariat staff expert into the discussion; they are notified."""
    discussion = _get_discussion(discussion_id)
    policy.require(policy.can_invite_expert(current_user, discussion))
    form = InviteExpertForm()
    if form.validate_on_submit():
        from forum.accounts.models import User

        expert = db.session.get(User, form.expert.data) if form.expert.data else None
        try:
            invitation = service.invite_expert(discussion, expert, by=current_user)
        except service.TopicError as error:
            _failed(error)
        else:
            db.session.commit()
            flash(_("%(name)s is invited and notified.", name=invitation.user.display_name), "success")
    else:
        abort(400)
    return redirect(url_for("topics.discussion", discussion_id=discussion.id))


# Topic proposals ---------------------------------------------------------------------


@bp.route("/topics/proposals")
def proposals():
    """All proposals (or those of one status), newest first, with endorsements by regional group."""
    policy.require_visible(policy.can_view_topics(current_user))
    try:
        status = ProposalStatus(request.args["status"]) if request.args.get("status") else None
    except ValueError:
        status = None
    page = page_arg()
    total, items = service.proposals_page(status, page, PROPOSALS_PER_PAGE)
    ids = [proposal.id for proposal in items]
    return render_template(
        "topics/proposals.html", proposals=items, status=status, statuses=list(ProposalStatus),
        counts_by_id=service.endorsement_counts(ids), endorsed=service.endorsed_by(current_user, ids),
        page=page, last_page=max((total - 1) // PROPOSALS_PER_PAGE + 1, 1), total=total, locale=current_locale_code(),
    )


@bp.route("/topics/proposals/new", methods=["GET", "POST"])
def new_proposal():
    """Propose a topic; 403 for those who may not (guests never get this far)."""
    policy.require(policy.can_propose_topic(current_user))
    form = ProposalForm()
    form.category.choices = _category_choices()
    from forum.rooms.service import active_languages

    form.languages.choices = [(language.code, language.native_name) for language in active_languages()]
    if form.validate_on_submit():
        try:
            proposal = service.propose_topic(
                by=current_user, title=form.title.data, description=form.description.data,
                category_id=form.category.data, aims=form.aims.data, audience=form.audience.data,
                languages=form.languages.data or [], for_group=form.for_group.data,
            )
        except service.TopicError as error:
            _failed(error)
        else:
            db.session.commit()
            flash(_("Thank you: your proposal is submitted."), "success")
            return redirect(url_for("topics.proposal", proposal_id=proposal.id))
    status = 400 if request.method == "POST" else 200
    return render_template("topics/proposal_form.html", form=form), status


@bp.route("/topics/proposals/<int:proposal_id>")
def proposal(proposal_id):
    """A proposal with its endorsements by group and, for moderators, the decisions."""
    proposal = _get_proposal(proposal_id)
    endorsements = service.proposal_endorsements(proposal)
    return render_template(
        "topics/proposal.html", proposal=proposal, endorsements=endorsements,
        counts=service.endorsement_counts([proposal.id]).get(proposal.id, []),
        endorsed=any(e.user_id == current_user.id for e in endorsements),
        note_form=NoteForm(formdata=None), decline_form=DeclineForm(formdata=None), locale=current_locale_code(),
    )


@bp.route("/topics/proposals/<int:proposal_id>/endorse", methods=["POST"])
def endorse(proposal_id):
    """Endorse (endorse=1, optionally for one's group) or withdraw one's endorsement (endorse=0)."""
    proposal = _get_proposal(proposal_id)
    policy.require(policy.can_endorse(current_user, proposal))
    endorsing = request.form.get("endorse") == "1"
    try:
        if endorsing:
            service.endorse(proposal, by=current_user, for_group=request.form.get("for_group") == "1")
        else:
            service.withdraw_endorsement(proposal, by=current_user)
    except service.TopicError as error:
        _failed(error)
    else:
        db.session.commit()
        flash(_("Your endorsement is recorded.") if endorsing else _("Your endorsement is withdrawn."), "success")
    return redirect(url_for("topics.proposal", proposal_id=proposal.id))


@bp.route("/topics/proposals/<int:proposal_id>/consider", methods=["POST"])
def consider(proposal_id):
    """Mark the proposal as under consideration."""
    proposal = _get_proposal(proposal_id)
    policy.require(policy.can_handle_proposal(current_user, proposal))
    form = NoteForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        service.consider_proposal(proposal, by=current_user, note=form.note.data)
    except service.TopicError as error:
        _failed(error)
    else:
        db.session.commit()
        flash(_("The proposal is under consideration."), "success")
    return redirect(url_for("topics.proposal", proposal_id=proposal.id))


@bp.route("/topics/proposals/<int:proposal_id>/accept", methods=["POST"])
def accept(proposal_id):
    """Accept the proposal, then continue to the new-discussion form pre-filled from it."""
    proposal = _get_proposal(proposal_id)
    policy.require(policy.can_handle_proposal(current_user, proposal))
    form = NoteForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        service.accept_proposal(proposal, by=current_user, note=form.note.data)
    except service.TopicError as error:
        _failed(error)
        return redirect(url_for("topics.proposal", proposal_id=proposal.id))
    db.session.commit()
    flash(_("The proposal is accepted. Schedule it as a weekly discussion."), "success")
    if policy.can_schedule_discussions(current_user):
        return redirect(url_for("topics.new_discussion", proposal=proposal.id))
    return redirect(url_for("topics.proposal", proposal_id=proposal.id))


@bp.route("/topics/proposals/<int:proposal_id>/decline", methods=["POST"])
def decline(proposal_id):
    """Decline with a reason the proposer sees."""
    proposal = _get_proposal(proposal_id)
    policy.require(policy.can_handle_proposal(current_user, proposal))
    form = DeclineForm()
    if form.validate_on_submit():
        try:
            service.decline_proposal(proposal, by=current_user, reason=form.reason.data)
        except service.TopicError as error:
            _failed(error)
        else:
            db.session.commit()
            flash(_("The proposal is declined; the proposer is told why."), "success")
    else:
        for error in form.reason.errors:
            flash(error, "error")
    return redirect(url_for("topics.proposal", proposal_id=proposal.id))


@bp.app_template_filter("language_native")
def language_native(code):
    """A content language's name in itself."""
    from forum.i18n import native_name

    return native_name(code)


@bp.app_template_filter("language_label")
def language_label(code):
    """A content language's name in the reader's language (for sentences of the interface)."""
    from forum.i18n import language_name

    return language_name(code)


@bp.app_template_filter("local_date")
def local_date(value, format="full"):
    """A calendar day (a date) in the reader's locale."""
    from flask_babel import format_date

    return format_date(value, format)

