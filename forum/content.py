"""The one place where user text becomes HTML.

Markdown is parsed by markdown-it-py's `js-default` preset (raw HTML off,
`javascript:`/`vbscript:`/`file:`/`data:` links refused), the result goes
through a bleach allow-list, and every link (written or a bare URL) gets a rel
that keeps the forum out of link farming and referrer leaks. Templates print only what
`render_markdown` returned (stored alongside the source) with `|safe`.
"""

import html as html_lib
import re
import unicodedata
from functools import lru_cache

import bleach
from markdown_it import MarkdownIt
from markdown_it.token import Token

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
        # Mentions only (see _allowed_span_attribute).
        "span",
    }
)


def _allowed_span_attribute(tag, name, value):
    # Only the mark of a resolved mention (below): Markdown without raw HTML makes no other span.
    return name == "class" and value == "mention"


ALLOWED_ATTRIBUTES = {"a": ["href", "title", "rel"], "ol": ["start"], "span": _allowed_span_attribute}
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


def _render_tokens(source, mentions):
    tokens = _markdown.parse(source)
    for token in tokens:
        # Post headings start at h3: the page owns h1 and h2.
        if token.type in ("heading_open", "heading_close"):
            level = int(token.tag[1])
            token.tag = f"h{min(level + 2, 6)}"
        for child in token.children or ():
            if child.type == "link_open":
                child.attrSet("rel", LINK_REL)
        if mentions and token.children:
            token.children = _mark_mentions(token.children, mentions)
    return _markdown.renderer.render(tokens, _markdown.options, {})


# Bidirectional embeddings, overrides (U+202A–U+202E) and isolates (U+2066–U+2069): an unclosed
# override reverses everything after it, the known trick for disguising text and links.
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
_BIDI_OPENERS = {"\u202a": "\u202c", "\u202b": "\u202c", "\u202d": "\u202c", "\u202e": "\u202c"}
_BIDI_OPENERS.update({"\u2066": "\u2069", "\u2067": "\u2069", "\u2068": "\u2069"})


def _balanced_line(line):
    """The line with its bidi controls kept only in matched pairs: none can reach past the line's end."""
    kept = list(line)
    open_at = []  # (index, closer expected)
    for index, char in enumerate(line):
        if char in _BIDI_OPENERS:
            open_at.append((index, _BIDI_OPENERS[char]))
        elif char in ("\u202c", "\u2069"):
            if open_at and open_at[-1][1] == char:
                open_at.pop()
            else:
                kept[index] = ""
    for index, _closer in open_at:
        kept[index] = ""
    return "".join(kept)


def balance_bidi(text):
    """`text` with unpaired bidi controls removed, line by line (post bodies: paired ones are legitimate)."""
    if not text or not _BIDI_CONTROLS.search(text):
        return text
    return "\n".join(_balanced_line(line) for line in text.split("\n"))


def _visible(char):
    # Letters, digits, punctuation and symbols show; spaces, format and control characters
    # (U+200B, U+200E/F, U+2060, U+FEFF, bidi controls) and lone combining marks do not.
    return unicodedata.category(char)[0] in "LNPS"


def clean_line(text):
    """A one-line text (title, display name) as stored: NFC, no bidi controls, no invisible ends.

    Returns "" when nothing visible is left, so the caller's "required" check refuses it.
    """
    text = _BIDI_CONTROLS.sub("", unicodedata.normalize("NFC", text or ""))
    text = " ".join(text.split())
    start = next((i for i, char in enumerate(text) if _visible(char)), None)
    if start is None:
        return ""
    end = max(i for i, char in enumerate(text) if _visible(char))
    return text[start : end + 1]


def render_markdown(source, mentions=None):
    """Markdown source to sanitized HTML, safe to print as is.

    `mentions` ({mention_key(name): display name}) are the people whose
    `@[Name]` is shown as a mention; any other `@[…]` stays plain text.
    """
    html = _render_tokens(balance_bidi(unicodedata.normalize("NFC", source or "")), mentions)
    return _cleaner.clean(html).strip()


# Mentions ----------------------------------------------------------------------
#
# `@[Display Name]`: names have spaces and no handle, and Markdown leaves a
# bracketed text without a link target as it is, so the syntax reads the same
# with or without the forum (and needs no script to type). Only plain text
# mentions: not inside code, nor inside a link's text. The post service
# decides who a name is (forum.notifications.mentions); here a name only
# becomes a highlighted span, which links nowhere and reveals nothing.

MENTION = re.compile(r"(?<![\w@])@\[([^\[\]\n]{1,120})\]")
MAX_MENTIONS = 20


def mention_key(name):
    """How names compare: case and runs of spaces do not matter."""
    return " ".join((name or "").split()).casefold()


def _plain_text_children(children):
    """The text tokens outside links (code spans are tokens of their own)."""
    depth = 0
    for child in children:
        if child.type == "link_open":
            depth += 1
        elif child.type == "link_close":
            depth -= 1
        elif child.type == "text" and depth == 0:
            yield child


def mentioned_names(source):
    """The names written as `@[Name]` in plain text, in order, each once (at most MAX_MENTIONS)."""
    return list(_mentioned_names(source or ""))


# Kept for the last few texts: a reply asks before it takes the write lock (its preview's mentions) and again
# under it (whom to notify), and each parse of a long text takes a millisecond.
@lru_cache(maxsize=32)
def _mentioned_names(source):
    names = {}
    for token in _markdown.parse(source or ""):
        for child in _plain_text_children(token.children or ()):
            for match in MENTION.finditer(child.content):
                name = " ".join(match.group(1).split())
                if name:
                    names.setdefault(mention_key(name), name)
    return tuple(names.values())[:MAX_MENTIONS]


def _mark_mentions(children, mentions):
    plain = {id(child) for child in _plain_text_children(children)}
    marked = []
    for child in children:
        if id(child) not in plain:
            marked.append(child)
            continue
        position = 0
        for match in MENTION.finditer(child.content):
            display = mentions.get(mention_key(match.group(1)))
            if display is None:
                continue
            marked.append(_text_token(child.content[position : match.start()]))
            mention = Token("mention", "span", 0)
            mention.content = display
            marked.append(mention)
            position = match.end()
        marked.append(_text_token(child.content[position:]) if position else child)
    return marked


def _text_token(content):
    token = Token("text", "", 0)
    token.content = content
    return token


def _render_mention(renderer, tokens, index, options, env):
    return f'<span class="mention">@{html_lib.escape(tokens[index].content)}</span>'


_markdown.add_render_rule("mention", _render_mention)


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
    return _count_links(source or "")


@lru_cache(maxsize=32)
def _count_links(source):
    return sum(1 for token in _markdown.parse(source) for child in token.children or () if child.type == "link_open")


def plain_excerpt(source, length=160):
    """A short plain-text excerpt (for notifications and e-mails)."""
    text = bleach.clean(render_markdown(source), tags=set(), strip=True)
    text = " ".join(html_lib.unescape(text).split())
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"
