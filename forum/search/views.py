"""/search: the results page behind the header's search box."""

from flask import Blueprint, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from forum import policy
from forum.extensions import db
from forum.i18n import current_locale_code
from forum.members.models import MemberState
from forum.rooms.models import Category, Room

# index: registering this blueprint also starts keeping the index in step with every flush.
from forum.search import index, service  # noqa: F401
from forum.search.forms import SearchForm
from forum.web import page_arg

bp = Blueprint("search", __name__)


def _fill_choices(form, user):
    """Filter choices from two queries: rooms (with categories and languages) and member states.

    Returns {category id: name in the reader's language}, which results reuse.
    """
    anything = [(None, _("Any"))]
    form.sort.choices = [(service.RELEVANCE, _("Relevance")), (service.NEWEST, _("Newest first"))]
    if not policy.is_member(user):
        # Guests search their discussion only: no filters to choose from.
        for name in ("category", "language", "room", "state", "group"):
            getattr(form, name).choices = anything
        return {}
    locale = current_locale_code()
    # Category names come with the categories, joined to the rooms (Category.texts).
    rooms = db.session.scalars(select(Room).where(policy.readable_rooms(user))).all()
    rooms.sort(key=lambda room: (room.category.position, room.language.position))
    categories = {room.category.id: room.category for room in rooms}
    languages = {room.language_code: room.language for room in rooms}
    form.category.choices = anything + [(c.id, c.text(locale)[0]) for c in categories.values()]
    form.language.choices = [("", _("Any"))] + [
        (code, language.native_name) for code, language in sorted(languages.items(), key=lambda i: i[1].position)
    ]
    form.room.choices = anything + [(room.id, _room_label(room, locale)) for room in rooms]
    states = db.session.scalars(select(MemberState).where(MemberState.active)).all()
    groups = {state.group.id: state.group for state in states}
    form.state.choices = anything + sorted(((s.id, s.name) for s in states), key=lambda choice: choice[1])
    form.group.choices = anything + [(g.id, g.name) for g in sorted(groups.values(), key=lambda g: g.position)]
    return {category_id: name for category_id, name in form.category.choices if category_id is not None}


def _names_of_other_categories(results, known):
    """{category id: name} for the results' categories the filter choices do not name (a guest has no choices; a
    topic proposal's category may have no room the reader reads): one query, only when there are some."""
    missing = {hit.category_id for hit in results.hits if hit.category_id is not None} - known.keys()
    if not missing:
        return {}
    locale = current_locale_code()
    categories = db.session.scalars(select(Category).where(Category.id.in_(missing)))
    return {category.id: category.text(locale)[0] for category in categories}


def _room_label(room, locale):
    return f"{room.category.text(locale)[0]} · {room.language.native_name}"


def _filters(form):
    return service.Filters(
        category_id=form.category.data,
        language_code=form.language.data or None,
        room_id=form.room.data,
        member_state_id=form.state.data,
        group_id=form.group.data,
        author=(form.author.data or "").strip() or None,
        date_from=form.date_from.data,
        date_to=form.date_to.data,
        weekly_only=bool(form.weekly.data),
        following=bool(form.following.data),
        sort=form.sort.data or service.RELEVANCE,
    )


@bp.route("/search")
def results():
    """Search what the reader may see (guests: their discussion only); never 403 or 404, bad input is explained."""
    form = SearchForm(request.args)
    category_names = _fill_choices(form, current_user)
    results = problem = None
    asked = bool((form.q.data or "").strip())
    if asked and form.validate():
        try:
            results = service.search(form.q.data, user=current_user, filters=_filters(form), page=page_arg())
        except service.QueryProblem as error:
            problem = str(error)
        else:
            category_names |= _names_of_other_categories(results, category_names)
    args = {key: value for key, value in request.args.items() if key != "page" and value}
    return render_template(
        "search/results.html",
        form=form,
        results=results,
        problem=problem,
        asked=asked,
        page_args=args,
        category_names=category_names,
    )
