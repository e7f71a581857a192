"""search index: where each row belongs (room, category, language, author, weekly) as words of a third FTS5 column

A search filtered by place or author then reads from the index only the
matches in that place, instead of looking up every match of a word. SQLite
only: the FTS5 table and its triggers are made again and filled from the rows
(no reindex needed). PostgreSQL keeps filtering on the rows' columns.

Revision ID: a7c3e9d2b481
Revises: f3f41b63c8c8
Create Date: 2026-11-30

"""

from alembic import op

from forum.search import schema

# revision identifiers, used by Alembic.
revision = "a7c3e9d2b481"
down_revision = "f3f41b63c8c8"
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name != "sqlite":
        return
    for statement in (*schema.SQLITE_DROP, *schema.SQLITE_CREATE, schema.SQLITE_FILL):
        op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name != "sqlite":
        return
    for statement in (*schema.SQLITE_DROP, *schema.SQLITE_CREATE_WITHOUT_SCOPE):
        op.execute(statement)
    op.execute("INSERT INTO search_fts(search_fts) VALUES ('rebuild')")
