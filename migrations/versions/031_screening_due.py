"""each privacy screening carries its text's state and hashes (PostgreSQL keeps the copy); the check reads the due ones

Revision ID: 031
Revises: 030
Create Date: 2026-12-07 17:30:00.000000

The publication check asks whether every accepted opinion and approved answer is still the text its
privacy screening read. It merge-joined the period's 100,000 accepted opinions with their screenings for
that, to find the few whose hashes differ: 80 ms of the check's 180 at 100,000 opinions, the largest part
of the staff result page (bench/README.md, fortieth session).

Each screening now carries what it is compared with: its text's state and the hashes of its text as they
stand (``text_state``, ``text_summary_sha256``, ``text_excerpt_sha256``, ``text_body_sha256``). Partial
indexes hold only the screenings of published texts (accepted, approved) that do not match: nearly none
in a period ready to publish. A text with no screening at all is found by counting: the period's accepted
opinions against the screenings whose text is accepted (one index each), and only when they differ is
the text without a screening looked for.

PostgreSQL keeps the copy, not the app, as it keeps the texts' hashes (migration 027). A trigger before
each write of a screening reads its text's row; a trigger after each write of an opinion or answer that
changes its state or its text's hash writes its screening again, so that the first one reads it anew.
Neither a bulk UPDATE of the texts nor one of the screenings can leave the copy wrong. The text's row is
not written: opinions are wide and have nine indexes. (A copy of the screening on the text's row, tried
first, made each screening write the opinion's row again; written in bulk, as the staff-pages benchmark
screens its period, that bloated the indexes the work list reads and it slowed by half.) Both triggers
plan their statements for each row (``plan_cache_mode``): a plan kept from when a table was small reads
every row of a big one.

The index of the screenings by period gains the text's state (to count them) and replaces
``ix_privacy_screenings_period_id``. SQLite gets the columns, left NULL, and that index: the check reads
the screenings there itself.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "031"
down_revision = "030"
branch_labels = None
depends_on = None

COPY = ("text_state", "text_summary_sha256", "text_excerpt_sha256", "text_body_sha256")
EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
# The screenings the check reads: the same words as ``OPINION_DUE`` and ``RESPONSE_DUE`` in
# app/privacy/models.py, so that PostgreSQL can tell the index answers the check's query.
DUE = {
    "opinions": "text_state = 'accepted' AND NOT coalesce((field = 'summary' AND text_sha256 = text_summary_sha256)"
                " OR (field = 'excerpt' AND text_sha256 = text_excerpt_sha256"
                f" AND text_summary_sha256 = '{EMPTY_SHA256}'), false)",
    "responses": "text_state = 'approved' AND NOT coalesce(field = 'body' AND text_sha256 = text_body_sha256, false)",
}
KEY = {"opinions": "opinion_id", "responses": "response_id"}


def upgrade():
    with op.batch_alter_table("privacy_screenings") as batch_op:
        batch_op.add_column(sa.Column("text_state", sa.String(length=16), nullable=True))
        for column in COPY[1:]:
            batch_op.add_column(sa.Column(column, sa.String(length=64), nullable=True))
        batch_op.drop_index("ix_privacy_screenings_period_id")
        batch_op.create_index("ix_privacy_screenings_period_state", ["period_id", "text_state"], unique=False)
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("""
        CREATE FUNCTION privacy_screenings_text() RETURNS trigger LANGUAGE plpgsql
        SET plan_cache_mode = force_custom_plan AS $$
        BEGIN
            NEW.text_state := NULL;
            NEW.text_summary_sha256 := NULL;
            NEW.text_excerpt_sha256 := NULL;
            NEW.text_body_sha256 := NULL;
            IF NEW.opinion_id IS NOT NULL THEN
                SELECT state, summary_sha256, excerpt_sha256
                  INTO NEW.text_state, NEW.text_summary_sha256, NEW.text_excerpt_sha256
                  FROM opinions WHERE id = NEW.opinion_id;
            ELSIF NEW.response_id IS NOT NULL THEN
                SELECT state, body_sha256 INTO NEW.text_state, NEW.text_body_sha256
                  FROM responses WHERE id = NEW.response_id;
            END IF;
            RETURN NEW;
        END $$""")
    op.execute("CREATE TRIGGER privacy_screenings_text BEFORE INSERT OR UPDATE ON privacy_screenings "
               "FOR EACH ROW EXECUTE FUNCTION privacy_screenings_text()")
    for table, hashes in (("opinions", ("summary_sha256", "excerpt_sha256")), ("responses", ("body_sha256",))):
        op.execute(f"""
            CREATE FUNCTION {table}_screening_text() RETURNS trigger LANGUAGE plpgsql
            SET plan_cache_mode = force_custom_plan AS $$
            BEGIN
                UPDATE privacy_screenings SET text_state = NULL WHERE {KEY[table]} = NEW.id;
                RETURN NULL;
            END $$""")
        changed = " OR ".join(f"OLD.{column} IS DISTINCT FROM NEW.{column}" for column in ("state", *hashes))
        op.execute(f"CREATE TRIGGER {table}_screening_text AFTER UPDATE ON {table} FOR EACH ROW "
                   f"WHEN ({changed}) EXECUTE FUNCTION {table}_screening_text()")
    op.execute("UPDATE privacy_screenings SET text_state = NULL")  # the trigger copies the texts already there
    for table in ("opinions", "responses"):
        op.execute(f"CREATE INDEX ix_privacy_screenings_{table}_due ON privacy_screenings "
                   f"(period_id, {KEY[table]}) WHERE {DUE[table]}")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for table in ("opinions", "responses"):
            op.execute(f"DROP INDEX ix_privacy_screenings_{table}_due")
            op.execute(f"DROP TRIGGER {table}_screening_text ON {table}")
            op.execute(f"DROP FUNCTION {table}_screening_text()")
        op.execute("DROP TRIGGER privacy_screenings_text ON privacy_screenings")
        op.execute("DROP FUNCTION privacy_screenings_text()")
    with op.batch_alter_table("privacy_screenings") as batch_op:
        batch_op.drop_index("ix_privacy_screenings_period_state")
        batch_op.create_index("ix_privacy_screenings_period_id", ["period_id"], unique=False)
        for column in reversed(COPY):
            batch_op.drop_column(column)
