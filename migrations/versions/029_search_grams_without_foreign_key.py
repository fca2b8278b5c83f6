"""moderation search: the bigram rows go with their document, by a trigger, not by a foreign key of each row

Revision ID: 029
Revises: 028
Create Date: 2026-12-06 10:00:00.000000

A submission's search index is its document and a row per distinct bigram of its text: some forty rows
for a short opinion, a hundred and more for a long one, and each row's foreign key to ``submissions`` was
a lookup of that submission with a lock on it, on every insert. That check was half of what PostgreSQL
spent writing the rows (0.33 → 0.17 ms a submission of the load benchmark's short texts; 1.3 → 0.6–0.8
ms for texts of 280 characters; bench/README.md, thirtieth session). The rows are written only together
with their document, in one statement, and the document keeps its own foreign key (deleted with the
submission); a trigger on the document's delete removes its rows, on both engines. A search finds the
rows' submission ids through the submissions table, so a row could never show a submission that is gone.
(On SQLite a later migration that rebuilds ``submission_search_docs`` in batch mode must create the
trigger again.)
"""
from alembic import op

# revision identifiers, used by Alembic.
revision = "029"
down_revision = "028"
branch_labels = None
depends_on = None

FOREIGN_KEY = "fk_submission_search_grams_submission_id_submissions"
TRIGGER = "submission_search_docs_drop_grams"
DROP_GRAMS = "DELETE FROM submission_search_grams WHERE submission_id = OLD.submission_id"


def upgrade():
    with op.batch_alter_table("submission_search_grams") as batch_op:
        batch_op.drop_constraint(FOREIGN_KEY, type_="foreignkey")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"CREATE FUNCTION {TRIGGER}() RETURNS trigger LANGUAGE plpgsql AS $$ "
                   f"BEGIN {DROP_GRAMS}; RETURN NULL; END $$")
        op.execute(f"CREATE TRIGGER {TRIGGER} AFTER DELETE ON submission_search_docs "
                   f"FOR EACH ROW EXECUTE FUNCTION {TRIGGER}()")
    else:
        op.execute(f"CREATE TRIGGER {TRIGGER} AFTER DELETE ON submission_search_docs "
                   f"FOR EACH ROW BEGIN {DROP_GRAMS}; END")


def downgrade():
    op.execute(f"DROP TRIGGER {TRIGGER}" + (" ON submission_search_docs"
                                            if op.get_bind().dialect.name == "postgresql" else ""))
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP FUNCTION {TRIGGER}()")
    # Rows whose submission is gone could not have been written, but the key would refuse them.
    op.execute("DELETE FROM submission_search_grams WHERE submission_id NOT IN (SELECT id FROM submissions)")
    with op.batch_alter_table("submission_search_grams") as batch_op:
        batch_op.create_foreign_key(FOREIGN_KEY, "submissions", ["submission_id"], ["id"], ondelete="CASCADE")
