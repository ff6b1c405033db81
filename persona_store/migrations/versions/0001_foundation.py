"""Foundation: workspaces, workspace_links, personas, profile_lines, owners, evidence,
persona_revisions

Revision ID: 0001_foundation
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_foundation"
down_revision = None
branch_labels = None
depends_on = None


def _id() -> sa.Column:
    return sa.Column("id", sa.Integer(), primary_key=True)


def _persona_fk() -> sa.Column:
    return sa.Column(
        "persona_id",
        sa.Integer(),
        sa.ForeignKey("personas.id", ondelete="CASCADE"),
        nullable=False,
    )


def _ts(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "workspaces",
        _id(),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("admin_channel", sa.String(200), nullable=True),
        _ts("created_at"),
        sa.UniqueConstraint("key"),
    )
    op.create_table(
        "workspace_links",
        _id(),
        sa.Column(
            "workspace_id",
            sa.Integer(),
            sa.ForeignKey("workspaces.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("external_id", sa.String(128), nullable=False),
        sa.UniqueConstraint("platform", "external_id"),
    )
    op.create_table(
        "personas",
        _id(),
        sa.Column(
            "workspace_id",
            sa.Integer(),
            sa.ForeignKey("workspaces.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("slug", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("role", sa.Text(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("photo_url", sa.Text(), nullable=True),
        sa.Column("quote", sa.Text(), nullable=False),
        sa.Column("segment", sa.String(200), nullable=False),
        sa.Column("review_every_days", sa.Integer(), nullable=False),
        _ts("last_reviewed_at", nullable=True),
        sa.Column("home_channel", sa.String(200), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        _ts("created_at"),
        _ts("updated_at"),
        sa.UniqueConstraint("workspace_id", "slug"),
    )
    op.create_index("ix_personas_workspace_id", "personas", ["workspace_id"])
    op.create_table(
        "profile_lines",
        _id(),
        _persona_fk(),
        sa.Column("key", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.UniqueConstraint("persona_id", "key"),
    )
    op.create_index("ix_profile_lines_persona_id", "profile_lines", ["persona_id"])
    op.create_table(
        "owners",
        _id(),
        _persona_fk(),
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("user_id", sa.String(200), nullable=False),
        sa.UniqueConstraint("persona_id", "platform", "user_id"),
    )
    op.create_index("ix_owners_persona_id", "owners", ["persona_id"])
    op.create_table(
        "evidence",
        _id(),
        _persona_fk(),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=True),
        sa.Column("collected_at", sa.Date(), nullable=True),
        sa.Column(
            "line_id",
            sa.Integer(),
            sa.ForeignKey("profile_lines.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("details", sa.JSON(), nullable=True),
        _ts("created_at"),
    )
    op.create_index("ix_evidence_persona_id", "evidence", ["persona_id"])
    op.create_table(
        "persona_revisions",
        _id(),
        _persona_fk(),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("snapshot", sa.JSON(), nullable=False),
        sa.Column("author", sa.String(200), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        _ts("created_at"),
    )
    op.create_index("ix_persona_revisions_persona_id", "persona_revisions", ["persona_id"])


def downgrade() -> None:
    for table in (
        "persona_revisions",
        "evidence",
        "owners",
        "profile_lines",
        "personas",
        "workspace_links",
        "workspaces",
    ):
        op.drop_table(table)
