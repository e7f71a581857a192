"""Taking, restoring and checking backups; `flask forum backup|restore|verify-backup` call these."""

import shutil
import tempfile
from pathlib import Path

from sqlalchemy import text

from forum.backup import manifest as manifests
from forum.backup import postgres, sqlite
from forum.backup.manifest import BackupError

BACKENDS = ("sqlite", "postgresql")


def _backend(engine):
    name = engine.dialect.name
    if name not in BACKENDS:
        raise BackupError(f"Backups support SQLite and PostgreSQL, not {name}.")
    return name


def _sqlite_backup(engine, work, progress, pages):
    copy = work / sqlite.DUMP_NAME
    sqlite.copy_live(sqlite.database_path(engine.url), copy, progress, pages=pages)
    # The copy is the snapshot: describing it describes exactly what was backed up.
    with sqlite.read_only_connection(copy) as connection:
        tables = manifests.describe_database(connection, progress)
        revision = manifests.schema_revision(connection)
    return manifests.build(backend="sqlite", dump_path=copy, tables=tables, revision=revision)


def _postgres_backup(engine, work, progress):
    archive = work / postgres.DUMP_NAME

    def describe(connection):
        return manifests.describe_database(connection, progress), manifests.schema_revision(connection)

    (tables, revision), version = postgres.dump(engine, archive, describe)
    return manifests.build(
        backend="postgresql", dump_path=archive, tables=tables, revision=revision, server_version=version
    )


def take_backup(path, *, engine, progress=None, pages=sqlite.PAGES_PER_STEP):
    """Write a backup of the database behind `engine` to the new directory `path`; returns its manifest.

    The backup is assembled in a hidden directory beside `path` and renamed at the end, so an
    interrupted backup never looks complete. An existing, non-empty `path` is refused.
    """
    path = Path(path)
    backend = _backend(engine)
    if path.exists() and (not path.is_dir() or any(path.iterdir())):
        raise BackupError(f"{path} already exists; a backup never overwrites anything: choose a new path.")
    path.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{path.name}.partial-", dir=path.parent))
    try:
        if backend == "sqlite":
            manifest = _sqlite_backup(engine, work, progress, pages)
        else:
            manifest = _postgres_backup(engine, work, progress)
        manifests.write(work, manifest)
        if path.exists():
            path.rmdir()
        work.rename(path)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return manifest


def open_backup(path):
    """(directory, manifest, dump path) of a backup whose manifest is well-formed and whose dump matches it."""
    directory = Path(path)
    manifest = manifests.load(directory)
    return directory, manifest, manifests.check_dump(directory, manifest)


def _populated_tables(connection, names):
    quote = connection.dialect.identifier_preparer.quote
    return [
        name
        for name in names
        if name != "alembic_version" and connection.execute(text(f"SELECT 1 FROM {quote(name)} LIMIT 1")).first()
    ]


def _check_target(engine, replace):
    """The target's tables (empty list: an empty database); BackupError if it has rows and `replace` is off."""
    with engine.connect() as connection:
        names = manifests.table_names(connection)
        populated = _populated_tables(connection, names)
    if populated and not replace:
        shown = ", ".join(populated[:5]) + (", …" if len(populated) > 5 else "")
        raise BackupError(
            f"The target database is not empty: {len(populated)} tables have rows ({shown}). Nothing was changed. "
            "Restore into an empty database, or add --replace to overwrite everything in it with the backup."
        )
    return names


def restore_backup(path, *, engine, replace=False, progress=None, pages=sqlite.PAGES_PER_STEP):
    """Restore the backup at `path` into the database behind `engine`, then compare every table.

    The dump's hash is checked before the database is touched. Returns (manifest, comparison) where
    comparison is manifest.compare()'s list; the caller fails if any line is unequal.
    """
    _directory, manifest, dump_path = open_backup(path)
    backend = _backend(engine)
    if manifest["backend"] != backend:
        raise BackupError(
            f"This is a backup of a {manifest['backend']} database; it cannot be restored into {backend}. "
            f"Point DATABASE_URL at a {manifest['backend']} database."
        )
    existing = _check_target(engine, replace)
    engine.dispose()
    if backend == "sqlite":
        sqlite.restore(dump_path, sqlite.database_path(engine.url), progress, pages=pages)
    else:
        postgres.restore(engine, dump_path, clean=bool(existing))
    engine.dispose()
    with engine.connect() as connection:
        actual = manifests.describe_database(connection, progress)
    return manifest, manifests.compare(manifest["tables"], actual)


def verify_backup(path, *, progress=None):
    """Check a backup without restoring it: (manifest, comparison for SQLite or None for PostgreSQL)."""
    _directory, manifest, dump_path = open_backup(path)
    if manifest["backend"] == "postgresql":
        postgres.check_archive(dump_path, manifest)
        return manifest, None
    with sqlite.read_only_connection(dump_path) as connection:
        actual = manifests.describe_database(connection, progress)
    return manifest, manifests.compare(manifest["tables"], actual)
