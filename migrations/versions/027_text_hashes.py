"""the hashes of opinions' and answers' public texts, kept by PostgreSQL, for the publication check

Revision ID: 027
Revises: 026
Create Date: 2026-12-03 11:00:00.000000

The publication check asks, for every accepted opinion and approved answer, whether its text is still
the one screened for personal data: it compared the screening's SHA-256 with a hash of the text made
there and then: 100,000 hashes each time the staff result page was shown at 100,000 opinions.
Each row now carries the hash of its text, written by a trigger on every insert and update, so the
check compares two stored strings. A trigger, not the app: a bulk UPDATE or a COPY cannot leave a hash
behind its text. SQLite has no SHA-256 in SQL: the columns stay NULL there (the check hashes in Python,
and reads NULL as "changed" anyway).
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "027"
down_revision = "026"
branch_labels = None
depends_on = None

COLUMNS = (("opinions", "summary"), ("opinions", "excerpt"), ("responses", "body"))
HEX_SHA256 = "encode(sha256(convert_to(NEW.{column}, 'UTF8')), 'hex')"


def upgrade():
    for table, column in COLUMNS:
        op.add_column(table, sa.Column(f"{column}_sha256", sa.String(length=64), nullable=True))
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in ("opinions", "responses"):
        sets = "; ".join(f"NEW.{column}_sha256 := {HEX_SHA256.format(column=column)}"
                         for name, column in COLUMNS if name == table)
        op.execute(f"""
            CREATE FUNCTION {table}_text_hashes() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN {sets}; RETURN NEW; END $$""")
        op.execute(f"CREATE TRIGGER {table}_text_hashes BEFORE INSERT OR UPDATE ON {table} "
                   f"FOR EACH ROW EXECUTE FUNCTION {table}_text_hashes()")
        first = next(column for name, column in COLUMNS if name == table)
        op.execute(f"UPDATE {table} SET {first} = {first}")  # the trigger hashes the rows already there


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for table in ("opinions", "responses"):
            op.execute(f"DROP TRIGGER {table}_text_hashes ON {table}")
            op.execute(f"DROP FUNCTION {table}_text_hashes()")
    for table, column in COLUMNS:
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_column(f"{column}_sha256")
