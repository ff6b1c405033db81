"""web playground messages (web_posts)

Revision ID: 0005_web
Revises: 0001_foundation
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_web"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "web_posts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "workspace_id",
            sa.Integer(),
            sa.ForeignKey("workspaces.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("conversation_id", sa.String(64), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(8), nullable=False),
        sa.Column("user_id", sa.String(64), nullable=True),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_web_posts_workspace_id", "web_posts", ["workspace_id"])
    op.create_index(
        "ix_web_posts_conv_seq", "web_posts", ["workspace_id", "conversation_id", "seq"]
    )


def downgrade() -> None:
    op.drop_index("ix_web_posts_conv_seq", table_name="web_posts")
    op.drop_index("ix_web_posts_workspace_id", table_name="web_posts")
    op.drop_table("web_posts")
