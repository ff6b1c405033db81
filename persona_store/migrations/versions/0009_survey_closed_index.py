"""Indexes for the clock's retry of survey results posts: surveys by (status, closed_at) to
read the recently closed ones, deliveries by (kind, status) to find the few keys still
failed or sending among the many sent ones

Revision ID: 0009_survey_closed_index
Revises: 0008_delivery_claims
"""

from __future__ import annotations

from alembic import op

revision = "0009_survey_closed_index"
down_revision = "0008_delivery_claims"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_surveys_closed", "surveys", ["status", "closed_at"])
    op.create_index("ix_deliveries_kind_status", "deliveries", ["kind", "status"])


def downgrade() -> None:
    op.drop_index("ix_deliveries_kind_status", table_name="deliveries")
    op.drop_index("ix_surveys_closed", table_name="surveys")
