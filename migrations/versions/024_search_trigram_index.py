"""moderation search: a trigram index on the submissions' search text (PostgreSQL only), the queue's order

Revision ID: 024
Revises: 022
Create Date: 2026-12-02 10:30:00.000000

The queue's search of 3 characters or more is a ``LIKE '%…%'`` on ``submission_search_docs.text``;
pg_trgm's GIN index answers it without reading every document (a cluster whose character type
classifies kanji and kana as letters, as C.UTF-8 and ja_JP.UTF-8 do, gives Japanese text its
trigrams). SQLite has neither: it keeps searching through the bigram table. On both engines, an index
on submissions (received_at, id), the queue's order, and one on opinions in the order of a period's
opinion list, so that a page of either is read from its index, not sorted out of 100,000 rows.
pg_trgm is a trusted extension: the database's owner may create it.
"""
from alembic import op

# revision identifiers, used by Alembic.
revision = "024"
down_revision = "023"
branch_labels = None
depends_on = None

INDEX = "ix_submission_search_docs_text_trgm"


def upgrade():
    # The queue's order (oldest received first), on both engines.
    with op.batch_alter_table("submissions", schema=None) as batch_op:
        batch_op.create_index("ix_submissions_received_at_id", ["received_at", "id"], unique=False)
    # The period's opinion list in its order (PostgreSQL also keeps its filters' columns in it).
    with op.batch_alter_table("opinions", schema=None) as batch_op:
        batch_op.create_index("ix_opinions_period_list", ["period_id", "section_id", "submission_id", "position"],
                              unique=False, postgresql_include=["state", "group_id"])
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.create_index(INDEX, "submission_search_docs", ["text"], postgresql_using="gin",
                    postgresql_ops={"text": "gin_trgm_ops"})


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        # The extension stays: something else in the database may have come to use it.
        op.drop_index(INDEX, table_name="submission_search_docs")
    with op.batch_alter_table("opinions", schema=None) as batch_op:
        batch_op.drop_index("ix_opinions_period_list")
    with op.batch_alter_table("submissions", schema=None) as batch_op:
        batch_op.drop_index("ix_submissions_received_at_id")
