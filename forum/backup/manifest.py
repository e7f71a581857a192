"""Row counts and content hashes per table, computed the same way on SQLite and PostgreSQL.

Tables are read through reflection rather than the models, so a backup describes every table the
database holds (alembic_version and tables of newer code included). Rows are hashed in primary key
order; strings sort by code point on both engines (COLLATE "C" on PostgreSQL is byte order, which for
UTF-8 is code point order, as SQLite's BINARY collation is). Values are normalised before hashing:
timestamps as naive UTC text, booleans as JSON booleans, JSON as sorted JSON, bytes as hex.
"""

import enum
import hashlib
import json
import uuid
from datetime import UTC, date, datetime, time
from decimal import Decimal
from importlib import metadata

from sqlalchemy import MetaData, String, Table, func, inspect, select, text

from forum.search.schema import is_index_object

MANIFEST_NAME = "manifest.json"
FORMAT = 1
# Rows fetched at a time, and the length from which a table reports its progress.
CHUNK = 1000
LONG_TABLE = 5000


class BackupError(Exception):
    """A backup, restore or check refused or failed; the message is written for the operator."""


def forum_version():
    try:
        return metadata.version("cdip-forum")
    except metadata.PackageNotFoundError:
        return "unknown"


def _timestamp(value):
    # SQLite keeps naive UTC text, PostgreSQL an aware timestamp: both become the same naive UTC text.
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.isoformat(sep=" ", timespec="microseconds")


# Checked in order: datetime before date (a datetime is a date), enum before str (states are str enums).
_CONVERTERS = (
    (enum.Enum, lambda value: value.value),
    (datetime, _timestamp),
    ((date, time), lambda value: value.isoformat()),
    ((bytes, bytearray, memoryview), lambda value: bytes(value).hex()),
    (float, repr),
    ((Decimal, uuid.UUID), str),
    (dict, lambda value: {str(key): normalise(item) for key, item in value.items()}),
    ((list, tuple), lambda value: [normalise(item) for item in value]),
)


def normalise(value):
    """A JSON-ready form of one column value that does not depend on the engine it came from."""
    for types, convert in _CONVERTERS:
        if isinstance(value, types):
            return convert(value)
    if value is None or isinstance(value, (bool, int, str)):
        return value
    return str(value)


def table_names(connection):
    """The tables a backup describes: every table but SQLite's internals and the FTS5 index (rebuilt from rows)."""
    names = inspect(connection).get_table_names()
    return sorted(name for name in names if not name.startswith("sqlite_") and not is_index_object(name))


def _order(table, postgres):
    keys = list(table.primary_key.columns)
    columns = keys or sorted(table.columns, key=lambda column: column.name)
    order = []
    for column in columns:
        expression = column.collate("C") if postgres and isinstance(column.type, String) else column
        # Without a primary key, NULLs may be in the sort: put them first on both engines.
        order.append(expression if keys else expression.asc().nulls_first())
    return order


def describe_table(connection, name, progress=None):
    """(row count, SHA-256 hex of the rows in key order) of one table; `progress(name, done, total)` per chunk."""
    table = Table(name, MetaData(), autoload_with=connection)
    total = connection.execute(select(func.count()).select_from(table)).scalar_one()
    columns = sorted(table.columns, key=lambda column: column.name)
    digest = hashlib.sha256(json.dumps([column.name for column in columns]).encode() + b"\n")
    query = select(*columns).order_by(*_order(table, connection.dialect.name == "postgresql"))
    done = 0
    result = connection.execution_options(yield_per=CHUNK).execute(query)
    for rows in result.partitions():
        for row in rows:
            line = json.dumps([normalise(value) for value in row], ensure_ascii=False, sort_keys=True)
            digest.update(line.encode() + b"\n")
        done += len(rows)
        if progress is not None:
            progress(name, done, total)
    if progress is not None and total == 0:
        progress(name, 0, 0)
    if done != total:
        # Only possible outside a snapshot: the caller must describe a database nobody is writing to.
        raise BackupError(f"{name}: counted {total} rows but read {done}; was the database changing?")
    return total, digest.hexdigest()


def describe_database(connection, progress=None, names=None):
    """{table: {"rows": n, "sha256": hex}} for `names` (default: every table), read in one transaction."""
    tables = {}
    for name in names if names is not None else table_names(connection):
        rows, content = describe_table(connection, name, progress)
        tables[name] = {"rows": rows, "sha256": content}
    return tables


def schema_revision(connection):
    """The Alembic revision(s) the database is at, or None for a schema made without migrations."""
    if "alembic_version" not in inspect(connection).get_table_names():
        return None
    revisions = sorted(connection.execute(text("SELECT version_num FROM alembic_version")).scalars())
    return ",".join(revisions) or None


def file_sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def build(*, backend, dump_path, tables, revision, server_version=None):
    """The manifest of a finished dump (a dict, written as manifest.json)."""
    return {
        "format": FORMAT,
        "backend": backend,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "forum_version": forum_version(),
        "schema_revision": revision,
        "server_version": server_version,
        "dump": {"file": dump_path.name, "bytes": dump_path.stat().st_size, "sha256": file_sha256(dump_path)},
        "tables": tables,
    }


def write(directory, manifest):
    path = directory / MANIFEST_NAME
    path.write_text(json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return path


def _check_shape(manifest):
    problems = []
    if not isinstance(manifest, dict):
        return ["it is not a JSON object"]
    if manifest.get("format") != FORMAT:
        problems.append(f"unknown format {manifest.get('format')!r} (this forum reads format {FORMAT})")
    if manifest.get("backend") not in ("sqlite", "postgresql"):
        problems.append(f"unknown backend {manifest.get('backend')!r}")
    dump = manifest.get("dump")
    if not (isinstance(dump, dict) and isinstance(dump.get("file"), str) and isinstance(dump.get("sha256"), str)):
        problems.append("the dump file and its hash are missing")
    elif "/" in dump["file"] or "\\" in dump["file"] or dump["file"].startswith("."):
        problems.append("the dump file name is not a plain file name")
    tables = manifest.get("tables")
    if not isinstance(tables, dict) or not tables:
        problems.append("the table list is missing")
    elif not all(
        isinstance(entry, dict) and isinstance(entry.get("rows"), int) and isinstance(entry.get("sha256"), str)
        for entry in tables.values()
    ):
        problems.append("a table lacks its row count or hash")
    return problems


def load(directory):
    """The manifest of the backup in `directory`, checked for shape; BackupError if missing or malformed."""
    path = directory / MANIFEST_NAME
    if not directory.is_dir():
        raise BackupError(f"{directory} is not a backup directory (it should hold {MANIFEST_NAME} and the dump).")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BackupError(f"{path} is missing: this is not a complete backup.") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise BackupError(f"{path} is damaged (not valid JSON: {error}).") from None
    problems = _check_shape(manifest)
    if problems:
        raise BackupError(f"{path} is not a valid manifest: {'; '.join(problems)}.")
    return manifest


def check_dump(directory, manifest):
    """The dump file's path once its size and SHA-256 match the manifest; BackupError (damaged) otherwise."""
    dump = manifest["dump"]
    path = directory / dump["file"]
    if not path.is_file():
        raise BackupError(f"The dump file {path} is missing: the backup is incomplete.")
    size = path.stat().st_size
    if isinstance(dump.get("bytes"), int) and size != dump["bytes"]:
        raise BackupError(
            f"The backup is damaged: {path.name} has {size:,} bytes but the manifest says {dump['bytes']:,} "
            "(truncated or altered). Nothing was restored; use another backup."
        )
    actual = file_sha256(path)
    if actual != dump["sha256"]:
        raise BackupError(
            f"The backup is damaged: the SHA-256 of {path.name} does not match the manifest "
            "(the file was altered or corrupted). Nothing was restored; use another backup."
        )
    return path


def compare(expected, actual):
    """[(table, expected entry or None, actual entry or None, equal?)] over both tables sets, by name."""
    lines = []
    for name in sorted(set(expected) | set(actual)):
        want, got = expected.get(name), actual.get(name)
        lines.append((name, want, got, want is not None and got is not None and want == got))
    return lines
