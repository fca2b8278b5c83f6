"""moderation: bigram search of submissions, once-only notices, redaction notes

Revision ID: 003
Revises: 002
Create Date: 2026-11-29 00:03:38.784547

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "003"
down_revision = "002"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('moderation_notices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_moderation_notices')),
    sa.UniqueConstraint('kind', 'key', name='uq_moderation_notices_kind_key')
    )
    op.create_table('submission_search_docs',
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('indexed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['submission_id'], ['submissions.id'], name=op.f('fk_submission_search_docs_submission_id_submissions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('submission_id', name=op.f('pk_submission_search_docs'))
    )
    op.create_table('submission_search_grams',
    sa.Column('gram', sa.String(length=4), nullable=False),
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['submission_id'], ['submissions.id'], name=op.f('fk_submission_search_grams_submission_id_submissions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('gram', 'submission_id', name=op.f('pk_submission_search_grams'))
    )
    with op.batch_alter_table('submission_search_grams', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_submission_search_grams_submission_id'), ['submission_id'], unique=False)

    with op.batch_alter_table('redactions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('note', sa.Text(), server_default='', nullable=False))



def downgrade():
    with op.batch_alter_table('redactions', schema=None) as batch_op:
        batch_op.drop_column('note')

    with op.batch_alter_table('submission_search_grams', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_submission_search_grams_submission_id'))

    op.drop_table('submission_search_grams')
    op.drop_table('submission_search_docs')
    op.drop_table('moderation_notices')
