"""the version a comment period put to comment, and the opinions behind each change of the text

Revision ID: 020
Revises: 019
Create Date: 2026-12-02 07:10:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "020"
down_revision = "019"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "period_text_versions",
        sa.Column("period_id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["period_id"], ["comment_periods.id"],
                                name=op.f("fk_period_text_versions_period_id_comment_periods"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["version_id"], ["plan_versions.id"],
                                name=op.f("fk_period_text_versions_version_id_plan_versions"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("period_id", name=op.f("pk_period_text_versions")),
    )
    op.create_index(op.f("ix_period_text_versions_version_id"), "period_text_versions", ["version_id"])
    op.create_table(
        "text_change_opinions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("period_id", sa.Integer(), nullable=False),
        sa.Column("anchor", sa.String(length=40), nullable=False),
        sa.Column("opinion_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["period_id"], ["comment_periods.id"],
                                name=op.f("fk_text_change_opinions_period_id_comment_periods"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["opinion_id"], ["opinions.id"],
                                name=op.f("fk_text_change_opinions_opinion_id_opinions"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_text_change_opinions")),
        sa.UniqueConstraint("period_id", "anchor", "opinion_id", name="uq_text_change_opinions"),
    )
    op.create_index(op.f("ix_text_change_opinions_period_id"), "text_change_opinions", ["period_id"])
    op.create_index(op.f("ix_text_change_opinions_opinion_id"), "text_change_opinions", ["opinion_id"])


def downgrade():
    op.drop_table("text_change_opinions")
    op.drop_table("period_text_versions")
