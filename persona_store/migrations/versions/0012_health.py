"""Customer's-voice surveys: open-text surveys (surveys.open_text, their answers in
survey_texts), recurring surveys (surveys.every, surveys.series_id) and the opt-in to one
reminder per survey (survey_nudge_optins). Line health itself is computed, not stored.

Revision ID: 0012_health
Revises: 0011_decisions
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_health"
down_revision = "0011_decisions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ALTER TABLE (no batch copy of `surveys`: on SQLite dropping the old copy would
    # cascade to the survey answers).
    op.add_column(
        "surveys", sa.Column("open_text", sa.Boolean(), nullable=False, server_default=sa.false())
    )
    op.add_column("surveys", sa.Column("every", sa.String(16), nullable=True))
    op.add_column("surveys", sa.Column("series_id", sa.Integer(), nullable=True))
    op.create_index("ix_surveys_series_id", "surveys", ["series_id"])
    op.create_table(
        "survey_texts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "survey_id",
            sa.Integer(),
            sa.ForeignKey("surveys.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("voter_key", sa.String(200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("survey_id", "voter_key"),
    )
    op.create_index("ix_survey_texts_survey_id", "survey_texts", ["survey_id"])
    op.create_table(
        "survey_nudge_optins",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "workspace_id",
            sa.Integer(),
            sa.ForeignKey("workspaces.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("ext_workspace", sa.String(128), nullable=False),
        sa.Column("conversation_id", sa.String(200), nullable=False),
        sa.Column("user_id", sa.String(200), nullable=False),
        sa.Column("service_url", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("workspace_id", "platform", "conversation_id", "user_id"),
    )
    op.create_index("ix_survey_nudge_optins_workspace_id", "survey_nudge_optins", ["workspace_id"])


def downgrade() -> None:
    op.drop_index("ix_survey_nudge_optins_workspace_id", table_name="survey_nudge_optins")
    op.drop_table("survey_nudge_optins")
    op.drop_index("ix_survey_texts_survey_id", table_name="survey_texts")
    op.drop_table("survey_texts")
    op.drop_index("ix_surveys_series_id", table_name="surveys")
    for column in ("series_id", "every", "open_text"):  # SQLite >= 3.35 drops in place
        op.drop_column("surveys", column)
