"""The layout's parts that pages repeat, rendered as cached fragments (forum.fragments).

The header (menu, counts, search box, language switcher, sign-out button) and the footer are the same for every
reader with the same rights, figures and language, yet rendering them through Jinja (a few dozen translated labels
and links) was about a third of an empty signed-in page. Each part is reduced to a view of exactly what it shows,
and the header is one fragment of those views, rendered once per process per distinct view; the menu's view holds
which links the reader's role opens, so a delegate's menu never shows a moderator's links. What differs on every
page or for every reader (the forms' CSRF token, the page to come back to after changing the language, the
reader's name) fills the slots the header's view holds for it (forum.fragments.with_slots).
"""

import secrets
from typing import NamedTuple

from flask import request
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from forum import fragments, policy
from forum.i18n import native_name, ui_locales
from forum.main.counts import header_counts

HEADER = "layout/_header.html"
MENU = "layout/_menu.html"
COUNTS = "layout/_counts.html"
SEARCH_BOX = "layout/_search_box.html"
LANGUAGES = "layout/_languages.html"
FOOTER = "layout/_footer.html"
PAGE_LINKS = "layout/_page_links.html"


class MenuView(NamedTuple):
    locale: str
    script_root: str
    guest: bool
    topics: bool
    notifications: bool
    delegations: bool
    # "full" (the statistics pages), "summary" (the members' summary) or "" (none).
    stats: str
    moderation: bool
    guest_requests: bool
    administration: bool


class CountsView(NamedTuple):
    locale: str
    script_root: str
    notifications: int
    reports: int
    held: int
    to_assess: int
    to_approve: int


class SearchBoxView(NamedTuple):
    locale: str
    script_root: str
    member: bool
    # The words searched, shown again in the box on the results page only.
    query: str


class LanguagesView(NamedTuple):
    locale: str
    script_root: str
    # (code, name in its own language) of every language of the interface.
    choices: tuple


class HeaderView(NamedTuple):
    locale: str
    script_root: str
    # For a reader signed in: their menu, their search box and the sign-out button (with their name in its slot).
    menu: MenuView | None
    sign_out: bool
    search: SearchBoxView | None
    # What waits for them, when anything does (never on a server error's page, which asks the database nothing).
    counts: CountsView | None
    languages: LanguagesView
    # Slots, filled for each page: the forms' CSRF token, the language switcher's page to come back to and the
    # reader's name (`fragments.CSRF_SLOT`, `NEXT_SLOT`, `NAME_SLOT`), so that readers share the fragment.
    csrf: str
    next: str
    name: str


class FooterView(NamedTuple):
    locale: str
    script_root: str


class PageLinksView(NamedTuple):
    locale: str
    script_root: str
    endpoint: str
    # The other query arguments of every page's link (forum.fragments.Arguments).
    arguments: fragments.Arguments
    page: int
    last_page: int


# The language switcher's page to come back to and the reader's name, as `fragments.CSRF_SLOT` is the token's.
NEXT_SLOT = secrets.token_hex(16)
NAME_SLOT = secrets.token_hex(16)


def header(*, server_error=False):
    """The page's header for the reader: one fragment, with this page's CSRF token and address and the reader's
    name in its slots. `server_error`: for a server error's page, which asks the database nothing more."""
    # The user itself, not Flask-Login's proxy: every attribute read through the proxy looks the user up again.
    user = current_user._get_current_object()
    reader = fragments.reader()
    signed_in = user.is_authenticated
    view = HeaderView(
        **reader,
        menu=_menu(user, reader) if signed_in else None,
        sign_out=signed_in,
        search=_search_box(user, reader) if signed_in else None,
        counts=None if server_error or not signed_in else _counts(header_counts(user), reader),
        languages=LanguagesView(**reader, choices=tuple((code, native_name(code)) for code in ui_locales())),
        csrf=fragments.CSRF_SLOT,
        next=NEXT_SLOT,
        name=NAME_SLOT,
    )
    slots = {
        fragments.CSRF_SLOT: generate_csrf(),
        # After changing the language, back to the page shown (a GET's; a form sent is not sent again).
        NEXT_SLOT: request.full_path.rstrip("?") if request.method == "GET" else "",
        NAME_SLOT: user.display_name if signed_in else "",
    }
    return fragments.with_slots(fragments.render(HEADER, view), slots)


def _menu(user, reader):
    """The main menu for the signed-in reader: the links their role opens."""
    stats = "full" if policy.can_view_stats(user) else "summary" if policy.can_view_stats_summary(user) else ""
    return MenuView(
        **reader,
        guest=policy.is_guest(user),
        topics=policy.can_view_topics(user),
        notifications=policy.is_member(user),
        delegations=policy.can_view_delegations(user),
        stats=stats,
        moderation=policy.can_see_moderation_queue(user),
        guest_requests=policy.can_view_guest_requests(user),
        administration=policy.can_manage_accounts(user),
    )


def _counts(figures, reader):
    """What waits for the reader (`forum.main.counts.HeaderCounts`), each a link; None when nothing does."""
    if figures is None or not figures.any:
        return None
    return CountsView(
        **reader,
        notifications=figures.notifications,
        reports=figures.reports,
        held=figures.held,
        to_assess=figures.to_assess,
        to_approve=figures.to_approve,
    )


def _search_box(user, reader):
    """The header's search box (guests search their discussion only); the results page shows the query in it."""
    query = request.args.get("q", "") if request.endpoint == "search.results" else ""
    return SearchBoxView(**reader, member=policy.is_member(user), query=query[:200])


def footer():
    return fragments.render(FOOTER, FooterView(**fragments.reader()))


def page_links(page, last_page, endpoint, arguments):
    """The links to the other pages of a list (the `pagination` macro of _macros.html); empty for one page."""
    if last_page <= 1:
        return ""
    view = PageLinksView(
        **fragments.reader(),
        endpoint=endpoint,
        arguments=fragments.Arguments.of(arguments),
        page=page,
        last_page=last_page,
    )
    return fragments.render(PAGE_LINKS, view)


def register(app):
    for part in (header, footer, page_links):
        app.add_template_global(part, f"layout_{part.__name__}")
