"""category names on the category's row

categories.texts holds {language code: [name, description]}, a copy of the
category's translations read by every page that names a category (loaded
with each room, no query of its own). Filled here from the translations.

Revision ID: f6a9c3e1d758
Revises: e5f8b2d0c347
Create Date: 2026-12-01

"""

from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = "f6a9c3e1d758"
down_revision = "e5f8b2d0c347"
branch_labels = None
depends_on = None

categories = sa.table("categories", sa.column("id", sa.Integer), sa.column("texts", sa.JSON))
translations = sa.table(
    "category_translations",
    sa.column("category_id", sa.Integer),
    sa.column("language_code", sa.String),
    sa.column("name", sa.String),
    sa.column("description", sa.Text),
)


def upgrade():
    with op.batch_alter_table("categories", schema=None) as batch_op:
        batch_op.add_column(sa.Column("texts", sa.JSON(), server_default="{}", nullable=False))

    bind = op.get_bind()
    texts = {}
    for category_id, code, name, description in bind.execute(
        sa.select(translations.c.category_id, translations.c.language_code, translations.c.name, translations.c.description)
    ):
        texts.setdefault(category_id, {})[code] = [name, description or ""]
    for category_id, by_language in texts.items():
        bind.execute(categories.update().where(categories.c.id == category_id).values(texts=by_language))


def downgrade():
    # Not in a batch: SQLite drops the column in place (3.35 and later), where a batch would copy the table, which the
    # rooms' foreign keys forbid once there are rooms.
    op.drop_column("categories", "texts")
