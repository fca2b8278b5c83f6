"""drop the per-account login lockout: failures are now counted per account and address

Revision ID: 007
Revises: 006
Create Date: 2026-11-30 00:00:00

A lock on the account let anyone who knew an address keep its owner out; the throttle that replaces
it (app/accounts/throttle.py) lives in the rate-limit store, keyed by email and client address.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "007"
down_revision = "006"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("locked_until")
        batch_op.drop_column("failed_logins")


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("failed_logins", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True))
