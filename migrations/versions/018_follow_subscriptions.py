"""following a plan by email: followers, follow_events, follow_digests, follow_digest_items

Revision ID: 018
Revises: 017
Create Date: 2026-12-02 07:10:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "018"
down_revision = "017"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "followers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("locale", sa.String(length=5), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["plan_id"], ["plans.id"], name=op.f("fk_followers_plan_id_plans"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_followers")),
        sa.UniqueConstraint("plan_id", "email", name=op.f("uq_followers_plan_id")),
    )
    op.create_index(op.f("ix_followers_plan_id"), "followers", ["plan_id"])
    op.create_index(op.f("ix_followers_confirmed_at"), "followers", ["confirmed_at"])
    op.create_table(
        "follow_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["plan_id"], ["plans.id"], name=op.f("fk_follow_events_plan_id_plans"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_follow_events")),
        sa.UniqueConstraint("kind", "subject_id", name=op.f("uq_follow_events_kind")),
    )
    op.create_index(op.f("ix_follow_events_plan_id"), "follow_events", ["plan_id"])
    op.create_index(op.f("ix_follow_events_occurred_at"), "follow_events", ["occurred_at"])
    op.create_table(
        "follow_digests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recipient_key", sa.String(length=64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_follow_digests")),
        sa.UniqueConstraint("recipient_key", "day", name=op.f("uq_follow_digests_recipient_key")),
    )
    op.create_index(op.f("ix_follow_digests_created_at"), "follow_digests", ["created_at"])
    op.create_table(
        "follow_digest_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("digest_id", sa.Integer(), nullable=False),
        sa.Column("follower_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["digest_id"], ["follow_digests.id"],
                                name=op.f("fk_follow_digest_items_digest_id_follow_digests"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["follower_id"], ["followers.id"],
                                name=op.f("fk_follow_digest_items_follower_id_followers"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["event_id"], ["follow_events.id"],
                                name=op.f("fk_follow_digest_items_event_id_follow_events"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_follow_digest_items")),
        sa.UniqueConstraint("follower_id", "event_id", name=op.f("uq_follow_digest_items_follower_id")),
    )
    for column in ("digest_id", "follower_id", "event_id"):
        op.create_index(op.f(f"ix_follow_digest_items_{column}"), "follow_digest_items", [column])


def downgrade():
    op.drop_table("follow_digest_items")
    op.drop_table("follow_digests")
    op.drop_table("follow_events")
    op.drop_table("followers")
