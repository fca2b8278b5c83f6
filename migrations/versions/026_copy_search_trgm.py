"""answer editor's search by words: trigram indexes on answers' and opinions' texts (PostgreSQL only)

Revision ID: 026
Revises: 025
Create Date: 2026-12-02 19:00:00.000000

"Start from another answer" finds answers whose text, or whose opinion's summary or excerpt, holds
the words (``ILIKE '%…%'``). Without an index a search that finds nothing read every answer and
opinion of the period (350–400 ms at 100,000 opinions); pg_trgm's GIN indexes answer a phrase of three
characters or more from the index. SQLite has no such index and keeps scanning (small periods).
The extension is created by migration 024.
"""
from alembic import op

# revision identifiers, used by Alembic.
revision = "026"
down_revision = "025"
branch_labels = None
depends_on = None

INDEXES = (("ix_responses_body_trgm", "responses", "body"),
           ("ix_opinions_summary_trgm", "opinions", "summary"),
           ("ix_opinions_excerpt_trgm", "opinions", "excerpt"))


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, table, column in INDEXES:
        op.create_index(name, table, [column], postgresql_using="gin", postgresql_ops={column: "gin_trgm_ops"})


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for name, table, _column in INDEXES:
        op.drop_index(name, table_name=table)
