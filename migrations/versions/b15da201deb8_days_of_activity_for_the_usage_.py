"""Days of activity for the usage statistics

Revision ID: b15da201deb8
Revises: 0d2ca005503f
Create Date: 2026-11-30

"""
from alembic import op
import sqlalchemy as sa

import forum.dbtypes


# revision identifiers, used by Alembic.
revision = 'b15da201deb8'
down_revision = '0d2ca005503f'
branch_labels = None
depends_on = None


def upgrade():
    # One row per account and UTC day it was active (forum.stats); nothing else about reading is kept.
    op.create_table('activity_days',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_activity_days_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'day', name=op.f('pk_activity_days'))
    )
    with op.batch_alter_table('activity_days', schema=None) as batch_op:
        batch_op.create_index('ix_activity_days_day_user', ['day', 'user_id'], unique=False)
    # Covers the statistics' counts of posts by date (forum.stats.models).
    op.create_index('ix_posts_created_state', 'posts', ['created_at', 'state', 'thread_id', 'author_id'], unique=False)



def downgrade():
    op.drop_index('ix_posts_created_state', table_name='posts')
    with op.batch_alter_table('activity_days', schema=None) as batch_op:
        batch_op.drop_index('ix_activity_days_day_user')

    op.drop_table('activity_days')
