"""home page: index threads by latest activity, posts by state

Revision ID: 0b82a9d95420
Revises: 7f3c8565d3e7
Create Date: 2026-11-30

"""

from alembic import op


# revision identifiers, used by Alembic.
revision = '0b82a9d95420'
down_revision = '7f3c8565d3e7'
branch_labels = None
depends_on = None


def upgrade():
    # The Latest list reads threads by last_post_at across rooms; the header counts held posts on every
    # page a moderator opens. Indexes only: nothing to backfill on a live database.
    op.create_index("ix_threads_last_post_at", "threads", ["last_post_at"], unique=False)
    op.create_index("ix_posts_state", "posts", ["state"], unique=False)


def downgrade():
    op.drop_index("ix_posts_state", table_name="posts")
    op.drop_index("ix_threads_last_post_at", table_name="threads")
