"""Exercise provenance shown to participants: decision kind, data period and sample size.

The landing page groups exercises by `decision_kind` (product features, pricing,
brand, communication; Hattula et al. 2015) and the provenance block shows
`period` and `sample_size` next to population, source, citation and licence.
The built-in exercises are reloaded so that the new columns are filled.

Revision ID: 0005
Revises: 0004
"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("exercise") as batch_op:
        batch_op.add_column(sa.Column("decision_kind", sa.String(length=40), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("period", sa.String(length=200), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("sample_size", sa.String(length=200), nullable=False, server_default=""))
    # Force the next `calibrate load-exercises` to rewrite every exercise with its provenance.
    op.execute("UPDATE exercise SET content_hash = ''")


def downgrade():
    with op.batch_alter_table("exercise") as batch_op:
        batch_op.drop_column("sample_size")
        batch_op.drop_column("period")
        batch_op.drop_column("decision_kind")
