"""Scheduling and micro-surveys: surveys, survey_answers, digest_subscriptions, deliveries,
digest_features, review_states

Revision ID: 0002_scheduling
Revises: 0001_foundation
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_scheduling"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None


def _ts(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "surveys",
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
        sa.Column("line_key", sa.String(32), nullable=True),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("anonymous", sa.Boolean(), nullable=False),
        sa.Column("salt", sa.String(64), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        _ts("created_at", False),
        _ts("closes_at"),
        _ts("closed_at"),
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("ext_workspace", sa.String(128), nullable=False),
        sa.Column("conversation_id", sa.String(200), nullable=False),
        sa.Column("thread_id", sa.String(200), nullable=True),
        sa.Column("service_url", sa.Text(), nullable=True),
        sa.Column("message_id", sa.String(200), nullable=True),
        sa.Column("tally_dirty", sa.Boolean(), nullable=False),
        _ts("tally_updated_at"),
        sa.Column("prediction", sa.Integer(), nullable=True),
        sa.Column("prediction_correct", sa.Boolean(), nullable=True),
        sa.Column("results", sa.JSON(), nullable=True),
        sa.Column("evidence_id", sa.Integer(), nullable=True),
    )
    op.create_index("ix_surveys_workspace_id", "surveys", ["workspace_id"])
    op.create_index("ix_surveys_persona_id", "surveys", ["persona_id"])
    op.create_index("ix_surveys_closes_at", "surveys", ["closes_at"])
    op.create_index("ix_surveys_tally_dirty", "surveys", ["tally_dirty"])

    op.create_table(
        "survey_answers",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "survey_id",
            sa.Integer(),
            sa.ForeignKey("surveys.id", ondelete="CASCADE"),
            nullable=False,
        ),  # fmt: skip
        sa.Column("voter_key", sa.String(200), nullable=False),
        sa.Column("option", sa.Integer(), nullable=False),
        _ts("answered_at", False),
        _ts("changed_at"),
        sa.UniqueConstraint("survey_id", "voter_key"),
    )
    op.create_index("ix_survey_answers_survey_id", "survey_answers", ["survey_id"])

    op.create_table(
        "digest_subscriptions",
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
        sa.Column("thread_id", sa.String(200), nullable=True),
        sa.Column("service_url", sa.Text(), nullable=True),
        sa.Column("cron", sa.String(100), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("include_negative", sa.Boolean(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("disabled_reason", sa.Text(), nullable=True),
        _ts("next_run_at"),
        _ts("last_run_at"),
        sa.Column("created_by", sa.String(200), nullable=False),
        _ts("created_at", False),
        sa.UniqueConstraint("workspace_id", "platform", "conversation_id"),
    )
    op.create_index(
        "ix_digest_subscriptions_workspace_id", "digest_subscriptions", ["workspace_id"]
    )
    op.create_index("ix_digest_due", "digest_subscriptions", ["enabled", "next_run_at"])

    op.create_table(
        "deliveries",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("target", sa.String(200), nullable=False),
        sa.Column("period", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.String(200), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        _ts("created_at", False),
        sa.UniqueConstraint("kind", "target", "period"),
    )

    op.create_table(
        "digest_features",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "subscription_id",
            sa.Integer(),
            sa.ForeignKey("digest_subscriptions.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "persona_id",
            sa.Integer(),
            sa.ForeignKey("personas.id", ondelete="CASCADE"),
            nullable=False,
        ),  # fmt: skip
        _ts("featured_at", False),
        sa.Column("times", sa.Integer(), nullable=False),
        sa.UniqueConstraint("subscription_id", "persona_id"),
    )
    op.create_index("ix_digest_features_subscription_id", "digest_features", ["subscription_id"])

    op.create_table(
        "review_states",
        sa.Column(
            "persona_id",
            sa.Integer(),
            sa.ForeignKey("personas.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        _ts("snoozed_until"),
        sa.Column("needs_update", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("review_states")
    op.drop_index("ix_digest_features_subscription_id", table_name="digest_features")
    op.drop_table("digest_features")
    op.drop_table("deliveries")
    op.drop_index("ix_digest_due", table_name="digest_subscriptions")
    op.drop_index("ix_digest_subscriptions_workspace_id", table_name="digest_subscriptions")
    op.drop_table("digest_subscriptions")
    op.drop_index("ix_survey_answers_survey_id", table_name="survey_answers")
    op.drop_table("survey_answers")
    for name in ("tally_dirty", "closes_at", "persona_id", "workspace_id"):
        op.drop_index(f"ix_surveys_{name}", table_name="surveys")
    op.drop_table("surveys")
