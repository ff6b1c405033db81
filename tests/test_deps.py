"""Deps: the workspace of a chat workspace is looked up once a minute, and a cached one is
answered on the event loop without the database pool."""

from __future__ import annotations

import pytest

from bot.deps import db_workers
from persona_store import Store
from tests.conftest import make_deps


async def test_cached_workspace_needs_no_pool(sqlite_store: Store) -> None:
    deps = make_deps(sqlite_store)
    first = await deps.workspace("teams", "tenant-1")
    assert first == sqlite_store.workspace_id("teams", "tenant-1")
    deps.executor.shutdown()  # from here on, any trip through the pool fails
    assert await deps.workspace("teams", "tenant-1") == first
    assert deps.workspace_id("teams", "tenant-1") == first
    deps.workspace_cache_seconds = 0
    deps._workspace_cache.clear()
    with pytest.raises(RuntimeError, match="shutdown"):
        await deps.workspace("teams", "tenant-1")  # expired: asks the database again


def test_database_threads_suit_the_database() -> None:
    assert db_workers("sqlite:///personabot.db") == 4
    assert db_workers("postgres://u@db/app") == db_workers("postgresql+psycopg://u@db/app") == 8


async def test_deps_pool_is_sized_for_its_database(sqlite_store: Store) -> None:
    deps = make_deps(sqlite_store, database_url="sqlite:///x.db")
    assert deps.executor._max_workers == 4
    deps.executor.shutdown()
