"""survey free-text answers screened for personal data (survey_text_screenings) and a keyword digest
per free-text question (survey_text_digests); answer values indexed by (question, answer, choice) so
that a cross-tab reads them from the index alone (it replaces the index on question_id)

Answers kept before this revision have no screening: they count in no public figure until the
screening job (run every five minutes, or from the staff page) has screened them.

Revision ID: 017
Revises: 016
Create Date: 2026-12-02 07:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "017"
down_revision = "016"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("survey_answer_items", schema=None) as batch_op:
        batch_op.create_index("ix_survey_answer_items_question_answer", ["question_id", "answer_id", "choice"],
                              unique=False)
        batch_op.drop_index("ix_survey_answer_items_question_id")
    op.create_table(
        "survey_text_screenings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("findings", sa.JSON(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("reviewed_by_id", sa.Integer(), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("screened_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["item_id"], ["survey_answer_items.id"],
                                name=op.f("fk_survey_text_screenings_item_id_survey_answer_items"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["survey_id"], ["surveys.id"], name=op.f("fk_survey_text_screenings_survey_id_surveys"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["question_id"], ["survey_questions.id"],
                                name=op.f("fk_survey_text_screenings_question_id_survey_questions"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["reviewed_by_id"], ["users.id"],
                                name=op.f("fk_survey_text_screenings_reviewed_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_text_screenings")),
        sa.UniqueConstraint("item_id", name=op.f("uq_survey_text_screenings_item_id")),
    )
    with op.batch_alter_table("survey_text_screenings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_survey_text_screenings_survey_id"), ["survey_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_survey_text_screenings_question_id"), ["question_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_survey_text_screenings_state"), ["state"], unique=False)
    op.create_table(
        "survey_text_digests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("words", sa.JSON(), nullable=False),
        sa.Column("texts", sa.Integer(), nullable=False),
        sa.Column("built_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["survey_id"], ["surveys.id"], name=op.f("fk_survey_text_digests_survey_id_surveys"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["question_id"], ["survey_questions.id"],
                                name=op.f("fk_survey_text_digests_question_id_survey_questions"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_text_digests")),
        sa.UniqueConstraint("question_id", name=op.f("uq_survey_text_digests_question_id")),
    )
    with op.batch_alter_table("survey_text_digests", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_survey_text_digests_survey_id"), ["survey_id"], unique=False)


def downgrade():
    op.drop_table("survey_text_digests")
    op.drop_table("survey_text_screenings")
    with op.batch_alter_table("survey_answer_items", schema=None) as batch_op:
        batch_op.create_index("ix_survey_answer_items_question_id", ["question_id"], unique=False)
        batch_op.drop_index("ix_survey_answer_items_question_answer")
