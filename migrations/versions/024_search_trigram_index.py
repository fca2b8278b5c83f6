"""moderation search: a trigram index on the submissions' search text (PostgreSQL only)

Revision ID: 024
Revises: 022
Create Date: 2026-12-02 10:30:00.000000

The queue's search of 3 characters or more is a ``LIKE '%…%'`` on ``submission_search_docs.text``;
pg_trgm's GIN index answers it without reading every document (a cluster whose character type
classifies kanji and kana as letters, as C.UTF-8 and ja_JP.UTF-8 do, gives Japanese text its
trigrams). SQLite has neither: it keeps searching through the bigram table, and this does nothing.
pg_trgm is a trusted extension: the database's owner may create it.
"""
from alembic import op

# revision identifiers, used by Alembic.
revision = "024"
down_revision = "022"
branch_labels = None
depends_on = None

INDEX = "ix_submission_search_docs_text_trgm"


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.create_index(INDEX, "submission_search_docs", ["text"], postgresql_using="gin",
                    postgresql_ops={"text": "gin_trgm_ops"})


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    # The extension stays: something else in the database may have come to use it.
    op.drop_index(INDEX, table_name="submission_search_docs")
