"""Migration 50092576b491 fills the new copies of rows indexed before it, and search keeps finding them."""

from datetime import UTC, datetime

import flask_migrate
from sqlalchemy import insert, text

from forum import create_app
from forum.extensions import db
from forum.threads.models import Post, Thread
from tests.conftest import make_config


def test_upgrade_backfills_the_copies_and_keeps_the_full_text_index(empty_database):
    app = create_app(make_config(empty_database))
    with app.app_context():
        try:
            # The schema just before the copies (50092576b491's down revision); rows are written in SQL
            # naming their columns, so that columns later migrations add to these tables do not matter.
            flask_migrate.upgrade(revision="b15da201deb8")
            # Reference rows in SQL too: the models now have columns (rooms' totals) this schema has not.
            db.session.execute(
                text(
                    "INSERT INTO languages (code, native_name, direction, active, position) "
                    "VALUES ('fr', 'Français', 'ltr', true, 0)"
                )
            )
            category_id = db.session.execute(
                text("INSERT INTO categories (code, position) VALUES ('capacity', 0) RETURNING id")
            ).scalar_one()
            room_id = db.session.execute(
                text(
                    "INSERT INTO rooms (slug, category_id, language_code, moderators_only, closed) "
                    "VALUES ('capacity-fr', :category, 'fr', false, false) RETURNING id"
                ),
                {"category": category_id},
            ).scalar_one()
            author_id = db.session.execute(
                text(
                    "INSERT INTO users (email, display_name, role, active, is_coordinator, session_secret, "
                    "second_factor_enabled, created_at) VALUES ('old@forum.test', 'Old', 'delegate', true, false, "
                    "'s', false, :at) RETURNING id"
                ),
                {"at": datetime(2026, 1, 5, tzinfo=UTC)},
            ).scalar_one()
            now = datetime(2026, 1, 5, tzinfo=UTC)
            # Core inserts: the index hook (which writes the new columns) stays out of the old schema.
            thread_id = db.session.execute(
                insert(Thread).returning(Thread.id),
                {"room_id": room_id, "title": "Ancien fil", "author_id": author_id, "created_at": now,
                 "last_post_at": now, "post_count": 1, "kind": "member", "locked": False, "pinned": False},
            ).scalar_one()  # fmt: skip
            post_id = db.session.execute(
                insert(Post).returning(Post.id),
                {"thread_id": thread_id, "number": 1, "author_id": author_id, "source": "Backfillmarker",
                 "html": "<p>Backfillmarker</p>", "created_at": now, "state": "hidden"},
            ).scalar_one()  # fmt: skip
            db.session.execute(
                text(
                    "INSERT INTO search_entries (kind, post_id, thread_id, author_id, created_at, language_code, "
                    "title, body, title_terms, body_terms) VALUES ('post', :post, :thread, :author, :at, 'fr', "
                    "'Ancien fil', 'Backfillmarker', 'ancien fil', 'backfillmark')"
                ),
                {"post": post_id, "thread": thread_id, "author": author_id, "at": now},
            )
            db.session.commit()
            flask_migrate.upgrade()
            row = db.session.execute(
                text("SELECT post_state, room_id, category_id, discussion_id, opens_at FROM search_entries")
            ).one()
            assert tuple(row) == ("hidden", room_id, category_id, None, None)
            if db.engine.dialect.name == "sqlite":
                found = "SELECT rowid FROM search_fts WHERE search_fts MATCH 'backfillmark'"
            else:
                found = "SELECT id FROM search_entries WHERE document @@ plainto_tsquery('forum_french', 'ancien')"
            assert len(db.session.execute(text(found)).all()) == 1
            if db.engine.dialect.name == "sqlite":
                # The index says where the row belongs (forum.search.schema.scope_terms), filled by the migration.
                scope = f"""SELECT rowid FROM search_fts WHERE search_fts MATCH 'scope_terms : ("r{room_id}" "lfr")'"""
                assert len(db.session.execute(text(scope)).all()) == 1
        finally:
            db.session.remove()
            db.engine.dispose()
