"""Database objects of the full-text index that SQLAlchemy models cannot describe.

SQLite: an FTS5 external-content table `search_fts` over the stems of
`search_entries` and the words of where each row belongs (scope_terms), kept
in step by triggers (unicode61 with remove_diacritics 2, so accents fold in
the index as in forum.search.text).

PostgreSQL: text-search configurations `forum_english`, `forum_french`,
`forum_spanish` (Snowball) and `forum_simple` (any other language), each with
`unaccent` in front, and a trigger computing `search_entries.document`
(title weight A, body weight B) in the configuration of the row's language,
followed by the row's scope words (postgres_scope_terms).

The same statements serve the migration and `db.create_all()` (the tests).
"""

from sqlalchemy import DDL, event


def scope_terms(row):
    """SQL for the words that say where a search row belongs (`row` is `new` or `old` in a trigger).

    The third FTS5 column holds them, so that a search filtered by room, category, language, author or weekly
    discussion reads only the matches in that place from the index, instead of looking up every match of a word:
    `r<room id> c<category id> l<language code> a<author id>`, and `w` for a weekly discussion's texts. Users'
    words never reach this column (forum.search.service restricts them to the other two).
    """
    return (
        f"'r' || coalesce({row}.room_id, 0) || ' c' || coalesce({row}.category_id, 0)"
        f" || ' ' || {_language_word_sql(row)}"
        f" || ' a' || coalesce({row}.author_id, 0)"
        f" || CASE WHEN {row}.discussion_id IS NULL THEN '' ELSE ' w' END"
    )


def language_word(code):
    """A language code's scope word, as `scope_terms` writes it: `l`, lower case, no hyphens ("pt-br" → "lptbr")."""
    return "l" + code.lower().replace("-", "")


def _language_word_sql(row):
    return f"'l' || replace(lower(coalesce({row}.language_code, '')), '-', '')"


SCOPE_SOURCES = "room_id, category_id, language_code, author_id, discussion_id"

SQLITE_CREATE = (
    "CREATE VIRTUAL TABLE search_fts USING fts5(title_terms, body_terms, scope_terms, content='search_entries', "
    "content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
    f"""CREATE TRIGGER search_entries_fts_insert AFTER INSERT ON search_entries BEGIN
  INSERT INTO search_fts(rowid, title_terms, body_terms, scope_terms)
  VALUES (new.id, new.title_terms, new.body_terms, {scope_terms("new")});
END""",
    f"""CREATE TRIGGER search_entries_fts_delete AFTER DELETE ON search_entries BEGIN
  INSERT INTO search_fts(search_fts, rowid, title_terms, body_terms, scope_terms)
  VALUES ('delete', old.id, old.title_terms, old.body_terms, {scope_terms("old")});
END""",
    f"""CREATE TRIGGER search_entries_fts_update AFTER UPDATE OF title_terms, body_terms, {SCOPE_SOURCES}
ON search_entries BEGIN
  INSERT INTO search_fts(search_fts, rowid, title_terms, body_terms, scope_terms)
  VALUES ('delete', old.id, old.title_terms, old.body_terms, {scope_terms("old")});
  INSERT INTO search_fts(rowid, title_terms, body_terms, scope_terms)
  VALUES (new.id, new.title_terms, new.body_terms, {scope_terms("new")});
END""",
)

# search_entries has no scope_terms column (FTS5 only indexes it), so the index is filled with this, never with
# FTS5's 'rebuild' (which reads every column from the content table).
SQLITE_FILL = (
    "INSERT INTO search_fts(rowid, title_terms, body_terms, scope_terms) "
    f"SELECT id, title_terms, body_terms, {scope_terms('search_entries')} FROM search_entries"
)

# The index as migrations before scope_terms made it (they run with this, whatever the code is now).
SQLITE_CREATE_WITHOUT_SCOPE = (
    "CREATE VIRTUAL TABLE search_fts USING fts5(title_terms, body_terms, content='search_entries', "
    "content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
    """CREATE TRIGGER search_entries_fts_insert AFTER INSERT ON search_entries BEGIN
  INSERT INTO search_fts(rowid, title_terms, body_terms) VALUES (new.id, new.title_terms, new.body_terms);
END""",
    """CREATE TRIGGER search_entries_fts_delete AFTER DELETE ON search_entries BEGIN
  INSERT INTO search_fts(search_fts, rowid, title_terms, body_terms)
  VALUES ('delete', old.id, old.title_terms, old.body_terms);
END""",
    """CREATE TRIGGER search_entries_fts_update AFTER UPDATE OF title_terms, body_terms ON search_entries BEGIN
  INSERT INTO search_fts(search_fts, rowid, title_terms, body_terms)
  VALUES ('delete', old.id, old.title_terms, old.body_terms);
  INSERT INTO search_fts(rowid, title_terms, body_terms) VALUES (new.id, new.title_terms, new.body_terms);
END""",
)

SQLITE_DROP = (
    "DROP TRIGGER IF EXISTS search_entries_fts_update",
    "DROP TRIGGER IF EXISTS search_entries_fts_delete",
    "DROP TRIGGER IF EXISTS search_entries_fts_insert",
    "DROP TABLE IF EXISTS search_fts",
)

# Content language → PostgreSQL configuration; every other language uses forum_simple.
POSTGRES_CONFIGS = {"en": "forum_english", "fr": "forum_french", "es": "forum_spanish"}
POSTGRES_DEFAULT_CONFIG = "forum_simple"
_POSTGRES_SOURCES = {"forum_english": "english", "forum_french": "french", "forum_spanish": "spanish"}


def _postgres_create(scope=True):
    statements = ["CREATE EXTENSION IF NOT EXISTS unaccent"]
    for name, source in _POSTGRES_SOURCES.items():
        statements += [
            f"CREATE TEXT SEARCH CONFIGURATION {name} (COPY = {source})",
            f"ALTER TEXT SEARCH CONFIGURATION {name} ALTER MAPPING FOR hword, hword_part, word "
            f"WITH unaccent, {source}_stem",
        ]
    statements += [
        "CREATE TEXT SEARCH CONFIGURATION forum_simple (COPY = simple)",
        "ALTER TEXT SEARCH CONFIGURATION forum_simple ALTER MAPPING FOR hword, hword_part, word WITH unaccent, simple",
    ]
    cases = " ".join(f"WHEN '{code}' THEN '{name}'::regconfig" for code, name in POSTGRES_CONFIGS.items())
    statements += [
        f"""CREATE FUNCTION forum_search_config(code text) RETURNS regconfig LANGUAGE sql IMMUTABLE AS
$$ SELECT CASE code {cases} ELSE '{POSTGRES_DEFAULT_CONFIG}'::regconfig END $$""",
        *postgres_document_trigger(scope),
    ]
    if scope:
        statements.append(POSTGRES_TIERS_IN_ORDER)
    return tuple(statements)


# Always true, and PARALLEL UNSAFE: PostgreSQL plans no parallel workers for a statement that calls it. A search's
# window reads its tiers of entries in order (forum.search.service._ranked_matches): a UNION ALL read by parallel
# workers (a Parallel Append) gives the rows of whichever part comes first.
POSTGRES_TIERS_IN_ORDER = (
    "CREATE FUNCTION search_tiers_in_order() RETURNS boolean LANGUAGE sql STABLE PARALLEL UNSAFE AS $$ SELECT true $$"
)


def postgres_document_trigger(scope=True):
    """The function and trigger computing `document` (`scope=False`: as before the scope words)."""
    sources = ("title, body, " + SCOPE_SOURCES) if scope else "title, body, language_code"
    return (
        _postgres_document_function(scope),
        f"CREATE TRIGGER search_entries_document BEFORE INSERT OR UPDATE OF {sources} "
        "ON search_entries FOR EACH ROW EXECUTE FUNCTION search_entries_document()",
    )


def _postgres_document_function(scope):
    weighted = """setweight(to_tsvector(forum_search_config(NEW.language_code), coalesce(NEW.title, '')), 'A')
    || setweight(to_tsvector(forum_search_config(NEW.language_code), coalesce(NEW.body, '')), 'B')"""
    if scope:
        weighted += f"\n    || {postgres_scope_terms('NEW')}"
    return f"""CREATE FUNCTION search_entries_document() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.document := {weighted};
  RETURN NEW;
END $$"""


# PostgreSQL: the scope words are lexemes of `document` itself, behind a mark with a space in it, which no word
# of a text or of a query can hold (the text-search parser splits on spaces): `~ r12`, `~ c3`, `~ lfr`, `~ a7`,
# and `~ w` for a weekly discussion's texts. One GIN index then answers "this word, in this category and
# language" without reading the other matches' rows. A row also holds the word of its block of POSTGRES_EPOCH
# entries by number (`~ e98` for entries 98,000 to 98,999), so that "this word, among the latest 5,000 entries"
# is answered by the index too (forum.search.service._postgres_floors).
POSTGRES_SCOPE_MARK = "~ "
POSTGRES_EPOCH = 1000


def postgres_scope_terms(row):
    """SQL for the tsvector of scope words of `row` (as `scope_terms` for SQLite; no positions, so no rank)."""
    mark = POSTGRES_SCOPE_MARK
    return (
        f"array_to_tsvector(array_remove(ARRAY["
        f"'{mark}r' || coalesce({row}.room_id, 0), '{mark}c' || coalesce({row}.category_id, 0), "
        f"'{mark}' || {_language_word_sql(row)}, '{mark}a' || coalesce({row}.author_id, 0), "
        f"'{mark}e' || ({row}.id / {POSTGRES_EPOCH}), "
        f"CASE WHEN {row}.discussion_id IS NULL THEN NULL ELSE '{mark}w' END], NULL))"
    )


POSTGRES_CREATE = _postgres_create()
POSTGRES_CREATE_WITHOUT_SCOPE = _postgres_create(scope=False)
POSTGRES_DROP_TRIGGER = (
    "DROP TRIGGER IF EXISTS search_entries_document ON search_entries",
    "DROP FUNCTION IF EXISTS search_entries_document()",
)
# Every row's document made again by the trigger (it runs on an update of any of its sources).
POSTGRES_FILL = "UPDATE search_entries SET title = title"

POSTGRES_DROP = (
    *POSTGRES_DROP_TRIGGER,
    "DROP FUNCTION IF EXISTS forum_search_config(text)",
    "DROP FUNCTION IF EXISTS search_tiers_in_order()",
    *(f"DROP TEXT SEARCH CONFIGURATION IF EXISTS {name}" for name in (*_POSTGRES_SOURCES, "forum_simple")),
)


def create_statements(dialect_name, *, scope=True):
    """The statements that make the index objects (`scope=False`: as migrations before scope_terms made them)."""
    sqlite = SQLITE_CREATE if scope else SQLITE_CREATE_WITHOUT_SCOPE
    postgresql = POSTGRES_CREATE if scope else POSTGRES_CREATE_WITHOUT_SCOPE
    return {"sqlite": sqlite, "postgresql": postgresql}.get(dialect_name, ())


def drop_statements(dialect_name):
    return {"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP}.get(dialect_name, ())


def attach(table):
    """Create the index objects right after `table` whenever metadata creates it (db.create_all)."""
    for dialect_name in ("sqlite", "postgresql"):
        for statement in create_statements(dialect_name):
            event.listen(table, "after_create", DDL(statement).execute_if(dialect=dialect_name))
        for statement in drop_statements(dialect_name):
            event.listen(table, "before_drop", DDL(statement).execute_if(dialect=dialect_name))


def is_index_object(name):
    """Tables the migration check must ignore: FTS5's virtual table and its shadow tables."""
    return name is not None and name.startswith("search_fts")
