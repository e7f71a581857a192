"""`flask forum stats-report`: the statistics of a period written to a file, with progress on the terminal."""

from pathlib import Path

from flask import current_app, render_template
from flask_babel import force_locale

from forum import clock
from forum.stats import report as files
from forum.stats import service
from forum.stats.charts import chart_data_uri


def write_report(first, last, kind, output, locale, echo):
    """Count, arrange and write the report; returns the file's size. Invalid for a refused period."""
    period = service.Period.custom(first, last)
    filters = service.Filters(period=period)
    # Names, dates and labels are worded in `locale`, as on the page of a reader of that language.
    with current_app.test_request_context(), force_locale(locale):
        echo(f"Counting {first.isoformat()} to {last.isoformat()}…")
        counts = service.gather(filters)
        echo("Arranging the tables…")
        report = service.arrange(counts, filters, locale)
        if kind == "csv":
            from forum.stats.views import report_heading

            data = files.report_csv(
                report, report_heading(period), on_table=lambda table: echo(f"  {table.title}")
            ).encode("utf-8")
        else:
            data = _pdf(report, echo)
    Path(output).write_bytes(data)
    return len(data)


def _pdf(report, echo):
    from forum.stats.views import stylesheet_path

    charts = {}
    for table in report.tables:
        echo(f"  {table.title}")
        charts[table.key] = chart_data_uri(table)
    html = render_template(
        "stats/report_pdf.html", report=report, charts=charts, summary=False, query={}, generated_at=clock.now()
    )
    echo("Writing the PDF…")
    return files.html_to_pdf(html, base_url=str(stylesheet_path().parent))
