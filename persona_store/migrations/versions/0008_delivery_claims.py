"""Delivery claims with a time: deliveries.claimed_at, so a post left 'sending' by a clock
that died mid-send can be taken over once its claim is stale

Existing rows get their created_at (the time of their first claim). SQLite cannot add a
NOT NULL column without a default, so the column is added nullable, filled, then tightened
(batch mode copies the table on SQLite; a plain ALTER on PostgreSQL).

Revision ID: 0008_delivery_claims
Revises: 0002_scheduling
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_delivery_claims"
down_revision = "0002_scheduling"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("deliveries") as batch:
        batch.add_column(sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE deliveries SET claimed_at = created_at")
    with op.batch_alter_table("deliveries") as batch:
        batch.alter_column("claimed_at", existing_type=sa.DateTime(timezone=True), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_column("claimed_at")
