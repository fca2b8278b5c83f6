"""remember each file imported into a period by its sha256, to refuse the same file twice

Revision ID: 011
Revises: 010
Create Date: 2026-11-30 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "011"
down_revision = "010"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('imported_files',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('period_id', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('first_receipt_no', sa.String(length=32), nullable=False),
    sa.Column('last_receipt_no', sa.String(length=32), nullable=False),
    sa.Column('imported_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['period_id'], ['comment_periods.id'], name=op.f('fk_imported_files_period_id_comment_periods'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_imported_files')),
    sa.UniqueConstraint('period_id', 'sha256', name='uq_imported_files_period_sha256')
    )


def downgrade():
    op.drop_table('imported_files')
