"""Teams inbound de-duplication: activities already acted on

Revision ID: 0006_teams_activities
Revises: 0004_teams
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_teams_activities"
down_revision = "0004_teams"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "teams_activities",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "workspace_id",
            sa.Integer(),
            sa.ForeignKey("workspaces.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("conversation_id", sa.String(512), nullable=False),
        sa.Column("activity_id", sa.String(255), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint(
            "workspace_id", "conversation_id", "activity_id", name="uq_teams_activities_activity"
        ),
    )
    op.create_index("ix_teams_activities_workspace_id", "teams_activities", ["workspace_id"])
    op.create_index("ix_teams_activities_received_at", "teams_activities", ["received_at"])


def downgrade() -> None:
    op.drop_index("ix_teams_activities_received_at", table_name="teams_activities")
    op.drop_index("ix_teams_activities_workspace_id", table_name="teams_activities")
    op.drop_table("teams_activities")
