"""Words as search sees them: split, folded, stemmed; the same steps for documents and queries.

Folding (lower case, accents removed) comes before stemming, so `propriété`,
`propriete` and `propriétés` reach the French Snowball stemmer in the same
form and give the same stem. PostgreSQL does the same with its `unaccent`
dictionary in front of the language's Snowball stemmer (forum.search.schema).
Languages without a stemmer here are folded only.
"""

import re
import unicodedata
from functools import lru_cache

import snowballstemmer

STEMMER_NAMES = {"en": "english", "fr": "french", "es": "spanish"}
# Languages whose stems a query tries, since a reader searches every language at once.
QUERY_LANGUAGES = tuple(STEMMER_NAMES)

# The short Snowball stop-word lists (folded), for telling a reader that a query
# had nothing to search for. Documents keep every word, so quoted phrases still match.
STOP_WORDS = frozenset(
    [
        "a",
        "about",
        "above",
        "after",
        "again",
        "against",
        "all",
        "am",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "because",
        "been",
        "before",
        "being",
        "below",
        "between",
        "both",
        "but",
        "by",
        "can",
        "did",
        "do",
        "does",
        "doing",
        "down",
        "during",
        "each",
        "few",
        "for",
        "from",
        "further",
        "had",
        "has",
        "have",
        "having",
        "he",
        "her",
        "here",
        "hers",
        "herself",
        "him",
        "himself",
        "his",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "itself",
        "me",
        "more",
        "most",
        "my",
        "myself",
        "no",
        "nor",
        "not",
        "of",
        "off",
        "on",
        "once",
        "only",
        "or",
        "other",
        "our",
        "ours",
        "ourselves",
        "out",
        "over",
        "own",
        "same",
        "she",
        "should",
        "so",
        "some",
        "such",
        "than",
        "that",
        "the",
        "their",
        "theirs",
        "them",
        "themselves",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "to",
        "too",
        "under",
        "until",
        "up",
        "very",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "you",
        "your",
        "yours",
        "yourself",
        "au",
        "aux",
        "avec",
        "ce",
        "ces",
        "dans",
        "de",
        "des",
        "du",
        "elle",
        "en",
        "et",
        "eux",
        "il",
        "ils",
        "je",
        "la",
        "le",
        "les",
        "leur",
        "lui",
        "ma",
        "mais",
        "me",
        "meme",
        "mes",
        "moi",
        "mon",
        "ne",
        "nos",
        "notre",
        "nous",
        "on",
        "ou",
        "par",
        "pas",
        "pour",
        "qu",
        "que",
        "qui",
        "sa",
        "se",
        "ses",
        "son",
        "sur",
        "ta",
        "te",
        "tes",
        "toi",
        "ton",
        "tu",
        "un",
        "une",
        "vos",
        "votre",
        "vous",
        "c",
        "d",
        "j",
        "l",
        "m",
        "n",
        "s",
        "t",
        "y",
        "ete",
        "est",
        "sont",
        "etait",
        "al",
        "algo",
        "como",
        "con",
        "contra",
        "cual",
        "cuando",
        "del",
        "desde",
        "donde",
        "el",
        "ella",
        "ellas",
        "ellos",
        "entre",
        "era",
        "es",
        "esa",
        "esas",
        "ese",
        "eso",
        "esos",
        "esta",
        "estas",
        "este",
        "esto",
        "estos",
        "fue",
        "ha",
        "hay",
        "las",
        "lo",
        "los",
        "mas",
        "mi",
        "muy",
        "nada",
        "ni",
        "nos",
        "o",
        "otra",
        "otro",
        "para",
        "pero",
        "por",
        "porque",
        "quien",
        "se",
        "ser",
        "si",
        "sin",
        "sobre",
        "su",
        "sus",
        "tambien",
        "te",
        "ti",
        "tu",
        "tus",
        "un",
        "una",
        "uno",
        "unos",
        "usted",
        "ya",
        "yo",
    ]
)

_WORD = re.compile(r"[^\W_]+")
_stemmers = {}


def fold(text):
    """Lower case without accents: `Propriété` → `propriete`."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def words(text):
    """The folded words of `text`, split as SQLite's unicode61 tokenizer splits them."""
    return _WORD.findall(fold(text or ""))


# Words repeat: a cache makes indexing and highlighting mostly lookups.
@lru_cache(maxsize=200_000)
def stem(word, language_code):
    """The stem of one folded word in a content language (the word itself where no stemmer exists)."""
    name = STEMMER_NAMES.get(language_code)
    if name is None:
        return word
    stemmer = _stemmers.get(name)
    if stemmer is None:
        stemmer = _stemmers[name] = snowballstemmer.stemmer(name)
    return stemmer.stemWord(word)


def stems(text, language_code):
    """`text` as the space-separated stems the SQLite index stores."""
    return " ".join(stem(word, language_code) for word in words(text))


def query_stems(word):
    """Every form a folded query word may take in the index: its stem in each stemmed language, and itself."""
    forms = [stem(word, code) for code in QUERY_LANGUAGES] + [word]
    return list(dict.fromkeys(forms))


def is_stop_word(word):
    return word in STOP_WORDS
