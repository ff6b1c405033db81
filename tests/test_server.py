"""The aiohttp application: /healthz with a real database check, background task draining."""

from __future__ import annotations

import asyncio

from aiohttp.test_utils import TestClient, TestServer

from adapters.server import build_app
from bot.commands import Core, Registry
from bot.settings import Settings, normalise_database_url
from bot.tasks import BackgroundTasks
from persona_store import Store
from tests.conftest import make_deps
from tests.test_features import ScriptedAnswerer


async def test_healthz_reports_database(store: Store) -> None:
    deps = make_deps(store, ScriptedAnswerer())
    app = build_app(deps, Core(deps, Registry()), [])
    async with TestClient(TestServer(app)) as client:
        resp = await client.get("/healthz")
        body = await resp.json()
    assert resp.status == 200
    assert body["status"] == "ok" and body["database"]["ok"] is True


async def test_background_tasks_are_drained_and_failures_logged(caplog) -> None:  # type: ignore[no-untyped-def]
    tasks = BackgroundTasks()
    done: list[str] = []

    async def slow() -> None:
        await asyncio.sleep(0.05)
        done.append("slow")

    async def broken() -> None:
        raise RuntimeError("boom")

    tasks.spawn(slow(), name="slow")
    tasks.spawn(broken(), name="broken")
    await tasks.drain(timeout=5)
    assert done == ["slow"]
    assert len(tasks) == 0
    assert any("broken" in r.getMessage() for r in caplog.records)


def test_database_url_normalisation() -> None:
    assert normalise_database_url("postgres://u:p@h/db") == "postgresql+psycopg://u:p@h/db"
    assert normalise_database_url("postgresql://h/db") == "postgresql+psycopg://h/db"
    assert normalise_database_url("sqlite:///x.db") == "sqlite:///x.db"


def test_settings_from_env() -> None:
    s = Settings.from_env(
        {"DATABASE_URL": "postgres://h/db", "PORT": "8080", "OPENAI_BASE_URL": "http://l/v1"}
    )
    assert s.database_url.startswith("postgresql+psycopg://")
    assert s.port == 8080 and s.llm_enabled and not s.slack_enabled
    assert Settings.from_env({}).database_url == "sqlite:///personabot.db"
