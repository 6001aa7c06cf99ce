"""Session version per user, so sign-out, a password change or an admin can end every session.

Flask-Login's user id becomes "id:session_version"; sessions and remember
cookies issued before this migration carry a bare id and end (users sign in once more).

Revision ID: 0004
Revises: 0003
"""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("user") as batch_op:
        batch_op.add_column(sa.Column("session_version", sa.Integer(), nullable=False, server_default="1"))


def downgrade():
    with op.batch_alter_table("user") as batch_op:
        batch_op.drop_column("session_version")
