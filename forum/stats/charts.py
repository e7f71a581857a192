"""Charts of the statistics, drawn on the server as SVG with pygal (no script reaches the browser).

Each chart is embedded as an `<img src="data:image/svg+xml;base64,…">`: the page's strict CSP
(img-src 'self' data:) allows it, the SVG's own <style> applies only inside the image, and pygal's
configuration <script> is removed (an image never runs scripts anyway). Values are printed on the
bars and points, so the charts read without colour; the table below each chart gives the same data.
"""

import base64
import re
import sys
from functools import lru_cache
from typing import NamedTuple

import pygal
from pygal.style import Style

# pygal adds an import hook for its map plugins (pygal.maps.*), which this forum does not use; on
# Python 3.11+ the hook raises an ImportWarning on every failed import anywhere in the process.
sys.meta_path[:] = [finder for finder in sys.meta_path if type(finder).__name__ != "PluginImportFixer"]

# Black and greys: the figures printed on the bars carry the meaning, colour adds nothing needed.
STYLE = Style(
    background="white",
    plot_background="white",
    foreground="#1f2328",
    foreground_strong="#1f2328",
    foreground_subtle="#57606a",
    colors=("#24527a", "#8a8f98", "#3f7d20", "#b35900"),
    value_font_size=11,
    label_font_size=11,
    major_label_font_size=11,
    legend_font_size=12,
    title_font_size=14,
    font_family="sans-serif",
)
SCRIPTS = re.compile(r"<script\b.*?</script>", re.DOTALL | re.IGNORECASE)

# table key -> (chart class, the column of labels, the columns drawn as series)
CHARTS = {
    "regional-groups": (pygal.HorizontalBar, 0, (4,)),
    "languages": (pygal.HorizontalBar, 0, (2,)),
    "categories": (pygal.HorizontalBar, 0, (2,)),
    "weeks": (pygal.Line, 0, (1, 2)),
}


def chart_svg(table):
    """The SVG text of `table`'s chart (no script), or None when the table has no chart."""
    spec = CHARTS.get(table.key)
    if spec is None or not table.rows:
        return None
    kind, label_column, value_columns = spec
    chart = kind(
        js=[],
        style=STYLE,
        print_values=True,
        show_legend=len(value_columns) > 1,
        legend_at_bottom=True,
        width=760,
        height=max(240, 34 * len(table.rows)) if kind is pygal.HorizontalBar else 320,
        x_label_rotation=40 if kind is pygal.Line else 0,
        dots_size=3,
        truncate_label=-1,
        disable_xml_declaration=True,
        title=table.title,
        # Counts start at zero, so that bars and lines compare truthfully.
        include_x_axis=True,
    )
    chart.x_labels = [str(row[label_column]) for row in table.rows]
    for position, column in enumerate(value_columns):
        # A second line is dashed: the two series differ without relying on colour.
        style = {"stroke_style": {"width": 2, "dasharray": "7,4"}} if position else {"stroke_style": {"width": 2}}
        chart.add(str(table.columns[column]), [row[column] for row in table.rows], **style)
    return SCRIPTS.sub("", chart.render(is_unicode=True))


class _Drawn(NamedTuple):
    """A table's content as plain, hashable values: what a chart depends on, and so its cache key."""

    key: str
    title: str
    columns: tuple
    rows: tuple


def chart_data_uri(table):
    """`table`'s chart as a data: URI for an <img>, or None; drawn once per content and language."""
    rows = tuple(tuple(row) for row in table.rows)
    return _drawn_uri(_Drawn(table.key, str(table.title), tuple(str(column) for column in table.columns), rows))


# Drawing is most of a chart's cost (tens of ms for the page's four); the same figures (a past period,
# a reload) are drawn once per worker. Titles and column names are in the key, so each language has its own.
@lru_cache(maxsize=64)
def _drawn_uri(drawn):
    svg = chart_svg(drawn)
    if svg is None:
        return None
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")
