"""random session secret instead of a counted session version; redacted e-mail bodies

A session cookie names the user and `session_version`, a counter starting at
1: anyone holding the (published) development key could forge a session by
guessing it. It becomes `session_secret`, 16 random bytes in hex, replaced on
logout, password change and deactivation. Existing sessions end.

`outgoing_emails.redacted_body` keeps a message's body without its one-time
links until it is sent; then it replaces the body.

Revision ID: 5d1c7a9e2b40
Revises: c93a5c6c54ac
Create Date: 2026-11-24 09:00:00.000000

"""
import re
import secrets

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5d1c7a9e2b40'
down_revision = 'c93a5c6c54ac'
branch_labels = None
depends_on = None


# One-time links in messages sent before this revision (activation, reset, guest invitation).
ONE_TIME_LINK = re.compile(r"https?://\S+?/(?:activate|reset|invitation)/[A-Za-z0-9_-]+")


def upgrade():
    with op.batch_alter_table('outgoing_emails', schema=None) as batch_op:
        batch_op.add_column(sa.Column('redacted_body', sa.Text(), nullable=True))

    # Messages already sent keep no live link either (pending ones are sent as they are).
    connection = op.get_bind()
    emails = sa.table('outgoing_emails', sa.column('id', sa.Integer), sa.column('body', sa.Text),
                      sa.column('status', sa.String))
    sent = connection.execute(sa.select(emails.c.id, emails.c.body).where(emails.c.status != 'pending')).all()
    for email_id, body in sent:
        redacted = ONE_TIME_LINK.sub("[link removed after sending]", body or "")
        if redacted != body:
            connection.execute(emails.update().where(emails.c.id == email_id).values(body=redacted))

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_secret', sa.String(length=32), server_default='', nullable=False))
        batch_op.drop_column('session_version')

    # A fresh random secret per existing account (the empty default matches no cookie).
    connection = op.get_bind()
    users = sa.table('users', sa.column('id', sa.Integer), sa.column('session_secret', sa.String))
    for (user_id,) in connection.execute(sa.select(users.c.id)).all():
        connection.execute(
            users.update().where(users.c.id == user_id).values(session_secret=secrets.token_hex(16))
        )


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_version', sa.Integer(), server_default='1', nullable=False))
        batch_op.drop_column('session_secret')

    with op.batch_alter_table('outgoing_emails', schema=None) as batch_op:
        batch_op.drop_column('redacted_body')
