"""Slack adapter state: event de-duplication, shareable answers, pending answers

Revision ID: 0003_slack
Revises: 0001_foundation
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_slack"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None


def _workspace() -> sa.Column:
    return sa.Column(
        "workspace_id",
        sa.Integer(),
        sa.ForeignKey("workspaces.id", ondelete="CASCADE"),
        nullable=False,
    )


def upgrade() -> None:
    op.create_table(
        "slack_events",
        sa.Column("id", sa.Integer(), primary_key=True),
        _workspace(),
        sa.Column("event_id", sa.String(64), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("workspace_id", "event_id", name="uq_slack_events_event"),
    )
    op.create_index("ix_slack_events_workspace_id", "slack_events", ["workspace_id"])
    op.create_table(
        "slack_shares",
        sa.Column("id", sa.Integer(), primary_key=True),
        _workspace(),
        sa.Column("token", sa.String(40), nullable=False, unique=True),
        sa.Column("message", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_slack_shares_workspace_id", "slack_shares", ["workspace_id"])
    op.create_table(
        "slack_pending",
        sa.Column("id", sa.Integer(), primary_key=True),
        _workspace(),
        sa.Column("team_id", sa.String(64), nullable=False),
        sa.Column("channel", sa.String(64), nullable=False),
        sa.Column("ts", sa.String(32), nullable=True),
        sa.Column("thread_ts", sa.String(32), nullable=True),
        sa.Column("response_url", sa.Text(), nullable=True),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_slack_pending_workspace_id", "slack_pending", ["workspace_id"])
    op.create_index("ix_slack_pending_created_at", "slack_pending", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_slack_pending_created_at", table_name="slack_pending")
    op.drop_index("ix_slack_pending_workspace_id", table_name="slack_pending")
    op.drop_table("slack_pending")
    op.drop_index("ix_slack_shares_workspace_id", table_name="slack_shares")
    op.drop_table("slack_shares")
    op.drop_index("ix_slack_events_workspace_id", table_name="slack_events")
    op.drop_table("slack_events")
