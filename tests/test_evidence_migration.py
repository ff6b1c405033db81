"""0012_evidence_import on a database in use (SQLite and PostgreSQL): evidence rows written
before it keep their data; those with bot-written details (survey counts) become `bot`
evidence, the rest `file`; the schema then equals the models."""

from __future__ import annotations

from alembic import command
from sqlalchemy import text

from persona_store import create_engine_for
from persona_store.migrate import alembic_config, current_revisions, head_revisions, upgrade
from tests.test_migrations import _diff, empty_url  # noqa: F401 (fixture)


def test_existing_evidence_gets_its_origin(empty_url: str) -> None:  # noqa: F811
    cfg = alembic_config()
    before = head_revisions() - {"0012_evidence_import"}
    engine = create_engine_for(empty_url)
    try:
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            for revision in sorted(before):
                command.upgrade(cfg, revision)
        assert current_revisions(engine) == before
        t = "2026-01-01T00:00:00+00:00"
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO workspaces (id, key, name, created_at) "
                    "VALUES (1, 'default', 'd', :t)"
                ),
                {"t": t},
            )
            conn.execute(
                text(
                    "INSERT INTO personas (id, workspace_id, slug, name, kind, role, summary, "
                    "quote, segment, review_every_days, version, created_at, updated_at) "
                    "VALUES (1, 1, 'maya', 'Maya', 'primary', '', '', '', '', 90, 1, :t, :t)"
                ),
                {"t": t},
            )
            for summary, details in (("typed", None), ("survey", '{"counts": [3, 1]}')):
                conn.execute(
                    text(
                        "INSERT INTO evidence (persona_id, source, summary, details, "
                        "created_at) VALUES (1, 'survey', :s, :d, :t)"
                    ),
                    {"s": summary, "d": details, "t": t},
                )
        upgrade(engine)
        assert current_revisions(engine) == head_revisions()
        assert _diff(engine) == []
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT summary, origin FROM evidence ORDER BY id")).all()
        assert [tuple(r) for r in rows] == [("typed", "file"), ("survey", "bot")]
    finally:
        engine.dispose()
