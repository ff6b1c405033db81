"""Evidence from exports (issue 13): where each evidence item came from and a content hash
per imported row, so re-importing the same export adds nothing.

- `origin`: who wrote the item. `file` (a persona file), `bot` (a survey's results and
  other evidence the bot wrote) or `import` (`persona-bot evidence import`). A persona-file
  import only replaces `file` evidence; the rest survives unless the file names it for
  removal. Existing rows with bot-written details (survey counts) become `bot`.
- `source_file`, `source_row`: provenance of an imported row (file name, spreadsheet row).
- `content_hash`: unique per persona, so the same row imported twice is stored once.
- `link`: a URL the export gave for the row (a ticket, a dashboard).
- `review`: what an owner said about a suggested link (`unrelated`, `new-line`).
- `personas.relations`: buyer/user relations (`{"buyer_of": ["sam"], "user_of": []}`).
- `profile_lines.kind` widens to 40 characters for journey lines (`consideration-question`).

Revision ID: 0012_evidence_import
Revises: 0001_foundation (a branch of its own, like the other concerns)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_evidence_import"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("evidence") as batch:
        batch.add_column(sa.Column("origin", sa.String(16), nullable=False, server_default="file"))
        batch.add_column(sa.Column("source_file", sa.String(300), nullable=True))
        batch.add_column(sa.Column("source_row", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("content_hash", sa.String(64), nullable=True))
        batch.add_column(sa.Column("link", sa.Text(), nullable=True))
        batch.add_column(sa.Column("review", sa.String(16), nullable=True))
    op.create_index(
        "ux_evidence_persona_hash", "evidence", ["persona_id", "content_hash"], unique=True
    )
    evidence = sa.table("evidence", sa.column("origin", sa.String), sa.column("details", sa.JSON))
    op.execute(evidence.update().where(evidence.c.details.isnot(None)).values(origin="bot"))
    with op.batch_alter_table("profile_lines") as batch:
        batch.alter_column("kind", type_=sa.String(40), existing_type=sa.String(16))
    with op.batch_alter_table("personas") as batch:
        batch.add_column(sa.Column("relations", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("personas") as batch:
        batch.drop_column("relations")
    with op.batch_alter_table("profile_lines") as batch:
        batch.alter_column("kind", type_=sa.String(16), existing_type=sa.String(40))
    op.drop_index("ux_evidence_persona_hash", table_name="evidence")
    with op.batch_alter_table("evidence") as batch:
        for name in ("review", "link", "content_hash", "source_row", "source_file", "origin"):
            batch.drop_column(name)
