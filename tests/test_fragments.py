"""Fragments are pure functions of their views (forum.fragments): what makes a view a safe cache key."""

import re

import jinja2.meta
import pytest

from forum.main import layout
from forum.rooms import fragments as rows
from forum.threads import fragments as posts


@pytest.mark.parametrize(
    "template, view",
    [
        (posts.TEMPLATE, posts.PostView),
        (posts.REPLY_FIELDS, posts.ReplyFieldsView),
        (posts.HEAD, posts.ThreadHeadView),
        (rows.ROOM_HEAD, rows.RoomHeadView),
        (rows.ROOM_ROW, rows.ThreadRowView),
        (rows.LATEST_ITEM, rows.ThreadRowView),
    ]
    + [(rows.ROOM_CARD, rows.RoomCardView)]
    + [
        (layout.HEADER, layout.HeaderView),
        (layout.MENU, layout.MenuView),
        (layout.COUNTS, layout.CountsView),
        (layout.SEARCH_BOX, layout.SearchBoxView),
        (layout.LANGUAGES, layout.LanguagesView),
        (layout.FOOTER, layout.FooterView),
        (layout.PAGE_LINKS, layout.PageLinksView),
    ],
)
def test_a_fragment_reads_nothing_but_its_view(app, template, view):
    # The template may name only `view` and the translation and URL helpers (imported macros are fine),
    # and of the view only the fields it has: anything else would be shown without being in the key.
    source = app.jinja_env.loader.get_source(app.jinja_env, template)[0]
    names = jinja2.meta.find_undeclared_variables(app.jinja_env.parse(source))
    assert names <= {"view", "_", "ngettext", "url_for", "range"}
    used = set(re.findall(r"\bview\.(\w+)", source))
    assert used <= set(view._fields), used - set(view._fields)
    # And every view starts with what the words and links depend on.
    assert view._fields[:2] == ("locale", "script_root")


def test_link_arguments_are_a_hashable_mapping_for_url_for(app):
    from flask import url_for

    from forum.fragments import Arguments

    arguments = Arguments.of({"status": None, "q": "indicateurs d'évaluation", "role": "delegate"})
    assert arguments == Arguments.of({"role": "delegate", "q": "indicateurs d'évaluation"})
    assert hash(arguments) == hash(Arguments.of({"role": "delegate", "q": "indicateurs d'évaluation"}))
    assert dict(**arguments) == {"q": "indicateurs d'évaluation", "role": "delegate"}
    with app.test_request_context():
        assert url_for("admin.accounts_list", page=2, **arguments) == (
            "/admin/accounts?page=2&q=indicateurs+d'%C3%A9valuation&role=delegate"
        )
