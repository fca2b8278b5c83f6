"""outbox batches: the RQ job that carries an outbox row when the drainer hands several rows over as one

Revision ID: 025
Revises: 024
Create Date: 2026-12-02 15:40:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "025"
down_revision = "024"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("outbox_jobs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("rq_job_id", sa.String(length=32), nullable=True))


def downgrade():
    with op.batch_alter_table("outbox_jobs", schema=None) as batch_op:
        batch_op.drop_column("rq_job_id")
