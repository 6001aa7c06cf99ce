"""Market-research cue as a pilot estimate with its CI, the cue shown per answer, expected workshop size.

The free-text ``item.market_research`` summary is replaced by numbers (a pilot
subsample's estimate and 95% CI) so that the analysis can measure how much a
person used the research; the built-in exercises are reloaded with them.

Revision ID: 0003
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("item") as batch_op:
        batch_op.add_column(sa.Column("research_estimate", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("research_low", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("research_high", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("research_sample", sa.String(length=120), nullable=True))
        batch_op.drop_column("market_research")
    with op.batch_alter_table("response") as batch_op:
        batch_op.add_column(sa.Column("research", sa.Float(), nullable=True))
    with op.batch_alter_table("workshop") as batch_op:
        batch_op.add_column(sa.Column("expected_participants", sa.Integer(), nullable=True))
    # Force the next `calibrate load-exercises` to rewrite every item with its research cue.
    op.execute("UPDATE exercise SET content_hash = ''")


def downgrade():
    with op.batch_alter_table("workshop") as batch_op:
        batch_op.drop_column("expected_participants")
    with op.batch_alter_table("response") as batch_op:
        batch_op.drop_column("research")
    with op.batch_alter_table("item") as batch_op:
        batch_op.add_column(sa.Column("market_research", sa.Text(), nullable=True))
        batch_op.drop_column("research_sample")
        batch_op.drop_column("research_high")
        batch_op.drop_column("research_low")
        batch_op.drop_column("research_estimate")
