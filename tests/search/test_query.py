"""Query parsing: words, phrases, exclusions, prefixes; nothing a reader types is a syntax error."""

import pytest

from forum.search import service, text
from forum.search.service import QueryProblem, Term, parse_query


def test_words_phrases_exclusions_and_prefixes():
    query = parse_query('franchise "evaluation indicators" -patent audit*')
    assert query.terms == [
        Term(("franchise",)),
        Term(("evaluation", "indicators")),
        Term(("patent",), negated=True),
        Term(("audit",), prefix=True),
    ]


def test_accents_and_case_fold_and_apostrophes_split():
    query = parse_query("Indicateurs d'Évaluation")
    # "d" is a stop word; the rest is folded.
    assert query.terms == [Term(("indicateurs",)), Term(("evaluation",))]


@pytest.mark.parametrize(
    "raw",
    ['"unclosed phrase', "a AND OR NOT (", "NEAR(x y)", "title:foo", "^start", '""" -', "*", "x:y*", "{col}: w"],
)
def test_syntax_looking_input_is_only_words(raw):
    try:
        query = parse_query(raw)
    except QueryProblem:
        return
    expression = service.fts_expression(query)
    # Every user word reaches FTS5 inside double quotes.
    assert all(term.words for term in query.terms)
    assert "(" in expression


def test_too_long_query_is_refused_with_a_message():
    with pytest.raises(QueryProblem, match="200"):
        parse_query("word " * 41)


@pytest.mark.parametrize("raw", ["the of and", "le la les", "el de los", "the -patent"])
def test_stop_words_only_is_refused_with_a_message(raw):
    with pytest.raises(QueryProblem, match="common"):
        parse_query(raw)


@pytest.mark.parametrize("raw", ["", "   ", "---", "«»", '""'])
def test_nothing_to_search_is_refused_with_a_message(raw):
    with pytest.raises(QueryProblem):
        parse_query(raw)


def test_french_stems_meet_whatever_the_accents():
    assert {text.stem(text.fold(word), "fr") for word in ("propriété", "propriete", "propriétés")} == {"propriet"}


def test_highlighting_marks_stems_and_escapes_html():
    highlighter = service.Highlighter(parse_query("propriété"))
    snippet = highlighter.snippet("<b>Les</b> propriétés & la Propriete", "fr")
    assert str(snippet) == "&lt;b&gt;Les&lt;/b&gt; <mark>propriétés</mark> &amp; la <mark>Propriete</mark>"
