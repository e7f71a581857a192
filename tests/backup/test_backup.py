"""Issue #15: backups taken while the forum serves, restored elsewhere with every table proven equal."""

import json
import threading

import pytest
from sqlalchemy import func, select

from forum.backup import postgres
from forum.backup.manifest import BackupError, describe_database
from forum.backup.service import take_backup
from forum.extensions import db
from forum.threads.models import Post, PostState, Thread
from tests.backup.dataset import TEXTS, fill_every_table


def run(app, *args):
    # The CLI runs in the current app context if there is one: push the context of the app meant.
    with app.app_context():
        return app.test_cli_runner().invoke(args=["forum", *args])


def describe(app):
    with app.app_context(), db.engine.connect() as connection:
        return describe_database(connection)


@pytest.fixture
def dataset(app, make_user, room):
    return fill_every_table(make_user, room)


@pytest.fixture
def backup(app, dataset, tmp_path):
    path = tmp_path / "backup"
    result = run(app, "backup", str(path))
    assert result.exit_code == 0, result.output
    return path


def dump_file(path):
    manifest = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
    return path / manifest["dump"]["file"]


def test_round_trip_restores_every_table_with_equal_counts_and_hashes(app, backup, target_app):
    manifest = json.loads((backup / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["backend"] == db.engine.dialect.name
    assert manifest["forum_version"] and manifest["created_at"].endswith("+00:00")
    assert all(manifest["tables"][table.name]["rows"] >= 1 for table in db.metadata.sorted_tables)

    result = run(target_app, "restore", str(backup))

    assert result.exit_code == 0, result.output
    posts = manifest["tables"]["posts"]["rows"]
    assert f"posts: {posts:,} rows ✓" in result.output
    assert "Restored: all" in result.output
    source, restored = describe(app), describe(target_app)
    assert restored == source == manifest["tables"]
    with target_app.app_context():
        bodies = db.session.scalars(select(Post.source)).all()
        states = db.session.scalars(select(Post.state)).all()
    for text in TEXTS.values():
        assert any(text in body for body in bodies), text
    assert PostState.hidden in states and PostState.removed in states


def test_verify_backup_accepts_an_intact_backup(app, backup):
    result = run(app, "verify-backup", str(backup))

    assert result.exit_code == 0, result.output
    assert "intact" in result.output
    if db.engine.dialect.name == "sqlite":
        # The SQLite copy is read again, table by table.
        assert "users: " in result.output and "✓" in result.output


def _flip_bytes(path):
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 4] = bytes(255 - byte for byte in data[middle : middle + 4])
    path.write_bytes(bytes(data))


def _truncate(path):
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])


@pytest.mark.parametrize("damage", [_flip_bytes, _truncate], ids=["bytes-flipped", "truncated"])
def test_a_damaged_backup_is_refused_before_the_database_is_touched(app, backup, target_app, damage):
    damage(dump_file(backup))

    restored = run(target_app, "restore", str(backup))
    verified = run(app, "verify-backup", str(backup))

    for result in (restored, verified):
        assert result.exit_code == 1
        assert "The backup is damaged" in result.output
        assert "Nothing was restored" in result.output
    assert describe(target_app) == {}


def test_a_manifest_that_is_not_json_is_refused(app, backup, target_app):
    (backup / "manifest.json").write_text('{"format": 1, "tables": {', encoding="utf-8")

    result = run(target_app, "restore", str(backup))

    assert result.exit_code == 1
    assert "manifest.json is damaged" in result.output
    assert describe(target_app) == {}


def test_restore_reports_a_table_that_differs_from_the_manifest_and_fails(app, backup, target_app):
    manifest_path = backup / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    rows = manifest["tables"]["posts"]["rows"]
    manifest["tables"]["posts"]["rows"] = rows + 1
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")

    result = run(target_app, "restore", str(backup))

    assert result.exit_code == 1
    assert f"posts: {rows:,} rows, the backup has {rows + 1:,} ✗" in result.output
    assert "users: " in result.output and "Restore FAILED" in result.output


def test_restore_into_a_database_with_rows_needs_replace(app, backup, target_app, database_url):
    assert run(target_app, "restore", str(backup)).exit_code == 0
    with target_app.app_context():
        thread = db.session.scalar(select(Thread).order_by(Thread.id))
        thread.title = "Changed after the restore"
        thread_id = thread.id
        db.session.commit()

    refused = run(target_app, "restore", str(backup))

    assert refused.exit_code == 1
    assert "The target database is not empty" in refused.output and "--replace" in refused.output
    with target_app.app_context():
        assert db.session.get(Thread, thread_id).title == "Changed after the restore"

    replaced = run(target_app, "restore", str(backup), "--replace")

    assert replaced.exit_code == 0, replaced.output
    assert describe(target_app) == describe(app)


def test_backup_never_overwrites_an_existing_path(app, backup):
    before = dump_file(backup).read_bytes()

    result = run(app, "backup", str(backup))

    assert result.exit_code == 1
    assert "already exists" in result.output
    assert dump_file(backup).read_bytes() == before


def _writer(app, thread_id, author_id, stop, committed, limit=100):
    from forum.accounts.models import User
    from forum.threads import service

    with app.app_context():
        thread = db.session.get(Thread, thread_id)
        author = db.session.get(User, author_id)
        for number in range(limit):
            if stop.is_set():
                break
            service.reply(thread, author=author, body=f"Written during the backup, {number} — {TEXTS['chinese']}")
            db.session.commit()
            committed.release()
        db.session.remove()


def test_a_backup_taken_while_writers_post_restores_consistently(app, make_user, room, make_thread, tmp_path):
    from forum.threads.service import reply

    authors = [make_user(name=f"Writer {index}") for index in range(4)]
    threads = [make_thread(room, author, title=f"Busy thread {index}") for index, author in enumerate(authors)]
    reply(threads[0], author=authors[1], body="Before the backup")
    pairs = [(thread.id, author.id) for thread, author in zip(threads, authors, strict=True)]
    # Reading the ids began a transaction: on SQLite it would hold the write lock the writers need.
    db.session.commit()
    stop, committed = threading.Event(), threading.Semaphore(0)
    writers = [threading.Thread(target=_writer, args=(app, *pair, stop, committed)) for pair in pairs]
    waits = []

    def interleave(label, done, total):
        # Between the copy's steps and the tables' hashes, wait for writers to commit: the backup reads
        # while rows keep arriving.
        if len(waits) < 12:
            waits.append(committed.acquire(timeout=60))

    for writer in writers:
        writer.start()
    try:
        manifest = take_backup(tmp_path / "busy", engine=db.engine, progress=interleave, pages=1)
    finally:
        stop.set()
        for writer in writers:
            writer.join()
    db.session.rollback()
    total_posts = db.session.scalar(select(func.count()).select_from(Post))
    assert all(waits) and len(waits) == 12
    # Posts were written after the snapshot was taken: the backup did not simply wait for quiet.
    assert manifest["tables"]["posts"]["rows"] < total_posts

    target = _restore_elsewhere(tmp_path / "busy", app)

    with target.app_context():
        orphans = db.session.scalar(
            select(func.count())
            .select_from(Post)
            .outerjoin(Thread, Post.thread_id == Thread.id)
            .where(Thread.id.is_(None))
        )
        counted = dict(db.session.execute(select(Post.thread_id, func.count()).group_by(Post.thread_id)).all())
        stored = dict(db.session.execute(select(Thread.id, Thread.post_count)).all())
        restored_posts = sum(counted.values())
    assert orphans == 0
    assert stored == {thread_id: counted.get(thread_id, 0) for thread_id in stored}
    assert restored_posts == manifest["tables"]["posts"]["rows"]


def _restore_elsewhere(path, app):
    """Restore into the scratch database through the CLI; returns the app bound to it."""
    target = app.config["_backup_target"]
    result = run(target, "restore", str(path))
    assert result.exit_code == 0, result.output
    return target


@pytest.fixture(autouse=True)
def _target_for_helpers(app, target_app):
    app.config["_backup_target"] = target_app


def test_pg_dump_of_another_major_version_is_refused(tmp_path, monkeypatch):
    fake = tmp_path / "bin"
    fake.mkdir()
    script = fake / "pg_dump"
    script.write_text("#!/bin/sh\necho 'pg_dump (PostgreSQL) 13.9 (Debian 13.9-0+deb11u1)'\n")
    script.chmod(0o755)
    monkeypatch.setattr(postgres, "DEBIAN_BIN", str(fake))

    with pytest.raises(BackupError, match="belongs to PostgreSQL 13 but the server runs PostgreSQL 15"):
        postgres.tool("pg_dump", 15)
    assert postgres.tool("pg_dump", 13) == str(script)


def test_a_missing_pg_dump_is_explained(tmp_path, monkeypatch):
    monkeypatch.setattr(postgres, "DEBIAN_BIN", str(tmp_path))
    monkeypatch.setenv("PATH", str(tmp_path))

    with pytest.raises(BackupError, match="pg_dump was not found.*postgresql-client-15"):
        postgres.tool("pg_dump", 15)


def test_values_hash_alike_whichever_engine_returned_them():
    from datetime import UTC, datetime, timedelta, timezone

    from forum.backup.manifest import normalise

    aware = datetime(2026, 11, 30, 2, 30, 0, 120000, tzinfo=UTC)
    geneva = aware.astimezone(timezone(timedelta(hours=1)))
    # SQLite returns naive UTC, PostgreSQL an aware timestamp in the session's zone.
    assert normalise(aware) == normalise(geneva) == normalise(aware.replace(tzinfo=None))
    assert normalise(PostState.hidden) == "hidden"
    assert normalise(memoryview(b"\x00\xff")) == normalise(b"\x00\xff") == "00ff"
    assert normalise({"b": [1, True], "a": None}) == {"a": None, "b": [1, True]}
