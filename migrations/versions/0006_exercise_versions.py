"""Exercise versions, owners and archiving; item value types; authoring drafts.

An exercise that has answers is no longer rewritten: a changed definition becomes
a new version with the same slug, so the slug is unique per version. Uploaded
exercises belong to the trainer who uploaded them; any exercise can be archived.
Items say how their values are printed (percent, share, rating, money with a
currency). Trainers' half-finished exercises from their own survey data are kept
in authoring_draft between the steps (docs/exercises.md).

Revision ID: 0006
Revises: 0005
"""
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("exercise") as batch_op:
        batch_op.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
        batch_op.add_column(sa.Column("owner_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.drop_index("ix_exercise_slug")
        batch_op.create_index("ix_exercise_slug", ["slug"], unique=False)
        batch_op.create_index("ix_exercise_owner_id", ["owner_id"], unique=False)
        batch_op.create_unique_constraint("uq_exercise_slug_version", ["slug", "version"])
        batch_op.create_foreign_key("fk_exercise_owner_id_user", "user", ["owner_id"], ["id"])
    with op.batch_alter_table("item") as batch_op:
        batch_op.add_column(sa.Column("value_type", sa.String(length=20), nullable=False, server_default="percent"))
        batch_op.add_column(sa.Column("currency", sa.String(length=3), nullable=False, server_default=""))
    op.create_table(
        "authoring_draft",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("data_csv", sa.Text(), nullable=False),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["owner_id"], ["user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("authoring_draft") as batch_op:
        batch_op.create_index("ix_authoring_draft_owner_id", ["owner_id"], unique=False)


def downgrade():
    with op.batch_alter_table("authoring_draft") as batch_op:
        batch_op.drop_index("ix_authoring_draft_owner_id")
    op.drop_table("authoring_draft")
    with op.batch_alter_table("item") as batch_op:
        batch_op.drop_column("currency")
        batch_op.drop_column("value_type")
    # Only the newest version of each exercise keeps the slug once it is unique again; older versions
    # (and their answers) stay under "<slug>-v<version>".
    op.execute(
        "UPDATE exercise SET slug = SUBSTR(slug, 1, 70) || '-v' || CAST(version AS VARCHAR(10)) "
        "WHERE version < (SELECT MAX(e2.version) FROM exercise e2 WHERE e2.slug = exercise.slug)"
    )
    with op.batch_alter_table("exercise") as batch_op:
        batch_op.drop_constraint("fk_exercise_owner_id_user", type_="foreignkey")
        batch_op.drop_constraint("uq_exercise_slug_version", type_="unique")
        batch_op.drop_index("ix_exercise_owner_id")
        batch_op.drop_index("ix_exercise_slug")
        batch_op.create_index("ix_exercise_slug", ["slug"], unique=True)
        batch_op.drop_column("archived_at")
        batch_op.drop_column("owner_id")
        batch_op.drop_column("version")
