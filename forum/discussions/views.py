"""Weekly discussions: schedule, edit, times, summaries and experts (URLs under /topics/discussions)."""

from datetime import UTC

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from forum import policy
from forum.accounts.models import User
from forum.discussions import service
from forum.discussions.forms import (
    CancelDiscussionForm,
    EditDiscussionForm,
    InviteExpertForm,
    NewDiscussionForm,
    RescheduleForm,
    SummaryForm,
    body_field,
    discussion_form,
    title_field,
)
from forum.extensions import db
from forum.i18n import current_locale_code, reader_zone
from forum.proposals import service as proposals
from forum.rooms.service import active_languages, category_choices
from forum.web import int_arg, run_act

bp = Blueprint("discussions", __name__)


def _to_utc(local):
    """A naive form value, read in the reader's time zone, as aware UTC."""
    if local is None:
        return None
    # Stored in UTC; the reader typed a wall-clock time in their own zone, which the form names.
    return local.replace(tzinfo=reader_zone()).astimezone(UTC)


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


def _get_discussion(discussion_id):
    """The discussion if the user may see the topics; 404 otherwise."""
    discussion = service.get_discussion(discussion_id)
    # 404 rather than 403 for those who may not see the topics (guests): ids reveal nothing.
    policy.require_visible(discussion is not None and policy.can_view_topics(current_user))
    return discussion


def _to_discussion(discussion):
    return redirect(url_for("discussions.view", discussion_id=discussion.id))


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


def _form_status():
    """A form shown again after a POST failed to validate or was refused answers 400."""
    return 400 if request.method == "POST" else 200


@bp.route("/topics/discussions/new", methods=["GET", "POST"])
def new():
    """Schedule a weekly discussion (pre-filled from an accepted proposal with ?proposal=id).

    403 for those who may not schedule; 404 for an unknown proposal.
    """
    policy.require(policy.can_schedule_discussions(current_user))
    proposal = None
    proposal_id = int_arg("proposal")
    if proposal_id:
        proposal = proposals.get_proposal(proposal_id)
        # An unknown proposal id is a 404, never a blank form that looks like the proposal's.
        policy.require_visible(proposal is not None and policy.can_view_topics(current_user))
    languages = service.active_languages_for(current_user)
    form = discussion_form(NewDiscussionForm, languages)
    form.category.choices = category_choices(current_locale_code())
    if request.method == "GET":
        _fill_times(form, *service.default_times())
        if proposal is not None:
            form.category.data, texts = proposals.prefill_from_proposal(proposal)
            _fill_texts(form, texts)
    elif form.validate_on_submit():
        opens_at, closes_at = _form_times(form)
        fields = dict(
            category_id=form.category.data,
            texts=_texts_from(form, languages),
            opens_at=opens_at,
            closes_at=closes_at,
            same_text_ok=form.same_text_ok.data,
        )
        # Through the proposal: scheduling claims it, so it cannot be scheduled twice.
        if proposal is not None:
            done = run_act(
                lambda: proposals.schedule_proposal(proposal, by=current_user, **fields),
                success=_("The discussion is scheduled."),
            )
        else:
            done = run_act(
                lambda: service.schedule_discussion(by=current_user, **fields),
                success=_("The discussion is scheduled."),
            )
        if done:
            return _to_discussion(done.value)
    return render_template(
        "discussions/discussion_form.html",
        form=form,
        languages=languages,
        proposal=proposal,
        written_in=proposals.proposal_language(proposal) if proposal is not None else None,
        discussion=None,
        zone=reader_zone().key,
    ), _form_status()


@bp.route("/topics/discussions/<int:discussion_id>")
def view(discussion_id):
    """A discussion: its times, threads per language, summaries, experts and the moderator's tools; 404 if unknown."""
    discussion = _get_discussion(discussion_id)
    threads = service.discussion_threads(discussion)
    expert_form = None
    if policy.can_invite_expert(current_user, discussion):
        expert_form = InviteExpertForm(formdata=None)
        expert_form.expert.choices = [(user.id, user.display_name) for user in service.expert_candidates(discussion)]
    return render_template(
        "discussions/discussion.html",
        discussion=discussion,
        threads=threads,
        experts=service.discussion_experts(discussion),
        expert_form=expert_form,
        locale=current_locale_code(),
    )


@bp.route("/topics/discussions/<int:discussion_id>/edit", methods=["GET", "POST"])
def edit(discussion_id):
    """Edit the category, titles and opening messages; 404 if unknown, 403 unless the user runs this discussion."""
    discussion = _get_discussion(discussion_id)
    policy.require(policy.can_manage_discussion(current_user, discussion))
    present = discussion.language_codes
    languages = [
        language
        for language in _languages_with(discussion)
        # Languages it already runs in stay on the form, since none may be left out.
        if language.code in present or policy.can_manage_discussion_languages(current_user, {language.code})
    ]
    form = discussion_form(EditDiscussionForm, languages)
    form.category.choices = category_choices(current_locale_code())
    if request.method == "GET":
        form.category.data = discussion.category_id
        _fill_texts(form, {t.language_code: service.TextInput(t.title, t.opening_source) for t in discussion.texts})
    elif form.validate_on_submit():
        texts = _texts_from(form, languages)
        if run_act(
            lambda: service.edit_discussion(
                discussion,
                by=current_user,
                category_id=form.category.data,
                texts=texts,
                same_text_ok=form.same_text_ok.data,
            ),
            success=_("Your changes are saved."),
        ):
            return _to_discussion(discussion)
    return render_template(
        "discussions/discussion_form.html",
        form=form,
        languages=languages,
        proposal=None,
        discussion=discussion,
    ), _form_status()


def _languages_with(discussion):
    """Active languages plus any the discussion already runs in, in their order."""
    languages = {language.code: language for language in active_languages()}
    for text in discussion.texts:
        languages.setdefault(text.language_code, text.language)
    return sorted(languages.values(), key=lambda language: (language.position, language.code))


@bp.route("/topics/discussions/<int:discussion_id>/schedule", methods=["GET", "POST"])
def reschedule(discussion_id):
    """Change the opening (before it) or closing time, or make it open-ended; 404 if unknown, 403 if not allowed."""
    discussion = _get_discussion(discussion_id)
    policy.require(policy.can_manage_discussion(current_user, discussion))
    form = RescheduleForm()
    if request.method == "GET":
        _fill_times(form, discussion.opens_at, discussion.closes_at)
    elif form.validate_on_submit():
        opens_at, closes_at = _form_times(form)
        if run_act(
            lambda: service.reschedule_discussion(discussion, by=current_user, opens_at=opens_at, closes_at=closes_at),
            success=_("The times are saved."),
        ):
            return _to_discussion(discussion)
    return render_template(
        "discussions/reschedule.html",
        form=form,
        discussion=discussion,
        zone=reader_zone().key,
        locale=current_locale_code(),
    ), _form_status()


@bp.route("/topics/discussions/<int:discussion_id>/close", methods=["POST"])
def close(discussion_id):
    """Close an open discussion now, in every language; 404 if unknown, 403 if not allowed."""
    discussion = _get_discussion(discussion_id)
    policy.require(policy.can_manage_discussion(current_user, discussion))
    run_act(lambda: service.close_discussion(discussion, by=current_user), success=_("The discussion is closed."))
    return _to_discussion(discussion)


@bp.route("/topics/discussions/<int:discussion_id>/summary/<code>", methods=["GET", "POST"])
def summary(discussion_id, code):
    """Write the closing summary in one language; 404 if the discussion does not run in it, 403 if not allowed."""
    discussion = _get_discussion(discussion_id)
    policy.require(policy.can_manage_discussion(current_user, discussion))
    text = next((t for t in discussion.texts if t.language_code == code), None)
    # 404 for a language the discussion does not run in: there is nothing to summarise there.
    policy.require_visible(text is not None)
    form = SummaryForm()
    if request.method == "GET":
        form.summary.data = text.summary_source or ""
    elif form.validate_on_submit():
        if run_act(
            lambda: service.set_summary(discussion, code, form.summary.data, by=current_user),
            success=_("The summary is saved."),
        ):
            return _to_discussion(discussion)
    return render_template("discussions/summary.html", form=form, discussion=discussion, text=text), _form_status()


@bp.route("/topics/discussions/<int:discussion_id>/experts", methods=["POST"])
def invite_expert(discussion_id):
    """Ask a Secretariat staff expert into the discussion; they are notified. 404 if unknown, 403 if not allowed."""
    discussion = _get_discussion(discussion_id)
    policy.require(policy.can_invite_expert(current_user, discussion))
    form = InviteExpertForm()
    # Only the discussion page posts this form: a failure is a missing CSRF token or a forgery, so 400.
    if not form.validate_on_submit():
        abort(400)
    expert = db.session.get(User, form.expert.data) if form.expert.data else None
    run_act(
        lambda: service.invite_expert(discussion, expert, by=current_user),
        success=lambda invitation: _("%(name)s is invited and notified.", name=invitation.user.display_name),
    )
    return _to_discussion(discussion)


@bp.route("/topics/discussions/<int:discussion_id>/cancel", methods=["GET", "POST"])
def cancel(discussion_id):
    """Call off a discussion that has not opened yet, giving a reason; 404 if unknown, 403 if not allowed."""
    discussion = _get_discussion(discussion_id)
    policy.require(policy.can_manage_discussion(current_user, discussion))
    form = CancelDiscussionForm()
    if form.validate_on_submit():
        if run_act(
            lambda: service.cancel_discussion(discussion, by=current_user, reason=form.reason.data),
            success=_("The discussion is cancelled."),
        ):
            return _to_discussion(discussion)
    return render_template(
        "discussions/cancel.html", form=form, discussion=discussion, locale=current_locale_code()
    ), _form_status()
