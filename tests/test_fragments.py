"""Fragments are pure functions of their views (forum.fragments): what makes a view a safe cache key."""

import re

import jinja2.meta
import pytest

from forum.main import layout
from forum.rooms import fragments as rows
from forum.threads import fragments as posts


@pytest.mark.parametrize(
    "template, view",
    [(posts.TEMPLATE, posts.PostView), (rows.ROOM_ROW, rows.ThreadRowView), (rows.LATEST_ITEM, rows.ThreadRowView)]
    + [(rows.ROOM_CARD, rows.RoomCardView)]
    + [
        (layout.MENU, layout.MenuView),
        (layout.COUNTS, layout.CountsView),
        (layout.SEARCH_BOX, layout.SearchBoxView),
        (layout.LANGUAGES, layout.LanguagesView),
        (layout.FOOTER, layout.FooterView),
    ],
)
def test_a_fragment_reads_nothing_but_its_view(app, template, view):
    # The template may name only `view` and the translation and URL helpers (imported macros are fine),
    # and of the view only the fields it has: anything else would be shown without being in the key.
    source = app.jinja_env.loader.get_source(app.jinja_env, template)[0]
    names = jinja2.meta.find_undeclared_variables(app.jinja_env.parse(source))
    assert names <= {"view", "_", "ngettext", "url_for"}
    used = set(re.findall(r"\bview\.(\w+)", source))
    assert used <= set(view._fields), used - set(view._fields)
    # And every view starts with what the words and links depend on.
    assert view._fields[:2] == ("locale", "script_root")
