"""plan text editing: which heading of the plan's text a comment period's section was made from

Revision ID: 022
Revises: 021
Create Date: 2026-12-02 07:20:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "022"
down_revision = "021"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "period_section_sources",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("section_id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("anchor", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(["section_id"], ["sections.id"],
                                name=op.f("fk_period_section_sources_section_id_sections"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["version_id"], ["plan_versions.id"],
                                name=op.f("fk_period_section_sources_version_id_plan_versions"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_period_section_sources")),
        sa.UniqueConstraint("section_id", name=op.f("uq_period_section_sources_section_id")),
    )
    with op.batch_alter_table("period_section_sources", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_period_section_sources_version_id"), ["version_id"], unique=False)


def downgrade():
    with op.batch_alter_table("period_section_sources", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_period_section_sources_version_id"))
    op.drop_table("period_section_sources")
