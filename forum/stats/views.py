"""Statistics pages: the full figures for chief moderators and administrators, a summary for members.

Nothing here changes anything: the filters come from the query string, a bad date shows a
translated error above the page (the default period is used), never a 500.
"""

from pathlib import Path

from flask import Blueprint, Response, abort, current_app, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from forum import clock, policy
from forum.discussions.models import Discussion
from forum.errors import Invalid
from forum.extensions import db
from forum.i18n import current_locale_code, language_name
from forum.members.models import RegionalGroup
from forum.rooms.models import Room
from forum.stats import report as files
from forum.stats import service
from forum.stats.charts import chart_data_uri
from forum.stats.forms import StatsFilterForm

bp = Blueprint("stats", __name__)


def _choices(form):
    """The filter menus (one query each: groups, rooms with their categories, recent discussions)."""
    locale = current_locale_code()
    rooms = db.session.scalars(select(Room).order_by(Room.category_id, Room.language_code)).all()
    categories = {room.category_id: room.category for room in rooms}
    codes = dict.fromkeys(room.language_code for room in rooms)
    discussions = db.session.scalars(
        select(Discussion).where(Discussion.cancelled_at.is_(None)).order_by(Discussion.opens_at.desc()).limit(200)
    ).all()
    menus = {
        form.group: [(group.id, group.name) for group in service_groups()],
        form.language: [(code, language_name(code)) for code in codes],
        form.category: [(key, category.text(locale)[0]) for key, category in categories.items()],
        form.room: [
            (room.id, f"{room.category.text(locale)[0]} ({language_name(room.language_code)})") for room in rooms
        ],
        form.discussion: [
            (item.id, f"{item.opens_at.date().isoformat()} {service.discussion_title(item, locale)}")
            for item in discussions
        ],
    }
    for field, options in menus.items():
        field.choices = [SelectChoice("", _("All"))] + [SelectChoice(str(value), label) for value, label in options]


def service_groups():
    return db.session.scalars(select(RegionalGroup).order_by(RegionalGroup.position, RegionalGroup.id)).all()


def _offered(field):
    """The field's value when it is one of its menu's values; anything else filters nothing out."""
    return field.data if field.data and field.data in {choice.value for choice in field.choices} else None


def _id(field):
    value = _offered(field)
    return int(value) if value is not None else None


def _period(form):
    name = form.period.data if form.period.data in service.PRESETS else "4weeks"
    if name == "custom":
        return service.Period.custom(form.first.data, form.last.data)
    return service.Period.preset(name)


def read_filters():
    """The filter form and the Filters it means; a refused period falls back to the last four weeks."""
    form = StatsFilterForm(request.args)
    _choices(form)
    form.validate()
    error = None
    try:
        period = _period(form)
    except Invalid as refused:
        error = str(refused)
        period = service.Period.preset("4weeks")
    filters = service.Filters(
        period=period,
        group_id=_id(form.group),
        language_code=_offered(form.language),
        category_id=_id(form.category),
        room_id=_id(form.room),
        discussion_id=_id(form.discussion),
    )
    errors = [*(message for messages in form.errors.values() for message in messages)]
    if error:
        errors.append(error)
    return form, filters, errors


def _query():
    return {key: value for key, value in request.args.items() if value}


def _render(summary, *, printable=False):
    """The page (or its printable version for the PDF) and the filters it shows."""
    form, filters, errors = read_filters()
    report = service.build_report(filters, current_locale_code())
    if summary:
        report = report.for_summary()
    charts = {table.key: chart_data_uri(table) for table in report.tables}
    html = render_template(
        "stats/report_pdf.html" if printable else "stats/page.html",
        form=form,
        report=report,
        charts=charts,
        errors=errors,
        summary=summary,
        query=_query(),
        generated_at=clock.now(),
    )
    return html, filters


@bp.route("/stats")
def page():
    """Usage statistics with every figure and chart; 404 for anyone but chief moderators and administrators."""
    policy.require_visible(policy.can_view_stats(current_user))
    return _render(summary=False)[0]


@bp.route("/stats/summary")
def summary():
    """The figures the committee would publish (no person named); 404 for guests (members only)."""
    policy.require_visible(policy.can_view_stats_summary(current_user))
    return _render(summary=True)[0]


def _table_download(summary, key):
    _form, filters, _errors = read_filters()
    report = service.build_report(filters, current_locale_code())
    table = policy.found((report.for_summary() if summary else report).table(key))
    period = filters.period
    filename = f"{key}-{period.first.isoformat()}-{period.last.isoformat()}.csv"
    return _csv_response(files.table_csv(table), filename)


def _csv_response(text, filename):
    return Response(
        text.encode("utf-8"),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.route("/stats/<key>.csv")
def table_csv(key):
    """One table of the statistics as CSV (UTF-8 with BOM, formula-safe); 404 for others, or an unknown table."""
    policy.require_visible(policy.can_view_stats(current_user))
    return _table_download(False, key)


@bp.route("/stats/summary/<key>.csv")
def summary_table_csv(key):
    """One table of the summary as CSV; 404 for guests, for an unknown table and for one only /stats shows."""
    policy.require_visible(policy.can_view_stats_summary(current_user))
    return _table_download(True, key)


@bp.route("/stats/report.csv")
def report_csv():
    """Every table of the statistics in one CSV file; 404 for anyone but chief moderators and administrators."""
    policy.require_visible(policy.can_view_stats(current_user))
    _form, filters, _errors = read_filters()
    report = service.build_report(filters, current_locale_code())
    period = filters.period
    return _csv_response(
        files.report_csv(report, report_heading(period)),
        f"forum-statistics-{period.first.isoformat()}-{period.last.isoformat()}.csv",
    )


@bp.route("/stats/report.pdf")
def report_pdf():
    """The statistics page as a PDF; 404 for anyone but chief moderators and administrators."""
    policy.require_visible(policy.can_view_stats(current_user))
    html, filters = _render(summary=False, printable=True)
    period = filters.period
    try:
        pdf = files.html_to_pdf(html, base_url=str(stylesheet_path().parent))
    except OSError:
        # WeasyPrint's system libraries (Pango) are missing: `make system-deps` installs them.
        abort(503)
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": (
                f'attachment; filename="forum-statistics-{period.first.isoformat()}-{period.last.isoformat()}.pdf"'
            )
        },
    )


def stylesheet_path():
    return Path(current_app.static_folder) / "css" / "forum.css"


def report_heading(period):
    return _("Forum usage statistics, %(first)s to %(last)s") % {
        "first": period.first.isoformat(),
        "last": period.last.isoformat(),
    }
