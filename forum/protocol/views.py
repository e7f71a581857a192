"""The usage protocol: reading it (public), accepting it, and publishing new versions (administrators)."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from forum import policy
from forum.i18n import current_locale_code, native_name
from forum.protocol import service
from forum.protocol.forms import AcceptForm, PublishForm, text_field_name
from forum.rooms.service import active_languages
from forum.web import int_arg, run_act, safe_next

bp = Blueprint("protocol", __name__, url_prefix="/protocol")


@bp.route("")
def view():
    """The protocol in force (or `?version=N`) in the reader's language; public; 404 for an unknown version."""
    current = service.current_version()
    number = int_arg("version")
    version = service.get_version(number) if number else current
    if version is None:
        abort(404)
    signed_in = current_user.is_authenticated
    form = None
    accepted = signed_in and service.has_accepted_current(current_user)
    if signed_in and version is current and not accepted and policy.can_accept_protocol(current_user):
        form = AcceptForm(formdata=None, version=version.number, next=safe_next(request.args.get("next")))
    text = service.text_for(version, current_locale_code())
    return render_template(
        "protocol/view.html",
        version=version,
        current=current,
        text=text,
        text_language=native_name(text.language_code) if text else None,
        versions=service.all_versions(),
        form=form,
        accepted=accepted,
        acceptances=service.acceptances_of(current_user) if signed_in else [],
    )


@bp.route("/accept", methods=["POST"])
def accept():
    """Accept the version in force; a form for an older version is refused with an explanation. 403 if not activated."""
    form = AcceptForm()
    target = safe_next(form.next.data)
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(str(error), "error")
        return redirect(url_for("protocol.view", next=target))
    if not run_act(
        lambda: service.accept(current_user, service.get_version(form.version.data)),
        success=_("Thank you: you accepted the usage protocol and can now post."),
    ):
        return redirect(url_for("protocol.view", next=target))
    return redirect(target or url_for("main.home"))


def _publish_form(current):
    """The publishing form with one text area per active language, pre-filled with the text in force."""
    languages = active_languages()
    form = PublishForm()
    texts = {text.language_code: text for text in (current.texts if current else [])}
    fields = []
    for language in languages:
        name = text_field_name(language.code)
        value = request.form.get(name) if request.method == "POST" else None
        if value is None and language.code in texts:
            value = service.format_protocol_text(texts[language.code].sections)
        fields.append((language, name, value or ""))
    return form, fields


@bp.route("/publish", methods=["GET", "POST"])
def publish():
    """Publish a new version: everyone must accept it before posting again. 403 for all but administrators."""
    policy.require(policy.can_publish_protocol(current_user))
    current = service.current_version()
    form, fields = _publish_form(current)
    if form.validate_on_submit():
        if run_act(
            lambda: service.publish_version(
                by=current_user,
                change_note=form.change_note.data,
                texts={language.code: value for language, _name, value in fields},
                languages=[(language.code, language.native_name) for language, _name, _value in fields],
            ),
            success=lambda version: _("Version %(number)d of the protocol is published.", number=version.number),
        ):
            return redirect(url_for("protocol.view"))
    status = 400 if request.method == "POST" else 200
    return render_template("protocol/publish.html", form=form, fields=fields, current=current), status
