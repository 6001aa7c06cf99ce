"""Workshop allocation cursor: the next join's slot, taken atomically.

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("workshop") as batch_op:
        batch_op.add_column(sa.Column("allocation_cursor", sa.Integer(), nullable=False, server_default="0"))
    # Existing workshops continue after their highest slot.
    op.execute(
        "UPDATE workshop SET allocation_cursor = COALESCE("
        "(SELECT MAX(allocation_index) + 1 FROM participant WHERE participant.workshop_id = workshop.id), 0)"
    )


def downgrade():
    with op.batch_alter_table("workshop") as batch_op:
        batch_op.drop_column("allocation_cursor")
