"""Teams adapter state: conversation references for proactive messages

Revision ID: 0004_teams
Revises: 0001_foundation
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_teams"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "teams_conversations",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "workspace_id",
            sa.Integer(),
            sa.ForeignKey("workspaces.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("conversation_id", sa.String(512), nullable=False),
        sa.Column("conversation_type", sa.String(16), nullable=True),
        sa.Column("service_url", sa.Text(), nullable=False),
        sa.Column("team_id", sa.String(255), nullable=True),
        sa.Column("channel_id", sa.String(255), nullable=True),
        sa.Column("bot_id", sa.String(255), nullable=True),
        sa.Column("user_id", sa.String(255), nullable=True),
        sa.Column("reference", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("inactive_reason", sa.String(64), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("workspace_id", "conversation_id", name="uq_teams_conversations_conv"),
    )
    op.create_index("ix_teams_conversations_workspace_id", "teams_conversations", ["workspace_id"])
    op.create_index("ix_teams_conversations_user_id", "teams_conversations", ["user_id"])


def downgrade() -> None:
    op.drop_index("ix_teams_conversations_user_id", table_name="teams_conversations")
    op.drop_index("ix_teams_conversations_workspace_id", table_name="teams_conversations")
    op.drop_table("teams_conversations")
