"""Database objects of the full-text index that SQLAlchemy models cannot describe.

SQLite: an FTS5 external-content table `search_fts` over the stems of
`search_entries` and the words of where each row belongs (scope_terms), kept
in step by triggers (unicode61 with remove_diacritics 2, so accents fold in
the index as in forum.search.text).

PostgreSQL: text-search configurations `forum_english`, `forum_french`,
`forum_spanish` (Snowball) and `forum_simple` (any other language), each with
`unaccent` in front, and a trigger computing `search_entries.document`
(title weight A, body weight B) in the configuration of the row's language.

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
        f" || ' l' || replace(lower(coalesce({row}.language_code, '')), '-', '')"
        f" || ' a' || coalesce({row}.author_id, 0)"
        f" || CASE WHEN {row}.discussion_id IS NULL THEN '' ELSE ' w' END"
    )


def language_word(code):
    """A language code's scope word, as `scope_terms` writes it: `l`, lower case, no hyphens ("pt-br" → "lptbr")."""
    return "l" + code.lower().replace("-", "")


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


def _postgres_create():
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
        """CREATE FUNCTION search_entries_document() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.document := setweight(to_tsvector(forum_search_config(NEW.language_code), coalesce(NEW.title, '')), 'A')
    || setweight(to_tsvector(forum_search_config(NEW.language_code), coalesce(NEW.body, '')), 'B');
  RETURN NEW;
END $$""",
        "CREATE TRIGGER search_entries_document BEFORE INSERT OR UPDATE OF title, body, language_code "
        "ON search_entries FOR EACH ROW EXECUTE FUNCTION search_entries_document()",
    ]
    return tuple(statements)


POSTGRES_CREATE = _postgres_create()

POSTGRES_DROP = (
    "DROP TRIGGER IF EXISTS search_entries_document ON search_entries",
    "DROP FUNCTION IF EXISTS search_entries_document()",
    "DROP FUNCTION IF EXISTS forum_search_config(text)",
    *(f"DROP TEXT SEARCH CONFIGURATION IF EXISTS {name}" for name in (*_POSTGRES_SOURCES, "forum_simple")),
)


def create_statements(dialect_name, *, scope=True):
    """The statements that make the index objects (`scope=False`: as migrations before scope_terms made them)."""
    sqlite = SQLITE_CREATE if scope else SQLITE_CREATE_WITHOUT_SCOPE
    return {"sqlite": sqlite, "postgresql": POSTGRES_CREATE}.get(dialect_name, ())


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
