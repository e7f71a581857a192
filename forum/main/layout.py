"""The layout's parts that pages repeat, rendered as cached fragments (forum.fragments).

The header's menu, its counts, the search box, the language list and the footer are the same for every
reader with the same rights, figures and language, yet rendering them through Jinja (a dozen translated
labels and links each) was about a third of an empty signed-in page. Each part is reduced to a view of
exactly what it shows, so it is rendered once per process per distinct view; the menu's view holds which
links the reader's role opens, so a delegate's menu never shows a moderator's links. The forms that carry a
CSRF token (changing the language, signing out) stay in the page itself.
"""

from typing import NamedTuple

from flask import request
from flask_login import current_user

from forum import fragments, policy
from forum.i18n import native_name, ui_locales

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


def menu():
    """The main menu for the signed-in reader: the links their role opens."""
    # The user itself, not Flask-Login's proxy: every attribute read through the proxy looks the user up again.
    user = current_user._get_current_object()
    stats = "full" if policy.can_view_stats(user) else "summary" if policy.can_view_stats_summary(user) else ""
    view = MenuView(
        **fragments.reader(),
        guest=policy.is_guest(user),
        topics=policy.can_view_topics(user),
        notifications=policy.is_member(user),
        delegations=policy.can_view_delegations(user),
        stats=stats,
        moderation=policy.can_see_moderation_queue(user),
        guest_requests=policy.can_view_guest_requests(user),
        administration=policy.can_manage_accounts(user),
    )
    return fragments.render(MENU, view)


def counts(figures):
    """What waits for the reader (`forum.main.counts.HeaderCounts`), each a link; empty when nothing does."""
    if figures is None or not figures.any:
        return ""
    view = CountsView(
        **fragments.reader(),
        notifications=figures.notifications,
        reports=figures.reports,
        held=figures.held,
        to_assess=figures.to_assess,
        to_approve=figures.to_approve,
    )
    return fragments.render(COUNTS, view)


def search_box():
    """The header's search box (guests search their discussion only); the results page shows the query in it."""
    user = current_user._get_current_object()
    if not user.is_authenticated:
        return ""
    query = request.args.get("q", "") if request.endpoint == "search.results" else ""
    view = SearchBoxView(**fragments.reader(), member=policy.is_member(user), query=query[:200])
    return fragments.render(SEARCH_BOX, view)


def language_options():
    """The options of the language switcher, the reader's language selected."""
    choices = tuple((code, native_name(code)) for code in ui_locales())
    return fragments.render(LANGUAGES, LanguagesView(**fragments.reader(), choices=choices))


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
    for part in (menu, counts, search_box, language_options, footer, page_links):
        app.add_template_global(part, f"layout_{part.__name__}")
