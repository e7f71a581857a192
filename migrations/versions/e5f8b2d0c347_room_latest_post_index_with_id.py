"""a room's latest post: the room's index holds the thread's id too

With (room_id, last_post_at, id), the room's own index alone serves the home
page's lookup of a room's latest post (ordered by latest activity, then id);
ordered by time alone, PostgreSQL walked the Latest list's index instead,
through every newer thread of the other rooms.

Revision ID: e5f8b2d0c347
Revises: d4e7a1c9b236
Create Date: 2026-12-01

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "e5f8b2d0c347"
down_revision = "d4e7a1c9b236"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("threads", schema=None) as batch_op:
        batch_op.drop_index("ix_threads_room_last_post")
        batch_op.create_index("ix_threads_room_last_post", ["room_id", "last_post_at", "id"], unique=False)


def downgrade():
    with op.batch_alter_table("threads", schema=None) as batch_op:
        batch_op.drop_index("ix_threads_room_last_post")
        batch_op.create_index("ix_threads_room_last_post", ["room_id", "last_post_at"], unique=False)
