"""moderation search: on PostgreSQL a submission's bigrams are kept in its search document, under a GIN index

Revision ID: 029
Revises: 028
Create Date: 2026-12-04 22:45:00.000000

A submission's distinct character bigrams were ~45 rows of ``submission_search_grams``, each with two
B-tree entries and a foreign-key check: 0.31 ms of PostgreSQL's time a submission, the larger part of what
indexing a web send cost it (bench/README.md, nineteenth session). On PostgreSQL they are now one text
column of the document, ``grams`` (the bigrams separated by spaces, which normalised text never holds),
answered by a GIN index on ``string_to_array(grams, ' ')``: 0.03–0.10 ms a submission. Existing rows
move into the documents and the bigram table is emptied. SQLite keeps using the bigram table (its
``grams`` column stays empty).
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "029"
down_revision = "028"
branch_labels = None
depends_on = None

INDEX = "ix_submission_search_docs_grams"


def upgrade():
    with op.batch_alter_table("submission_search_docs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("grams", sa.Text(), nullable=False, server_default=""))
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("UPDATE submission_search_docs AS d SET grams = g.grams FROM "
               "(SELECT submission_id, string_agg(gram, ' ' ORDER BY gram) AS grams FROM submission_search_grams "
               "GROUP BY submission_id) AS g WHERE g.submission_id = d.submission_id")
    op.execute("DELETE FROM submission_search_grams")
    op.execute(f"CREATE INDEX {INDEX} ON submission_search_docs USING gin (string_to_array(grams, ' '))")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP INDEX {INDEX}")
        op.execute("INSERT INTO submission_search_grams (gram, submission_id) "
                   "SELECT DISTINCT gram, submission_id FROM submission_search_docs, "
                   "unnest(string_to_array(grams, ' ')) AS gram WHERE grams <> ''")
    with op.batch_alter_table("submission_search_docs", schema=None) as batch_op:
        batch_op.drop_column("grams")
