"""HTML fragments rendered from a view alone, and kept per process while their view stays the same.

Rendering the repeated parts of a page (a thread's posts, a room's threads) through their templates is
most of the page's cost (issue #18). Each repeated item is first reduced to a view: a named tuple of
exactly what its fragment shows, for this reader, in this language, at this minute (names, dates as the
reader reads them, which links they get, a text only if they may see it). The fragment's template gets
that view and nothing else (no request, user or model object; a test checks the templates), so the
fragment is a pure function of (template, view), and that pair is the cache key. An edit, a hide, a
restore, an erasure, a renamed author, another reader's rights or a new "3 hours ago" make another view,
hence another fragment: no invalidation step can be forgotten, and a reader who may not see a text has a
view without it, so nobody is ever served a fragment made for someone who may.

The views are built next to their pages (`forum.threads.fragments`, `forum.rooms.fragments`). The cache
holds `FRAGMENT_CACHE_SIZE` fragments per process, least recently used dropped (0 turns it off).
"""

import secrets
from functools import lru_cache
from typing import NamedTuple

from flask import current_app, request
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape

from forum.formatting import iso, reader_formats, relative, when
from forum.i18n import current_locale_code


class Moment(NamedTuple):
    """A timestamp as a view holds it, for the `moment` macro: machine-readable, in full, and as read."""

    iso: str
    full: str
    relative: str

    @classmethod
    def of(cls, value, formats=None):
        """`value` in the reader's language and time zone ("3 hours ago"), as the `time` macro shows it.

        `formats` is `forum.formatting.reader_formats()`, asked once by a list of views rather than once for each.
        """
        formats = formats or reader_formats()
        return cls(iso(value), when(value, "full", formats=formats), relative(value, formats=formats))


class Arguments(tuple):
    """A link's query arguments as a view holds them: pairs in a tuple (hashable, so part of the cache key),
    read as a mapping by `url_for(endpoint, **view.arguments)`."""

    @classmethod
    def of(cls, values):
        """From a dict, in a fixed order, without the arguments that are None (url_for would drop them too)."""
        return cls(sorted((name, value) for name, value in values.items() if value is not None))

    def keys(self):
        return [name for name, _value in self]

    def __getitem__(self, key):
        if not isinstance(key, str):
            return super().__getitem__(key)
        for name, value in self:
            if name == key:
                return value
        raise KeyError(key)


def init_app(app):
    """One cache per application (tests build many); its size is read once, at start."""
    size = app.config.get("FRAGMENT_CACHE_SIZE", 4000)
    app.extensions["forum.fragments"] = lru_cache(maxsize=size)(_render) if size else _render


def reader():
    """What every view holds first: the words depend on the language, the links on the site's root path.

    (Dates depend on the reader's time zone too, but views hold them already formatted.)
    """
    return {"locale": current_locale_code(), "script_root": request.script_root}


def render(template, view):
    """The fragment of `template` for `view`, from the cache when it holds it."""
    return current_app.extensions["forum.fragments"](template, view)


# Where a fragment's forms take the page's CSRF token, which differs for every reader and page: a view holds this
# word instead (its `csrf` field) and `with_csrf` puts the token in its place. It is random, kept for the process's
# life and never sent, so no text a view holds (a title, a name) can contain it and have a token put inside it.
# Other slots are made the same way (`forum.main.layout.NEXT_SLOT`) and filled by `with_slots`.
CSRF_SLOT = secrets.token_hex(16)


def with_slots(fragment, values):
    """`fragment` (from `render`) with each slot that is a key of `values` replaced by its value, escaped."""
    html = str(fragment)
    for slot, value in values.items():
        html = html.replace(slot, str(escape(value)))
    return Markup(html)


def with_csrf(fragment):
    """`fragment` (from `render`) with the request's CSRF token in its forms' slots."""
    return with_slots(fragment, {CSRF_SLOT: generate_csrf()})


def cache_info():
    """The cache's hits and misses (functools' CacheInfo), or None when it is off."""
    render = current_app.extensions["forum.fragments"]
    return render.cache_info() if hasattr(render, "cache_info") else None


def _render(template, view):
    return Markup(current_app.jinja_env.get_template(template).render(view=view))
