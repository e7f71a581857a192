"""Every page's header is one fragment cached per view (forum.main.layout.header): readers with the same rights,
figures and language share it, while the CSRF token, the page to come back to after changing the language and the
reader's name are filled in for each page."""

import html
import re

import pytest

from forum import fragments
from forum.main import layout
from tests.hostile_inputs import SCRIPT_TAGS


@pytest.fixture
def config_overrides():
    return {"WTF_CSRF_ENABLED": True}


def header(page):
    return page[page.index('<header class="site-header">') : page.index("</header>")]


def hidden(page, name):
    return re.findall(rf'<input type="hidden" name="{name}" value="([^"]*)">', header(page))


def test_readers_share_the_header_with_their_own_name_token_and_page(app, login, make_user):
    pages = []
    for name in ("Amina Diallo", "Jean Dupont"):
        client = login(app.test_client(), make_user(name=name))
        client.get("/retention")
        before = fragments.cache_info()
        pages.append((name, client.get("/protocol?x=1").get_data(as_text=True)))
        pages[-1] += (fragments.cache_info().misses - before.misses,)
    (first_name, first, _), (second_name, second, second_misses) = pages
    # The second reader's header came from the cache: what differs was filled in.
    assert second_misses == 0
    assert f'<span class="who">{first_name}</span>' in header(first) and first_name not in header(second)
    assert f'<span class="who">{second_name}</span>' in header(second)
    first_tokens, second_tokens = set(hidden(first, "csrf_token")), set(hidden(second, "csrf_token"))
    assert len(first_tokens) == len(second_tokens) == 1 and first_tokens != second_tokens
    assert hidden(first, "next") == hidden(second, "next") == ["/protocol?x=1"]
    for slot in (fragments.CSRF_SLOT, layout.NEXT_SLOT, layout.NAME_SLOT):
        assert slot not in first + second


@pytest.mark.parametrize("name", SCRIPT_TAGS[:3] + ['"><input type="hidden" name="csrf_token" value="forged">'])
def test_a_hostile_name_stays_text_in_the_header(app, login, make_user, name):
    page = login(app.test_client(), make_user(name=name)).get("/retention").get_data(as_text=True)
    assert "<script" not in header(page).lower() and 'value="forged"' not in page
    assert html.unescape(re.search(r'<span class="who">([^<]*)</span>', header(page)).group(1)) == name


def test_the_page_to_come_back_to_is_the_page_shown_escaped(app, login, make_user):
    client = login(app.test_client(), make_user())
    page = client.get('/retention?q="><script>alert(1)</script>').get_data(as_text=True)
    assert "<script>alert(1)" not in page
    [back] = hidden(page, "next")
    assert html.unescape(back).startswith("/retention?q=")
    token = hidden(page, "csrf_token")[0]
    response = client.post("/language", data={"locale": "fr", "next": html.unescape(back), "csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"].startswith("/retention?q=")
    assert "Se déconnecter" in header(client.get("/retention").get_data(as_text=True))


def test_a_visitor_gets_the_language_switcher_but_no_menu_or_sign_out(app):
    page = app.test_client().get("/login").get_data(as_text=True)
    assert 'class="language-switcher"' in header(page) and len(hidden(page, "csrf_token")) == 1
    assert "nav-menu" not in header(page) and 'class="logout"' not in header(page)
    assert 'class="search-box"' not in header(page)
