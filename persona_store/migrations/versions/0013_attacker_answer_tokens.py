"""Answer records get a random key (answer_records.token) that their "Log decision" button
carries, so a guessed or forged record id attaches nothing (and shows nothing of an answer
given in another conversation). Older records have none.

Revision ID: 0013_attacker_answer_tokens
Revises: 0012_health
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013_attacker_answer_tokens"
down_revision = "0012_health"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("answer_records", sa.Column("token", sa.String(32), nullable=True))


def downgrade() -> None:
    # plain ALTER TABLE (a batch copy of answer_records would touch decisions' links to it)
    op.drop_column("answer_records", "token")
