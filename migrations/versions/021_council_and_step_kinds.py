"""the council (審議会) of a plan: meetings, public seats (傍聴), members; the kind of a workshop

Revision ID: 021
Revises: 020
Create Date: 2026-12-02 07:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "021"
down_revision = "020"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "council_meetings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("council_name", sa.String(length=200), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("place", sa.String(length=300), nullable=False),
        sa.Column("agenda", sa.Text(), nullable=False),
        sa.Column("minutes_text", sa.Text(), nullable=False),
        sa.Column("minutes_filename", sa.String(length=255), nullable=False),
        sa.Column("minutes_stored_name", sa.String(length=64), nullable=False),
        sa.Column("minutes_size", sa.Integer(), nullable=False),
        sa.Column("seat_capacity", sa.Integer(), nullable=False),
        sa.Column("signup_closes_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["plan_id"], ["plans.id"], name=op.f("fk_council_meetings_plan_id_plans"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_council_meetings")),
        sa.UniqueConstraint("plan_id", "number", name="uq_council_meetings_plan_number"),
    )
    with op.batch_alter_table("council_meetings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_council_meetings_plan_id"), ["plan_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_council_meetings_starts_at"), ["starts_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_council_meetings_status"), ["status"], unique=False)

    op.create_table(
        "council_seat_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("receipt_no", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("contact", sa.String(length=255), nullable=False),
        sa.Column("form_key", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["meeting_id"], ["council_meetings.id"],
                                name=op.f("fk_council_seat_requests_meeting_id_council_meetings"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_council_seat_requests")),
        sa.UniqueConstraint("meeting_id", "receipt_no", name="uq_council_seat_requests_receipt"),
    )
    with op.batch_alter_table("council_seat_requests", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_council_seat_requests_meeting_id"), ["meeting_id"], unique=False)
        batch_op.create_index("ix_council_seat_requests_meeting_form_key", ["meeting_id", "form_key"], unique=False)

    op.create_table(
        "council_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("category", sa.String(length=16), nullable=False),
        sa.Column("affiliation", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("term_from", sa.Date(), nullable=False),
        sa.Column("term_to", sa.Date(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["plan_id"], ["plans.id"], name=op.f("fk_council_members_plan_id_plans"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_council_members")),
    )
    with op.batch_alter_table("council_members", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_council_members_plan_id"), ["plan_id"], unique=False)

    with op.batch_alter_table("workshops", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kind", sa.String(length=16), nullable=False, server_default="workshop"))


def downgrade():
    with op.batch_alter_table("workshops", schema=None) as batch_op:
        batch_op.drop_column("kind")
    op.drop_table("council_members")
    op.drop_table("council_seat_requests")
    op.drop_table("council_meetings")
