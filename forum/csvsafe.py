"""CSV files that are safe to open in a spreadsheet: every download goes through here.

Spreadsheets run a cell that starts like a formula (`=1+2@example.org` is a
valid e-mail address). `safe_cell` neutralises such a cell by prefixing an
apostrophe, which spreadsheets show as text; `writer` wraps `csv.writer` so
that every cell of every row is escaped.
"""

import csv

# = + - @ start formulas; TAB and CR can hide them; | and % start DDE and
# macro expressions in some spreadsheets.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "|", "%")


def safe_cell(value):
    """`value` as CSV text that no spreadsheet evaluates."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


class SafeWriter:
    """A `csv.writer` whose rows are escaped cell by cell."""

    def __init__(self, stream, **options):
        self._writer = csv.writer(stream, **options)

    def writerow(self, row):
        return self._writer.writerow([safe_cell(value) for value in row])

    def writerows(self, rows):
        for row in rows:
            self.writerow(row)


def writer(stream, **options):
    return SafeWriter(stream, **options)
