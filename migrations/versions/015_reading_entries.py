"""the city's dictionary for ふりがな (reading_entries)

Revision ID: 015
Revises: 014
Create Date: 2026-12-02 05:30:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "015"
down_revision = "014"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "reading_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("surface", sa.String(length=40), nullable=False),
        sa.Column("reading", sa.String(length=80), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reading_entries")),
        sa.UniqueConstraint("surface", name=op.f("uq_reading_entries_surface")),
    )


def downgrade():
    op.drop_table("reading_entries")
