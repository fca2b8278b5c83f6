"""runs about a comment period are all stored under one subject name, "period"

Result exports were stored as "CommentPeriod" while digests and imports used "period"; the name is
now decided in one place (app.core.runs.subject_type), and the runs already stored follow it so the
results page still finds its latest exports.

Revision ID: 010
Revises: 009
Create Date: 2026-12-02 00:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = "010"
down_revision = "009"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("UPDATE job_runs SET subject_type = 'period' WHERE subject_type = 'CommentPeriod'")


def downgrade():
    op.execute("UPDATE job_runs SET subject_type = 'CommentPeriod' "
               "WHERE subject_type = 'period' AND kind IN ('result_export', 'result_staff_export')")
