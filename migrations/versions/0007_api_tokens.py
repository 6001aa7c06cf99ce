"""Personal access tokens for the JSON API replace the unused `user.api_token_hash` column.

A user may hold several named tokens, each stored as a SHA-256 digest with a
short prefix, optionally read-only, with the time it was last used and when it
was revoked (docs/analysts.md).

Revision ID: 0007
Revises: 0006
"""
import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "api_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("prefix", sa.String(length=12), nullable=False),
        sa.Column("read_only", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["owner_id"], ["user.id"], name="fk_api_token_owner_id_user", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_api_token"),
    )
    op.create_index("ix_api_token_owner_id", "api_token", ["owner_id"])
    op.create_index("ix_api_token_token_hash", "api_token", ["token_hash"], unique=True)
    with op.batch_alter_table("user") as batch_op:
        batch_op.drop_column("api_token_hash")


def downgrade():
    with op.batch_alter_table("user") as batch_op:
        batch_op.add_column(sa.Column("api_token_hash", sa.String(length=255), nullable=True))
    op.drop_index("ix_api_token_token_hash", table_name="api_token")
    op.drop_index("ix_api_token_owner_id", table_name="api_token")
    op.drop_table("api_token")
