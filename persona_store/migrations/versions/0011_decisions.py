"""The decision log: answer records, consultations, decisions, the personas they considered
and their revisions

Revision ID: 0011_decisions
Revises: 0010_anonymous_answers
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_decisions"
down_revision = "0010_anonymous_answers"
branch_labels = None
depends_on = None


def WORKSPACE() -> sa.ForeignKey:  # noqa: N802 (reads like the constant it stands for)
    return sa.ForeignKey("workspaces.id", ondelete="CASCADE")


def PERSONA() -> sa.ForeignKey:  # noqa: N802
    return sa.ForeignKey("personas.id", ondelete="CASCADE")


WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "answer_records",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("workspace_id", sa.Integer(), WORKSPACE(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("personas", sa.JSON(), nullable=False),
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("conversation_id", sa.String(200), nullable=False),
        sa.Column("thread_id", sa.String(200), nullable=True),
        sa.Column("created_at", WHEN, nullable=False),
    )
    op.create_index("ix_answer_records_workspace_id", "answer_records", ["workspace_id"])
    op.create_index("ix_answer_records_created_at", "answer_records", ["created_at"])
    op.create_index(
        "ix_answer_records_thread",
        "answer_records",
        ["workspace_id", "conversation_id", "thread_id"],
    )
    op.create_table(
        "consultations",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("workspace_id", sa.Integer(), WORKSPACE(), nullable=False),
        sa.Column("persona_id", sa.Integer(), PERSONA(), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
    )
    op.create_index("ix_consultations_workspace_id", "consultations", ["workspace_id"])
    op.create_index("ix_consultations_persona", "consultations", ["persona_id", "created_at"])
    op.create_table(
        "decisions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("workspace_id", sa.Integer(), WORKSPACE(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(200), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("link", sa.Text(), nullable=True),
        sa.Column("author", sa.String(200), nullable=False),
        sa.Column("author_name", sa.String(200), nullable=False),
        sa.Column(
            "answer_id",
            sa.Integer(),
            sa.ForeignKey("answer_records.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("personas", sa.JSON(), nullable=False),
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("conversation_id", sa.String(200), nullable=False),
        sa.Column("message_id", sa.String(200), nullable=True),
        sa.Column("permalink", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
        sa.UniqueConstraint("workspace_id", "number"),
    )
    op.create_index("ix_decisions_workspace_id", "decisions", ["workspace_id"])
    op.create_table(
        "decision_personas",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "decision_id",
            sa.Integer(),
            sa.ForeignKey("decisions.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("persona_id", sa.Integer(), PERSONA(), nullable=False),
        sa.UniqueConstraint("decision_id", "persona_id"),
    )
    op.create_index("ix_decision_personas_decision_id", "decision_personas", ["decision_id"])
    op.create_index("ix_decision_personas_persona_id", "decision_personas", ["persona_id"])
    op.create_table(
        "decision_revisions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "decision_id",
            sa.Integer(),
            sa.ForeignKey("decisions.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("snapshot", sa.JSON(), nullable=False),
        sa.Column("author", sa.String(200), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
    )
    op.create_index("ix_decision_revisions_decision_id", "decision_revisions", ["decision_id"])


def downgrade() -> None:
    op.drop_table("decision_revisions")
    op.drop_table("decision_personas")
    op.drop_table("decisions")
    op.drop_table("consultations")
    op.drop_table("answer_records")
