"""live digest: per-period signatures, LSH band keys, groups and keyword counts, kept up to date
while a period is open

Revision ID: 023
Revises: 022
Create Date: 2026-12-02 10:40:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "023"
down_revision = "022"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "digest_live_states",
        sa.Column("period_id", sa.Integer(), nullable=False),
        sa.Column("digest_id", sa.Integer(), nullable=True),
        sa.Column("last_opinion_id", sa.Integer(), nullable=False),
        sa.Column("opinion_count", sa.Integer(), nullable=False),
        sa.Column("params", sa.String(length=64), nullable=False),
        sa.Column("stale", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["period_id"], ["comment_periods.id"],
                                name=op.f("fk_digest_live_states_period_id_comment_periods"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["digest_id"], ["digests.id"],
                                name=op.f("fk_digest_live_states_digest_id_digests"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("period_id", name=op.f("pk_digest_live_states")),
    )
    op.create_table(
        "digest_live_opinions",
        sa.Column("opinion_id", sa.Integer(), nullable=False),
        sa.Column("period_id", sa.Integer(), nullable=False),
        sa.Column("text_id", sa.Integer(), nullable=True),
        sa.Column("section_id", sa.Integer(), nullable=True),
        sa.Column("withheld", sa.Boolean(), nullable=False),
        sa.Column("excerpt", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["opinion_id"], ["opinions.id"],
                                name=op.f("fk_digest_live_opinions_opinion_id_opinions"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["period_id"], ["comment_periods.id"],
                                name=op.f("fk_digest_live_opinions_period_id_comment_periods"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("opinion_id", name=op.f("pk_digest_live_opinions")),
    )
    with op.batch_alter_table("digest_live_opinions", schema=None) as batch_op:
        batch_op.create_index("ix_digest_live_opinions_period_text", ["period_id", "text_id"], unique=False)
    op.create_table(
        "digest_live_texts",
        sa.Column("opinion_id", sa.Integer(), nullable=False),
        sa.Column("period_id", sa.Integer(), nullable=False),
        sa.Column("key_hash", sa.String(length=32), nullable=False),
        sa.Column("signature", sa.LargeBinary(), nullable=False),
        sa.Column("component", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["opinion_id"], ["opinions.id"],
                                name=op.f("fk_digest_live_texts_opinion_id_opinions"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["period_id"], ["comment_periods.id"],
                                name=op.f("fk_digest_live_texts_period_id_comment_periods"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("opinion_id", name=op.f("pk_digest_live_texts")),
    )
    with op.batch_alter_table("digest_live_texts", schema=None) as batch_op:
        batch_op.create_index("ix_digest_live_texts_period_key", ["period_id", "key_hash"], unique=False)
        batch_op.create_index("ix_digest_live_texts_period_component", ["period_id", "component"], unique=False)
    op.create_table(
        "digest_live_bands",
        sa.Column("period_id", sa.Integer(), nullable=False),
        sa.Column("band", sa.SmallInteger(), nullable=False),
        sa.Column("key", sa.BigInteger(), nullable=False),
        sa.Column("opinion_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["period_id"], ["comment_periods.id"],
                                name=op.f("fk_digest_live_bands_period_id_comment_periods"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("period_id", "band", "key", "opinion_id", name=op.f("pk_digest_live_bands")),
    )
    op.create_table(
        "digest_live_words",
        sa.Column("period_id", sa.Integer(), nullable=False),
        sa.Column("section_key", sa.Integer(), nullable=False),
        sa.Column("word", sa.Text(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["period_id"], ["comment_periods.id"],
                                name=op.f("fk_digest_live_words_period_id_comment_periods"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("period_id", "section_key", "word", name=op.f("pk_digest_live_words")),
    )


def downgrade():
    op.drop_table("digest_live_words")
    op.drop_table("digest_live_bands")
    with op.batch_alter_table("digest_live_texts", schema=None) as batch_op:
        batch_op.drop_index("ix_digest_live_texts_period_component")
        batch_op.drop_index("ix_digest_live_texts_period_key")
    op.drop_table("digest_live_texts")
    with op.batch_alter_table("digest_live_opinions", schema=None) as batch_op:
        batch_op.drop_index("ix_digest_live_opinions_period_text")
    op.drop_table("digest_live_opinions")
    op.drop_table("digest_live_states")
