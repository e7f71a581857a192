"""The one place where user text becomes HTML.

Markdown is parsed by markdown-it-py's `js-default` preset (raw HTML off,
`javascript:`/`vbscript:`/`file:`/`data:` links refused), the result goes
through a bleach allow-list, and every link (written or a bare URL) gets a rel
that keeps the forum out of link farming and referrer leaks. Templates print only what
`render_markdown` returned (stored alongside the source) with `|safe`.
"""

import html as html_lib
import re

import bleach
from markdown_it import MarkdownIt

ALLOWED_TAGS = frozenset(
    {
        "p",
        "br",
        "hr",
        "strong",
        "em",
        "del",
        "s",
        "code",
        "pre",
        "blockquote",
        "ul",
        "ol",
        "li",
        "a",
        "h3",
        "h4",
        "h5",
        "h6",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
    }
)
ALLOWED_ATTRIBUTES = {"a": ["href", "title", "rel"], "ol": ["start"]}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow noopener noreferrer"

_markdown = (
    MarkdownIt("js-default", {"breaks": True, "typographer": False, "linkify": True})
    .enable("linkify")
    .enable("table")
    .enable("strikethrough")
    # No images at all: remote images leak readers' addresses to third parties.
    .disable("image")
)


_cleaner = bleach.Cleaner(
    tags=ALLOWED_TAGS,
    attributes=ALLOWED_ATTRIBUTES,
    protocols=ALLOWED_PROTOCOLS,
    strip=True,
    strip_comments=True,
)


def _render_tokens(source):
    tokens = _markdown.parse(source)
    for token in tokens:
        # Post headings start at h3: the page owns h1 and h2.
        if token.type in ("heading_open", "heading_close"):
            level = int(token.tag[1])
            token.tag = f"h{min(level + 2, 6)}"
        for child in token.children or ():
            if child.type == "link_open":
                child.attrSet("rel", LINK_REL)
    return _markdown.renderer.render(tokens, _markdown.options, {})


def render_markdown(source):
    """Markdown source to sanitized HTML, safe to print as is."""
    html = _render_tokens(source or "")
    return _cleaner.clean(html).strip()


def quote_markdown(source, author_name):
    """A Markdown quotation of `source` for a reply."""
    lines = (source or "").strip().splitlines() or [""]
    quoted = "\n".join(f"> {line}" if line else ">" for line in lines)
    return f"> **{escape_markdown(author_name)}:**\n{quoted}\n\n"


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!<>|~])")


def escape_markdown(text):
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text or "")


def count_links(source):
    """How many links a post's source makes (for the new-member link limit).

    Counted from the parser's tokens, as the page will show them: a written
    link, an autolink and a bare URL made a link are one each, whatever they
    contain ("https://www.example.org" is one), and an address in code is none.
    """
    return sum(
        1 for token in _markdown.parse(source or "") for child in token.children or () if child.type == "link_open"
    )


def plain_excerpt(source, length=160):
    """A short plain-text excerpt (for notifications and e-mails)."""
    text = bleach.clean(render_markdown(source), tags=set(), strip=True)
    text = " ".join(html_lib.unescape(text).split())
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"
