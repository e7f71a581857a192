"""Invisible and direction-changing characters: no blank titles or names, no reversed lines leaking out of a post."""

import pytest
from sqlalchemy import func, select

from forum.accounts import service as accounts
from forum.content import balance_bidi, clean_line, render_markdown
from forum.errors import Invalid
from forum.extensions import db
from forum.threads.models import Thread

INVISIBLE_ONLY = [
    "\u200b",  # zero width space
    "\u200e\u200f",  # left-to-right and right-to-left marks
    "\u2060",  # word joiner
    "\ufeff",  # byte order mark
    "\u202e\u202d",  # bidi overrides
    "\u2066\u2069",  # bidi isolates
    " \u200b \u00a0 ",
    "\u0301",  # a lone combining mark
]


@pytest.mark.parametrize("title", INVISIBLE_ONLY)
def test_a_title_of_invisible_characters_is_refused(client, delegate, login, room, title):
    login(client, delegate)
    response = client.post(f"/rooms/{room.slug}/new", data={"title": title, "body": "A real message"})
    assert response.status_code == 200
    assert "A title is required." in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Thread.id))) == 0


def test_titles_are_normalised_and_lose_bidi_overrides(client, delegate, login, room):
    login(client, delegate)
    # "e" + combining acute becomes "é"; the override that would reverse the room list's row is dropped.
    client.post(f"/rooms/{room.slug}/new", data={"title": "\u200bEvaluation\u202e de\u0301part\u200f", "body": "b"})
    assert db.session.scalar(select(Thread.title)) == "Evaluation départ"


@pytest.mark.parametrize("name", INVISIBLE_ONLY)
def test_a_display_name_of_invisible_characters_is_refused(app, delegate, name):
    with pytest.raises(Invalid, match="A display name is required."):
        accounts.update_profile(delegate, display_name=name, locale="en", timezone="Europe/Zurich")


def test_display_names_lose_bidi_controls(app, delegate):
    accounts.update_profile(delegate, display_name="\u202eAmina\u202c Diallo", locale="en", timezone="Europe/Zurich")
    assert delegate.display_name == "Amina Diallo"


def test_an_unpaired_override_in_a_post_cannot_reverse_what_follows():
    html = render_markdown("Download the \u202egpj.exe report\n\nNext paragraph")
    assert "\u202e" not in html
    # Paired controls are legitimate (quoting right-to-left text) and stay.
    assert "\u2067مرحبا\u2069" in render_markdown("She said \u2067مرحبا\u2069 to us")


def test_balance_bidi_drops_closers_without_openers_and_openers_left_open():
    assert balance_bidi("a\u202cb\u2069c") == "abc"
    assert balance_bidi("a\u202bb\nc\u202c") == "ab\nc"
    assert balance_bidi("\u202ax\u202c \u2068y\u2069") == "\u202ax\u202c \u2068y\u2069"


def test_clean_line_keeps_joiners_inside_emoji_and_words():
    family = "\U0001f469\u200d\U0001f469\u200d\U0001f467"
    assert clean_line(f" {family} Team ") == f"{family} Team"
