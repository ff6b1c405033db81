"""Anonymous surveys keep nothing that links a person to an option: the answers of closed
anonymous surveys are deleted (their counts stay in `surveys.results`), open ones lose their
per-vote times, and the playground's typed `survey vote` lines for them are deleted.

Data only, no schema change. Not reversible (that is the point): downgrade does nothing.

Revision ID: 0010_anonymous_answers
Revises: 0009_survey_closed_index
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from alembic import op

revision = "0010_anonymous_answers"
down_revision = "0009_survey_closed_index"
branch_labels = None
depends_on = None

VOTE = re.compile(r"^\s*(?:/?persona\s+)?survey\s+vote\s+#?(\d+)\b", re.IGNORECASE)

surveys = sa.table(
    "surveys",
    sa.column("id", sa.Integer),
    sa.column("workspace_id", sa.Integer),
    sa.column("anonymous", sa.Boolean),
    sa.column("status", sa.String),
    sa.column("created_at", sa.DateTime(timezone=True)),
    sa.column("results", sa.JSON),
)
answers = sa.table(
    "survey_answers",
    sa.column("survey_id", sa.Integer),
    sa.column("answered_at", sa.DateTime(timezone=True)),
    sa.column("changed_at", sa.DateTime(timezone=True)),
)
posts = sa.table(
    "web_posts",
    sa.column("id", sa.Integer),
    sa.column("workspace_id", sa.Integer),
    sa.column("role", sa.String),
    sa.column("body", sa.JSON),
)


def upgrade() -> None:
    conn = op.get_bind()
    rows = conn.execute(
        sa.select(
            surveys.c.id, surveys.c.workspace_id, surveys.c.status, surveys.c.created_at,
            surveys.c.results,
        ).where(surveys.c.anonymous.is_(True))
    ).all()  # fmt: skip
    for sid, _ws, status, created, results in rows:
        if status == "closed" and results is not None:
            conn.execute(sa.delete(answers).where(answers.c.survey_id == sid))
        else:
            conn.execute(
                sa.update(answers)
                .where(answers.c.survey_id == sid)
                .values(answered_at=created, changed_at=None)
            )
    anonymous = {(ws, sid) for sid, ws, *_ in rows}
    if not anonymous or "web_posts" not in sa.inspect(conn).get_table_names():
        return  # (the playground's branch, 0005_web, may come later: nothing to clean)
    typed = conn.execute(
        sa.select(posts.c.id, posts.c.workspace_id, posts.c.body).where(posts.c.role == "user")
    ).all()
    for post_id, ws, body in typed:
        m = VOTE.match(str((body or {}).get("text", "")))
        if m and (ws, int(m.group(1))) in anonymous:
            conn.execute(sa.delete(posts).where(posts.c.id == post_id))


def downgrade() -> None:
    pass
