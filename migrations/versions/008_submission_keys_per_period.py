"""idempotency keys of submissions are unique within their period, not site-wide

A key is the identity of one send of one form; the same text arriving for another period is
another form. (The lookup secret is no longer derived from the key: see app.submissions.services.)

Revision ID: 008
Revises: 007
Create Date: 2026-12-01 00:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = "008"
down_revision = "007"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("submissions", schema=None) as batch_op:
        batch_op.drop_constraint("uq_submissions_idempotency_key", type_="unique")
        batch_op.create_unique_constraint("uq_submissions_period_idempotency_key", ["period_id", "idempotency_key"])


def downgrade():
    with op.batch_alter_table("submissions", schema=None) as batch_op:
        batch_op.drop_constraint("uq_submissions_period_idempotency_key", type_="unique")
        batch_op.create_unique_constraint("uq_submissions_idempotency_key", ["idempotency_key"])
