"""search: a PARALLEL UNSAFE function, so that a search's tiers of entries are read in order

PostgreSQL only. forum.search.service reads a query of several words in tiers
of entries, newest first, as one UNION ALL; a statement calling
search_tiers_in_order() is never planned with parallel workers, whose
Parallel Append would give the tiers' rows in any order
(forum.search.schema.POSTGRES_TIERS_IN_ORDER).

Revision ID: d4e7a1c9b236
Revises: b8d4f0e3c592
Create Date: 2026-12-01

"""

from alembic import op

from forum.search import schema

# revision identifiers, used by Alembic.
revision = "d4e7a1c9b236"
down_revision = "b8d4f0e3c592"
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(schema.POSTGRES_TIERS_IN_ORDER)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS search_tiers_in_order()")
