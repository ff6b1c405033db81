"""The gap loop: `gaps` (questions a persona could not answer, grouped, and how each was
closed) and `question_tallies` (answered vs gap questions per persona and quarter; counts
only, no askers).

Revision ID: 0011_gaps
Revises: 0010_anonymous_answers
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_gaps"
down_revision = "0010_anonymous_answers"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "gaps",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "workspace_id",
            sa.Integer(),
            sa.ForeignKey("workspaces.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "persona_id",
            sa.Integer(),
            sa.ForeignKey("personas.id", ondelete="CASCADE"),
            nullable=False,
        ),  # fmt: skip
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("topic", sa.String(80), nullable=False),
        sa.Column("terms", sa.String(500), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("first_asked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_asked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column(
            "survey_id",
            sa.Integer(),
            sa.ForeignKey("surveys.id", ondelete="SET NULL"),
            nullable=True,
        ),  # fmt: skip
        sa.Column(
            "evidence_id",
            sa.Integer(),
            sa.ForeignKey("evidence.id", ondelete="SET NULL"),
            nullable=True,
        ),  # fmt: skip
        sa.Column("survey_owed", sa.Boolean(), nullable=False),
        sa.Column("line_key", sa.String(32), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sa.String(200), nullable=True),
        sa.UniqueConstraint("persona_id", "number"),
    )
    op.create_index("ix_gaps_workspace_id", "gaps", ["workspace_id"])
    op.create_index("ix_gaps_persona_status", "gaps", ["persona_id", "status"])
    op.create_table(
        "question_tallies",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "workspace_id",
            sa.Integer(),
            sa.ForeignKey("workspaces.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "persona_id",
            sa.Integer(),
            sa.ForeignKey("personas.id", ondelete="CASCADE"),
            nullable=False,
        ),  # fmt: skip
        sa.Column("quarter", sa.String(7), nullable=False),
        sa.Column("answered", sa.Integer(), nullable=False),
        sa.Column("gaps", sa.Integer(), nullable=False),
        sa.UniqueConstraint("persona_id", "quarter"),
    )
    op.create_index("ix_question_tallies_workspace_id", "question_tallies", ["workspace_id"])


def downgrade() -> None:
    op.drop_index("ix_question_tallies_workspace_id", table_name="question_tallies")
    op.drop_table("question_tallies")
    op.drop_index("ix_gaps_persona_status", table_name="gaps")
    op.drop_index("ix_gaps_workspace_id", table_name="gaps")
    op.drop_table("gaps")
