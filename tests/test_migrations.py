"""Alembic migrations build exactly the schema the models declare, on SQLite and PostgreSQL,
from an empty database, twice in a row, from two processes at once, on a database that
create_all made before migrations existed, and on one holding deliveries from before 0008."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect, text

from persona_store import create_engine_for, session_factory
from persona_store.migrate import alembic_config, current_revisions, head_revisions, upgrade
from persona_store.models_all import Base
from persona_store.scheduling.schedules import DeliveryStore
from tests.conftest import PG_ADMIN

FOUNDATION = {
    "workspaces",
    "workspace_links",
    "personas",
    "profile_lines",
    "owners",
    "evidence",
    "persona_revisions",
}


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database nobody has touched (a new PostgreSQL database per test)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    name = f"pb_mig_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    yield f"{PG_ADMIN.rsplit('/', 1)[0]}/{name}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _diff(engine: Engine) -> list:
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(ctx, Base.metadata)


def test_foundation_revision_creates_the_foundation_tables() -> None:
    script = alembic_config()
    from alembic.script import ScriptDirectory

    scripts = ScriptDirectory.from_config(script)
    base = scripts.get_revision("0001_foundation")
    assert base is not None and base.down_revision is None
    assert scripts.get_bases() == ["0001_foundation"]  # every branch grows from it
    assert set(Base.metadata.tables) >= FOUNDATION


def test_migrations_match_the_models(empty_url: str) -> None:
    engine = create_engine_for(empty_url)
    try:
        upgrade(engine)
        assert _diff(engine) == []
        assert current_revisions(engine) == head_revisions()
        assert set(inspect(engine).get_table_names()) >= FOUNDATION
    finally:
        engine.dispose()


def test_upgrade_twice_is_a_no_op_and_keeps_data(empty_url: str) -> None:
    upgrade(empty_url)  # a URL works as well as an engine
    engine = create_engine_for(empty_url)
    try:
        with engine.begin() as conn:
            conn.execute(
                text("INSERT INTO workspaces (key, name, created_at) VALUES ('k', 'n', :t)"),
                {"t": "2026-01-01T00:00:00+00:00"},
            )
        upgrade(engine)
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM workspaces")).scalar() == 1
    finally:
        engine.dispose()


def test_two_processes_upgrading_at_once_both_succeed(empty_url: str) -> None:
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def run() -> None:
        engine = create_engine_for(empty_url)  # own engine: like a separate process
        try:
            start.wait()
            upgrade(engine)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            engine.dispose()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    engine = create_engine_for(empty_url)
    try:
        assert _diff(engine) == []
        with engine.connect() as conn:
            heads = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
        assert sorted(heads) == sorted(head_revisions())  # recorded once each
    finally:
        engine.dispose()


def test_downgrade_to_base_and_up_again(empty_url: str) -> None:
    engine = create_engine_for(empty_url)
    try:
        upgrade(engine)
        cfg = alembic_config()
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "base")
        assert not FOUNDATION & set(inspect(engine).get_table_names())
        upgrade(engine)
        assert _diff(engine) == []
    finally:
        engine.dispose()


def test_a_create_all_database_is_adopted(empty_url: str) -> None:
    """Databases made before migrations existed are completed and stamped, not recreated."""
    engine = create_engine_for(empty_url)
    try:
        Base.metadata.create_all(engine, tables=[Base.metadata.tables[n] for n in FOUNDATION])
        with engine.begin() as conn:
            conn.execute(
                text("INSERT INTO workspaces (key, name, created_at) VALUES ('k', 'n', :t)"),
                {"t": "2026-01-01T00:00:00+00:00"},
            )
        upgrade(engine)
        assert _diff(engine) == []
        assert current_revisions(engine) == head_revisions()
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM workspaces")).scalar() == 1
    finally:
        engine.dispose()


def test_delivery_claims_upgrade_keeps_deliveries(empty_url: str) -> None:
    """0008 on a database already in use (every other head applied, deliveries recorded):
    the rows stay, and each gets its first claim time (created_at) as claimed_at."""
    cfg = alembic_config()
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(cfg)

    def after_0008(head: str) -> bool:  # heads added later on 0008's branch (0010, 0011…)
        return any(
            r.revision == "0008_delivery_claims" for r in script.iterate_revisions(head, "base")
        )

    before = {h for h in head_revisions() if not after_0008(h)} | {"0002_scheduling"}
    engine = create_engine_for(empty_url)
    try:
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            for revision in sorted(before):
                command.upgrade(cfg, revision)
        assert current_revisions(engine) == before
        with engine.begin() as conn:
            for i, status in enumerate(("sent", "sending", "failed")):
                conn.execute(
                    text(
                        "INSERT INTO deliveries (kind, target, period, status, attempts, "
                        "created_at) VALUES ('digest', :target, '2026-W48', :status, 1, :t)"
                    ),
                    {"target": f"web:local:C{i}", "status": status,
                     "t": datetime(2026, 11, 23, 8, i, tzinfo=UTC)},
                )  # fmt: skip
        upgrade(engine)
        assert current_revisions(engine) == head_revisions()
        assert _diff(engine) == []
        with engine.connect() as conn:
            rows = conn.execute(
                text("SELECT target, status, created_at, claimed_at FROM deliveries ORDER BY id")
            ).all()
        assert [(r.target, r.status) for r in rows] == [
            ("web:local:C0", "sent"), ("web:local:C1", "sending"), ("web:local:C2", "failed"),
        ]  # fmt: skip
        assert all(r.claimed_at == r.created_at and r.claimed_at is not None for r in rows)
        # Claims work on the upgraded rows: the old 'sending' one is stale and taken over.
        deliveries = DeliveryStore(session_factory(engine))
        later = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
        assert deliveries.claim("digest", "web:local:C1", "2026-W48", now=later).state == "resumed"
        assert not deliveries.claim("digest", "web:local:C0", "2026-W48", now=later)
    finally:
        engine.dispose()
