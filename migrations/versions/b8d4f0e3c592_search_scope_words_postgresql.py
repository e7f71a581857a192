"""search index: where each row belongs as words of its PostgreSQL document, as SQLite's third FTS5 column

A search filtered by place or author then reads from the GIN index only the
matches in that place. PostgreSQL only: the trigger computing
`search_entries.document` is made again with the scope words
(forum.search.schema.postgres_scope_terms) and every row's document is
computed again (no reindex needed). SQLite already has them (a7c3e9d2b481).

Revision ID: b8d4f0e3c592
Revises: a7c3e9d2b481
Create Date: 2026-12-01

"""

from alembic import op

from forum.search import schema

# revision identifiers, used by Alembic.
revision = "b8d4f0e3c592"
down_revision = "a7c3e9d2b481"
branch_labels = None
depends_on = None


def upgrade():
    _document_trigger(scope=True)


def downgrade():
    _document_trigger(scope=False)


def _document_trigger(scope):
    if op.get_bind().dialect.name != "postgresql":
        return
    for statement in (
        *schema.POSTGRES_DROP_TRIGGER,
        *schema.postgres_document_trigger(scope),
        schema.POSTGRES_FILL,
    ):
        op.execute(statement)
