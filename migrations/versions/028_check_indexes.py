"""the publication check reads indexes: a period's opinions and answers by state and id, with their hashes

Revision ID: 028
Revises: 027
Create Date: 2026-12-03 14:00:00.000000

At 100,000 opinions the staff result page spent most of its time in the publication check, and most
of that reading the opinions' rows (their texts make them wide) to join them with their privacy
screenings by a hash join that spilled to disk. Ordered by id and carrying the hashes (PostgreSQL's
INCLUDE), the indexes let PostgreSQL merge-join them with the screenings' unique index and count
without reading a row; the staff work list reads its lone opinions (with their section) from the index
too. ``ix_responses_period_state`` starts with ``period_id`` and replaces
``ix_responses_period_id``. SQLite gets the same key columns without the included ones.
"""
from alembic import op

# revision identifiers, used by Alembic.
revision = "028"
down_revision = "027"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("opinions", schema=None) as batch_op:
        batch_op.drop_index("ix_opinions_period_state")
        batch_op.create_index("ix_opinions_period_state", ["period_id", "state", "id"], unique=False,
                              postgresql_include=["group_id", "section_id", "summary_sha256", "excerpt_sha256"])
    with op.batch_alter_table("responses", schema=None) as batch_op:
        batch_op.create_index("ix_responses_period_state", ["period_id", "state", "id"], unique=False,
                              postgresql_include=["body_sha256"])
        batch_op.drop_index("ix_responses_period_id")


def downgrade():
    with op.batch_alter_table("responses", schema=None) as batch_op:
        batch_op.create_index("ix_responses_period_id", ["period_id"], unique=False)
        batch_op.drop_index("ix_responses_period_state")
    with op.batch_alter_table("opinions", schema=None) as batch_op:
        batch_op.drop_index("ix_opinions_period_state")
        batch_op.create_index("ix_opinions_period_state", ["period_id", "state"], unique=False)
