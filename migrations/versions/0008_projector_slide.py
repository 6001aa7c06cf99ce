"""The projector's current slide, so the presenter's keys and the dashboard's buttons move the same screen.

`projector_slide` counts the result slides shown after the reveal (0 = the first);
while `revealed` is false the projector shows the join slide whatever it says.

Revision ID: 0008
Revises: 0007
"""
import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("workshop") as batch_op:
        batch_op.add_column(sa.Column("projector_slide", sa.Integer(), nullable=False, server_default="0"))


def downgrade():
    with op.batch_alter_table("workshop") as batch_op:
        batch_op.drop_column("projector_slide")
