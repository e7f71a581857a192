"""Interface language and time zone of each request."""

from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale, UnknownLocaleError
from flask import current_app, g, has_request_context, request, session
from flask_babel import get_locale, get_translations
from flask_login import current_user
from jinja2 import pass_context


def ui_locales():
    return tuple(current_app.config["FORUM_UI_LOCALES"])


def select_locale():
    """The user's saved choice, then the session's, then Accept-Language, then English."""
    available = ui_locales()
    # No reader outside a request (CLI, `tick`): e-mails pick the recipient's language with force_locale.
    if not has_request_context():
        return "en"
    # A saved choice no longer offered (removed from FORUM_UI_LOCALES) falls through instead of failing.
    user = current_user._get_current_object()
    if user and user.is_authenticated and user.locale in available:
        return user.locale
    chosen = session.get("locale")
    if chosen in available:
        return chosen
    return request.accept_languages.best_match(available) or "en"


def select_timezone():
    user = current_user._get_current_object() if has_request_context() else None
    if user and user.is_authenticated and user.timezone:
        return user.timezone
    return current_app.config["FORUM_TIMEZONE"]


# Cached: parsing Babel's locale data is slow, and a page names the same few languages many times.
@lru_cache(maxsize=64)
def known_locale(code):
    """Babel's Locale for a language code ("pt", "pt-br", "zh_Hant"), or None for one it does not know ("xx")."""
    try:
        return Locale.parse(str(code).replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError):
        return None


@lru_cache(maxsize=64)
def native_name(code):
    """A language's name in itself ("Français", "العربية")."""
    locale = known_locale(code)
    if locale is None:
        return code
    name = locale.get_display_name(locale) or code
    # Babel gives some names in lower case ("français"); a label starts with a capital.
    return name[:1].upper() + name[1:]


@lru_cache(maxsize=64)
def direction(code):
    locale = known_locale(code)
    return "rtl" if locale is not None and locale.character_order == "right-to-left" else "ltr"


def reader_zone():
    """The reader's time zone as a ZoneInfo (the forum's default if theirs is unknown)."""
    try:
        # A zone saved on an account may be mistyped or dropped from tzdata: the page still renders.
        return ZoneInfo(select_timezone())
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(current_app.config["FORUM_TIMEZONE"])


def format_locale():
    """The locale dates are written in: the interface language, in the reader's regional variant if the
    browser asks for one of that language (en-GB: "30 Nov 2026, 14:05"; en alone: "Nov 30, 2026, 2:05 PM").

    Computed once per request (kept in the request's environ, as Flask-Babel keeps the locale on the
    request): every timestamp of a page uses it.
    """
    if not has_request_context():
        return known_locale(current_locale_code()) or Locale("en")
    language = current_locale_code()
    cached = request.environ.get("forum.format_locale")
    # Keyed by the interface language too: switching language within a request must not keep the old one.
    if cached is None or cached[0] != language:
        cached = (language, _regional_variant(language, tuple(request.accept_languages.values())))
        request.environ["forum.format_locale"] = cached
    return cached[1]


@lru_cache(maxsize=256)
def _regional_variant_of(language, tag):
    locale = known_locale(tag)
    if locale is not None and locale.language == language and locale.territory:
        return locale
    return None


def _regional_variant(language, tags):
    for tag in tags:
        variant = _regional_variant_of(language, tag)
        if variant is not None:
            return variant
    return known_locale(language) or Locale("en")


def current_locale_code():
    locale = get_locale()
    # The language alone ("pt", not "pt_BR"): category texts and content languages are keyed by it.
    return str(locale.language) if locale else "en"


def language_name(code, in_locale=None, *, capitalised=True):
    """A language's name in the reader's language ("French", "Francés").

    Capitalised as a label by default; `capitalised=False` keeps Babel's form for inside a
    sentence ("anglais et français").
    """
    in_locale = in_locale or current_locale_code()
    try:
        name = Locale.parse(code).get_display_name(Locale.parse(in_locale)) or code
    except (ValueError, TypeError):
        return code
    return name[:1].upper() + name[1:] if capitalised else name


def install_template_gettext(app):
    """Templates' `_` and `ngettext`, finding the request's catalog once per page rather than for every string.

    Flask-Babel's own functions look the catalog up again for each string (about fifteen calls, through
    Flask's context proxies): a tenth of a page. Here a page's template context holds the catalog
    (`gettext_catalog`, put there as the page starts rendering, so a `force_locale` block around an e-mail's
    rendering gets its reader's language), and each string is looked up in it; what renders without a page's
    context (a cached fragment, a macro imported without context) finds the request's catalog, kept on `g` with
    the locale it is for.
    """
    app.jinja_env.install_gettext_callables(
        gettext=pass_context(lambda context, string: _catalog_of(context).ugettext(string)),
        ngettext=pass_context(
            lambda context, singular, plural, number: _catalog_of(context).ungettext(singular, plural, number)
        ),
        pgettext=pass_context(lambda context, msgctxt, string: _catalog_of(context).upgettext(msgctxt, string)),
        npgettext=pass_context(
            lambda context, msgctxt, singular, plural, number: _catalog_of(context).unpgettext(
                msgctxt, singular, plural, number
            )
        ),
        newstyle=True,
    )
    app.context_processor(lambda: {"gettext_catalog": _catalog()})


def _catalog_of(context):
    catalog = context.get("gettext_catalog")
    return catalog if catalog is not None else _catalog()


def _catalog():
    if not has_request_context():
        return get_translations()
    locale = get_locale()
    cached = g.get("_forum_catalog")
    if cached is None or cached[0] is not locale:
        cached = g._forum_catalog = (locale, get_translations())
    return cached[1]
