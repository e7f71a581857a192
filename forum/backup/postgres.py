"""PostgreSQL: pg_dump's custom format from an exported snapshot, pg_restore in one transaction.

The manifest is computed in the transaction that exported the snapshot pg_dump uses, so both read
exactly the same data while the forum goes on writing. The client tools must be of the server's
major version (Debian installs each version's under /usr/lib/postgresql/<major>/bin).
"""

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from sqlalchemy import text

from forum.backup.manifest import BackupError

DUMP_NAME = "database.dump"
DEBIAN_BIN = "/usr/lib/postgresql/{major}/bin"


def tool_major(path):
    """The major version of a PostgreSQL client program, from its --version line."""
    try:
        output = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=60).stdout
    except OSError as error:
        raise BackupError(f"{path} could not be run: {error}") from None
    match = re.search(r"\(PostgreSQL\)\s+(\d+)", output)
    if match is None:
        raise BackupError(f"{path} --version printed {output.strip()!r}, not a PostgreSQL version.")
    return int(match.group(1))


def _find(name, major):
    candidate = Path(DEBIAN_BIN.format(major=major)) / name
    return str(candidate) if candidate.is_file() else shutil.which(name)


def tool(name, major):
    """The path of pg_dump or pg_restore of PostgreSQL `major`; BackupError if missing or of another version."""
    path = _find(name, major)
    if path is None:
        raise BackupError(
            f"{name} was not found. Install Debian's PostgreSQL {major} client "
            f"(apt-get install postgresql-client-{major}, or `make system-deps`)."
        )
    found = tool_major(path)
    if found != major:
        raise BackupError(
            f"{path} belongs to PostgreSQL {found} but the server runs PostgreSQL {major}; refusing, as {name} "
            f"must be of the server's major version. Install postgresql-client-{major}."
        )
    return path


def server_version(connection):
    return connection.execute(text("SHOW server_version")).scalar_one().split()[0]


def _major(version):
    return int(version.split(".")[0])


def environment(url):
    """libpq's variables for the database at `url`: the password never appears on a command line."""
    env = dict(os.environ)
    values = {
        "PGHOST": url.host or url.query.get("host"),
        "PGPORT": url.port or url.query.get("port"),
        "PGUSER": url.username,
        "PGPASSWORD": url.password,
        "PGDATABASE": url.database,
        "PGSSLMODE": url.query.get("sslmode"),
    }
    env.update({key: str(value) for key, value in values.items() if value})
    return env


def _run(args, env, what):
    with tempfile.TemporaryFile() as errors:
        result = subprocess.run(args, env=env, stdout=subprocess.DEVNULL, stderr=errors)
        errors.seek(0)
        message = errors.read().decode("utf-8", "replace").strip()
    if result.returncode != 0:
        raise BackupError(f"{what} failed (exit status {result.returncode}):\n{message}")


def dump(engine, target, describe):
    """Write pg_dump's archive of the database to `target` while `describe(connection)` reads the same snapshot.

    Returns (what describe returned, the server version).
    """
    with engine.connect().execution_options(isolation_level="REPEATABLE READ") as connection:
        connection.execute(text("SET TRANSACTION READ ONLY"))
        version = server_version(connection)
        pg_dump = tool("pg_dump", _major(version))
        snapshot = connection.execute(text("SELECT pg_export_snapshot()")).scalar_one()
        args = [pg_dump, "--format=custom", "--no-password", f"--snapshot={snapshot}", f"--file={target}"]
        with tempfile.TemporaryFile() as errors:
            # The exporting transaction stays open until pg_dump has finished: its snapshot lives as long.
            process = subprocess.Popen(args, env=environment(engine.url), stdout=subprocess.DEVNULL, stderr=errors)
            try:
                described = describe(connection)
            finally:
                process.wait()
            errors.seek(0)
            message = errors.read().decode("utf-8", "replace").strip()
        connection.rollback()
    if process.returncode != 0:
        raise BackupError(f"pg_dump failed (exit status {process.returncode}):\n{message}")
    return described, version


def restore(engine, archive, *, clean):
    """Load the archive with pg_restore in a single transaction (all or nothing); `clean` drops what it replaces."""
    with engine.connect() as connection:
        version = server_version(connection)
    engine.dispose()
    args = [
        tool("pg_restore", _major(version)),
        "--no-owner",
        "--no-acl",
        "--single-transaction",
        "--exit-on-error",
        "--no-password",
        f"--dbname={engine.url.database}",
    ]
    if clean:
        args += ["--clean", "--if-exists"]
    _run(
        [*args, str(archive)],
        environment(engine.url),
        "pg_restore (its single transaction was rolled back: the database is as it was)",
    )


def check_archive(archive, manifest):
    """`pg_restore --list` reads the archive's table of contents (no server is needed)."""
    major = _major(manifest.get("server_version") or "0")
    path = _find("pg_restore", major)
    if path is None:
        raise BackupError("pg_restore was not found: install Debian's postgresql-client (or `make system-deps`).")
    _run([path, "--list", str(archive)], dict(os.environ), f"pg_restore --list {archive.name}")
