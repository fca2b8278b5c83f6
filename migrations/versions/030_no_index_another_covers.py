"""an index on a foreign key that a unique constraint or a wider index already starts with goes

Revision ID: 030
Revises: 029
Create Date: 2026-12-06 13:00:00.000000

Fifteen tables had an index on a foreign key column (``index=True``) and a unique constraint or another
index whose first column is the same: ``submissions.period_id`` under the keys of a period's receipt
numbers, its send keys and its states. A B-tree answers a search on its first column as well as an index of
that column alone, so the narrow one served no query the wide one does not, and every insert wrote both.
On a send that was one index entry of thirteen: PostgreSQL's CPU for the send's statement, measured with the
client busy between statements as a web worker is, went 0.58/0.62 → 0.51/0.53 ms (bench/README.md,
thirty-first session). The same goes for a survey's answer items, a workshop's notes, a plan's followers and
the rest. ``tests/core/test_indexes.py`` keeps it so.
"""
from alembic import op

# revision identifiers, used by Alembic.
revision = "030"
down_revision = "029"
branch_labels = None
depends_on = None

# (table, column): each index is named ix_<table>_<column>.
COVERED = (
    ("council_meetings", "plan_id"),
    ("council_seat_requests", "meeting_id"),
    ("follow_digest_items", "follower_id"),
    ("followers", "plan_id"),
    ("opinions", "period_id"),
    ("plan_versions", "plan_id"),
    ("sections", "period_id"),
    ("submissions", "period_id"),
    ("survey_answer_items", "answer_id"),
    ("tags", "period_id"),
    ("text_change_opinions", "period_id"),
    ("text_sections", "version_id"),
    ("user_roles", "user_id"),
    ("workshop_groups", "workshop_id"),
    ("workshop_notes", "group_id"),
)


def upgrade():
    for table, column in COVERED:
        op.drop_index(f"ix_{table}_{column}", table_name=table)


def downgrade():
    for table, column in COVERED:
        op.create_index(f"ix_{table}_{column}", table, [column], unique=False)
