"""surveys: optional second keying of paper forms (surveys.second_keying, survey_keyings)

Revision ID: 016
Revises: 015
Create Date: 2026-12-02 07:10:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "016"
down_revision = "015"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("surveys", schema=None) as batch_op:
        batch_op.add_column(sa.Column("second_keying", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table(
        "survey_keyings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("form_key", sa.String(length=80), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("keyed_by_id", sa.Integer(), nullable=True),
        sa.Column("keyed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["survey_id"], ["surveys.id"], name=op.f("fk_survey_keyings_survey_id_surveys"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["group_id"], ["survey_groups.id"],
                                name=op.f("fk_survey_keyings_group_id_survey_groups"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["keyed_by_id"], ["users.id"], name=op.f("fk_survey_keyings_keyed_by_id_users"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_keyings")),
    )
    with op.batch_alter_table("survey_keyings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_survey_keyings_survey_id"), ["survey_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_survey_keyings_form_key"), ["form_key"], unique=False)


def downgrade():
    with op.batch_alter_table("survey_keyings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_survey_keyings_form_key"))
        batch_op.drop_index(batch_op.f("ix_survey_keyings_survey_id"))
    op.drop_table("survey_keyings")
    with op.batch_alter_table("surveys", schema=None) as batch_op:
        batch_op.drop_column("second_keying")
