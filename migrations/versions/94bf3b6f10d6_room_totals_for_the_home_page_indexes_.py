"""room totals for the home page; indexes for a room's latest post and for threads still to open

rooms.thread_total and rooms.post_total hold each room's threads (those of
cancelled weekly discussions left out) and their posts, so the home page
reads them instead of counting every thread on each view. They are filled
here from the threads.

Revision ID: 94bf3b6f10d6
Revises: 50092576b491
Create Date: 2026-11-30

"""

from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = "94bf3b6f10d6"
down_revision = "50092576b491"
branch_labels = None
depends_on = None

COUNTED = """threads.room_id = rooms.id AND NOT EXISTS (
    SELECT 1 FROM discussions WHERE discussions.id = threads.discussion_id AND discussions.cancelled_at IS NOT NULL)"""

BACKFILL = f"""UPDATE rooms SET
    thread_total = (SELECT count(threads.id) FROM threads WHERE {COUNTED}),
    post_total = (SELECT coalesce(sum(threads.post_count), 0) FROM threads WHERE {COUNTED})"""


def upgrade():
    with op.batch_alter_table("rooms", schema=None) as batch_op:
        batch_op.add_column(sa.Column("thread_total", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("post_total", sa.Integer(), server_default="0", nullable=False))

    with op.batch_alter_table("threads", schema=None) as batch_op:
        batch_op.create_index("ix_threads_opens_at", ["opens_at"], unique=False)
        batch_op.create_index("ix_threads_room_last_post", ["room_id", "last_post_at"], unique=False)

    op.execute(BACKFILL)


def downgrade():
    with op.batch_alter_table("threads", schema=None) as batch_op:
        batch_op.drop_index("ix_threads_room_last_post")
        batch_op.drop_index("ix_threads_opens_at")

    with op.batch_alter_table("rooms", schema=None) as batch_op:
        batch_op.drop_column("post_total")
        batch_op.drop_column("thread_total")
