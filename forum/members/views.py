"""Member states: the administrators' page (/admin/member-states) and the members' directory of delegations."""

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from forum import policy
from forum.members import service
from forum.members.forms import EditMemberStateForm, NewMemberStateForm
from forum.web import run_act

bp = Blueprint("members", __name__)


def _group_choices():
    return [(group.code, group.name) for group in service.all_groups()]


@bp.route("/admin/member-states", methods=["GET", "POST"])
def states():
    """Every member state with its group and status, and a form to add one; 403 for all but administrators."""
    policy.require(policy.can_manage_member_states(current_user))
    form = NewMemberStateForm()
    form.group.choices = _group_choices()
    if form.validate_on_submit():
        done = run_act(
            lambda: service.add_member_state(
                code=form.code.data, group=service.group_by_code(form.group.data), names=form.names(), by=current_user
            ),
            success=lambda state: _("%(state)s is added.", state=state.name),
        )
        if done:
            return redirect(url_for("members.states"))
    return render_template(
        "members/states.html", states=service.all_states_sorted_by_name(), groups=service.all_groups(), form=form
    )


@bp.route("/admin/member-states/<int:state_id>", methods=["GET", "POST"])
def state_edit(state_id):
    """Rename a state per language, change its group, deactivate it; 403 for all but administrators, then 404."""
    policy.require(policy.can_manage_member_states(current_user))
    state = policy.found(service.get_state(state_id))
    form = EditMemberStateForm()
    form.group.choices = _group_choices()
    if request.method == "GET":
        form.group.data = state.group.code
        form.active.data = state.active
        for language, name_field in form.name_fields():
            name_field.data = (state.names or {}).get(language, "")
    if form.validate_on_submit():
        if run_act(
            lambda: service.update_member_state(
                state,
                by=current_user,
                group=service.group_by_code(form.group.data),
                names=form.names(),
                active=form.active.data,
            ),
            success=_("The member state is saved."),
        ):
            return redirect(url_for("members.states"))
    un_names = service.un_names().get(state.code, {})
    return render_template("members/state_edit.html", state=state, form=form, un_names=un_names)


@bp.route("/delegations")
def delegations():
    """Member states by regional group with the delegates who chose to be listed; 403 for non-members (guests 404)."""
    policy.require(policy.can_view_delegations(current_user))
    return render_template("members/delegations.html", directory=service.delegations_directory())
