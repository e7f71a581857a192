"""The statistics as files: CSV (one table, or every table one after another) and the PDF of the page.

CSV goes through forum.csvsafe like the audit export (no cell a spreadsheet would run as a formula)
and starts with a byte-order mark, so spreadsheet programs read it as UTF-8.
"""

import io

from forum import csvsafe

BOM = "\ufeff"


def table_csv(table):
    """One table as CSV text: a header row, then its rows."""
    buffer = io.StringIO()
    buffer.write(BOM)
    writer = csvsafe.writer(buffer)
    writer.writerow(table.columns)
    writer.writerows(table.rows)
    return buffer.getvalue()


def report_csv(report, heading, on_table=None):
    """Every table of `report`, each under its title and definition, separated by a blank line."""
    buffer = io.StringIO()
    buffer.write(BOM)
    writer = csvsafe.writer(buffer)
    writer.writerow([heading])
    for table in report.tables:
        writer.writerow([])
        writer.writerow([table.title])
        writer.writerow([table.definition])
        writer.writerow(table.columns)
        writer.writerows(table.rows)
        if on_table:
            on_table(table)
    return buffer.getvalue()


def html_to_pdf(html, base_url):
    """The PDF of a rendered page (WeasyPrint; its print stylesheet applies)."""
    from weasyprint import HTML

    return HTML(string=html, base_url=base_url).write_pdf()
