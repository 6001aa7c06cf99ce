"""Workshop allocation cursor (the next join's slot, taken atomically) and round results.

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


    op.create_table(
        "round_result",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("b_own", sa.Float(), nullable=True),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["participant_id"], ["participant.id"],
            name=op.f("fk_round_result_participant_id_participant"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_round_result")),
        sa.UniqueConstraint("participant_id", "round", name=op.f("uq_round_result_participant_id_round")),
    )
    op.create_index(op.f("ix_round_result_participant_id"), "round_result", ["participant_id"], unique=False)


def downgrade():
    op.drop_index(op.f("ix_round_result_participant_id"), table_name="round_result")
    op.drop_table("round_result")
    with op.batch_alter_table("workshop") as batch_op:
        batch_op.drop_column("allocation_cursor")
