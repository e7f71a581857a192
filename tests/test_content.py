"""User text to HTML: hostile input never becomes executable; ordinary Markdown works."""

import html.parser
import re

import pytest

from forum.content import count_links, plain_excerpt, quote_markdown, render_markdown
from tests.hostile_inputs import HOSTILE_INPUTS

ALLOWED_TAGS = {
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
ALLOWED_ATTRIBUTES = {"href", "title", "rel", "start"}


class _Inspector(html.parser.HTMLParser):
    """Collects every tag and attribute the browser would build from the output."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems = []

    def handle_starttag(self, tag, attrs):
        if tag not in ALLOWED_TAGS:
            self.problems.append(f"tag <{tag}>")
        for name, value in attrs:
            if name not in ALLOWED_ATTRIBUTES:
                self.problems.append(f"attribute {name} on <{tag}>")
            if name == "href":
                # What a browser does: strip control and space characters, then read the scheme.
                cleaned = re.sub(r"[\x00-\x20]", "", value or "").lower()
                match = re.match(r"([a-z][a-z0-9+.\-]*):", cleaned)
                scheme = match.group(1) if match else ""
                if scheme not in ("", "http", "https", "mailto"):
                    self.problems.append(f"href scheme {scheme!r}")

    def handle_comment(self, data):
        self.problems.append("comment")


def _problems(output):
    inspector = _Inspector()
    inspector.feed(output)
    inspector.close()
    return inspector.problems


def test_corpus_has_at_least_a_hundred_inputs():
    assert len(HOSTILE_INPUTS) >= 100


@pytest.mark.parametrize("payload", HOSTILE_INPUTS)
def test_hostile_input_yields_nothing_executable(payload):
    output = render_markdown(payload)
    assert _problems(output) == [], output
    lowered = output.lower()
    # Tags that survive only as escaped text are harmless; real ones would start with "<".
    for tag in ("<script", "<svg", "<math", "<img", "<style", "<iframe", "<object", "<embed"):
        assert tag not in lowered


def test_links_get_rel_and_bare_urls_are_linked():
    output = render_markdown("See https://www.wipo.int and [the report](https://example.org/r).")
    assert output.count('rel="nofollow noopener noreferrer"') == 2
    assert 'href="https://www.wipo.int"' in output


def test_images_are_not_embedded():
    output = render_markdown("![chart](https://example.org/chart.png)")
    assert "<img" not in output
    assert 'href="https://example.org/chart.png"' in output


@pytest.mark.parametrize(
    "source,expected",
    [
        ("**bold** and *italic*", "<strong>bold</strong> and <em>italic</em>"),
        ("- one\n- two", "<ul>\n<li>one</li>\n<li>two</li>\n</ul>"),
        ("1. one\n2. two", "<ol>\n<li>one</li>"),
        ("> quoted", "<blockquote>\n<p>quoted</p>\n</blockquote>"),
        ("`code`", "<code>code</code>"),
        ("```\nx < y\n```", "<pre><code>x &lt; y\n</code></pre>"),
        ("~~old~~", "<s>old</s>"),
        ("# Heading", "<h3>Heading</h3>"),
        ("a & b < c", "a &amp; b &lt; c"),
        ("line one\nline two", "line one<br>\nline two"),
        ("| a | b |\n|---|---|\n| 1 | 2 |", "<td>1</td>"),
        ("mail me: someone@example.org", 'href="mailto:someone@example.org"'),
    ],
)
def test_ordinary_markdown_keeps_working(source, expected):
    assert expected in render_markdown(source)


def test_non_latin_text_is_kept():
    text = "مرحبا بكم — 欢迎 — Добро пожаловать"
    assert text in render_markdown(text)


def test_quote_markdown_quotes_every_line_and_escapes_the_name():
    quoted = quote_markdown("first\n\nsecond", "A *name*")
    assert quoted.startswith("> **A \\*name\\*:**")
    assert "> first\n>\n> second" in quoted
    assert "<em>" not in render_markdown(quoted).split("</strong>")[0]


def test_count_links_and_excerpt():
    assert count_links("see https://a.org and http://b.org and www.c.org") == 3
    # One link each, whatever it contains: "https://www." is not two.
    assert count_links("Our office: https://www.example.org and https://www.wipo.int") == 2
    assert count_links("[the report](https://www.example.org/report) and <https://example.org>") == 2
    # Addresses in code are text, not links.
    assert count_links("`http://a.example` and\n\n    http://b.example\n") == 0
    assert plain_excerpt("**Hello** & <b>welcome</b>") == "Hello & <b>welcome</b>".replace("<b>", "<b>")
