"""Teams conversation references on SQLite and PostgreSQL, and migration 0004_teams matching
the model."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from alembic.migration import MigrationContext
from alembic.operations import Operations
from sqlalchemy import inspect

from persona_store import Store, create_engine_for, models
from persona_store.platforms.teams import TeamsConversation, TeamsStore

MIGRATION = Path(__file__).parents[1] / "persona_store/migrations/versions/0004_teams.py"


def _save(refs: TeamsStore, ws: int, conv: str, **extra: object) -> None:
    data: dict = {
        "tenant_id": "tenant-1",
        "conversation_id": conv,
        "service_url": "https://smba.trafficmanager.net/emea/",
        "reference": {"conversation": {"id": conv}},
        "conversation_type": "personal",
        **extra,
    }
    refs.save(ws, **data)


def test_save_update_deactivate_and_reactivate(store: Store) -> None:
    refs = TeamsStore.of(store)
    ws = store.workspace_id("teams", "tenant-1")
    _save(refs, ws, "a:1", user_id="29:alice", bot_id="28:bot")
    _save(refs, ws, "a:1", service_url="https://smba.trafficmanager.net/amer/")
    ref = refs.get(ws, "a:1")
    assert ref is not None and ref.active
    assert ref.service_url.endswith("/amer/") and ref.user_id == "29:alice"  # kept
    assert refs.personal_for_user(ws, "29:alice") == ref
    assert refs.any_service_url(ws, "tenant-1") == ref.service_url
    assert refs.deactivate(ws, "a:1", "MessageWritesBlocked")
    ref = refs.get(ws, "a:1")
    assert ref is not None and not ref.active and ref.inactive_reason == "MessageWritesBlocked"
    assert refs.active(ws) == []
    _save(refs, ws, "a:1", reactivate=False)
    assert not refs.get(ws, "a:1").active  # type: ignore[union-attr]
    _save(refs, ws, "a:1")
    assert refs.get(ws, "a:1").active  # type: ignore[union-attr]
    assert not refs.deactivate(ws, "a:unknown", "uninstalled")


def test_deactivating_a_channel_covers_its_threads(store: Store) -> None:
    refs = TeamsStore.of(store)
    ws = store.workspace_id("teams", "tenant-1")
    channel = "19:general_x@thread.tacv2"
    _save(refs, ws, channel, conversation_type="channel")
    _save(refs, ws, channel + ";messageid=17", conversation_type="channel")
    _save(refs, ws, "19:general%x@thread.tacv2", conversation_type="channel")  # LIKE-safe
    assert refs.deactivate(ws, channel, "uninstalled")
    assert [r.conversation_id for r in refs.active(ws)] == ["19:general%x@thread.tacv2"]


def test_references_are_scoped_by_workspace(store: Store) -> None:
    refs = TeamsStore.of(store)
    first = store.workspace_id("teams", "tenant-1")
    other = store.workspace_id("teams", "tenant-2")
    assert first != other
    _save(refs, first, "19:channel@thread.tacv2", conversation_type="channel")
    assert refs.get(other, "19:channel@thread.tacv2") is None
    assert [r.conversation_id for r in refs.active(first)] == ["19:channel@thread.tacv2"]
    assert refs.active(other) == []


def test_migration_matches_model(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("m0004", MIGRATION)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.revision == "0004_teams" and module.down_revision == "0001_foundation"
    engine = create_engine_for(f"sqlite:///{tmp_path / 'm.db'}")
    models.Base.metadata.create_all(
        engine,
        tables=[models.Workspace.__table__],  # type: ignore[list-item]
    )
    with engine.begin() as conn:
        module.op = Operations(MigrationContext.configure(conn))
        module.upgrade()
    columns = {c["name"] for c in inspect(engine).get_columns("teams_conversations")}
    assert columns == {c.name for c in TeamsConversation.__table__.columns}
    with engine.begin() as conn:
        module.op = Operations(MigrationContext.configure(conn))
        module.downgrade()
    assert "teams_conversations" not in inspect(engine).get_table_names()
