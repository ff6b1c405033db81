"""A black-holed PostgreSQL (a listener that accepts and never answers, as DATABASE_URL) over
real HTTP: /healthz answers within its budget and says only "unavailable"; other pages fail
after the connect timeout instead of hanging."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator

import pytest
from aiohttp.test_utils import TestClient, TestServer

from adapters.server import build_app
from adapters.web.app import WebAdapter
from bot.commands import Core, Registry
from persona_store import Store, create_engine_for, session_factory
from tests.conftest import make_deps
from tests.fakes.black_hole import black_hole
from tests.test_features import ScriptedAnswerer


@pytest.fixture
def black_holed_url() -> Iterator[str]:
    with black_hole() as port:
        yield f"postgresql://bot:secret@127.0.0.1:{port}/personas_prod"


def _client(url: str) -> TestClient:
    engine = create_engine_for(url)
    deps = make_deps(Store(session_factory(engine)), ScriptedAnswerer(), database_url=url)
    core = Core(deps, Registry())
    return TestClient(TestServer(build_app(deps, core, [WebAdapter(core, deps)])))


async def test_healthz_answers_in_time_while_the_database_is_black_holed(
    black_holed_url: str,
) -> None:
    async with _client(black_holed_url) as client:
        for _ in range(3):  # repeated probes neither queue up nor wait longer
            resp = await asyncio.wait_for(client.get("/healthz"), 10)
            body = await resp.json()
            assert resp.status == 503
            assert body["database"]["ok"] is False
            assert body["database"]["detail"] == "unavailable"
            assert "127.0.0.1" not in await resp.text() and "personas_prod" not in await resp.text()


async def test_healthz_never_shows_the_database_error(tmp_path, caplog) -> None:  # type: ignore[no-untyped-def]
    engine = create_engine_for(f"sqlite:///{tmp_path}/missing-dir/secret-name.db")
    deps = make_deps(Store(session_factory(engine)), ScriptedAnswerer())
    caplog.set_level(logging.WARNING)
    async with TestClient(TestServer(build_app(deps, Core(deps, Registry()), []))) as client:
        resp = await client.get("/healthz")
        text = await resp.text()
    assert resp.status == 503
    assert (await resp.json())["database"]["detail"] == "unavailable"
    assert "OperationalError" not in text and "secret-name" not in text
    assert any("OperationalError" in r.getMessage() for r in caplog.records)  # logged instead


async def test_a_page_fails_after_the_connect_timeout_instead_of_hanging(
    black_holed_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    async with _client(black_holed_url) as client:
        resp = await asyncio.wait_for(client.get("/personas"), 30)
        assert resp.status == 503
        assert "database is unavailable" in await resp.text()
    assert not [r for r in caplog.records if r.exc_info], "no traceback"


def test_postgres_sessions_have_a_statement_timeout(pg_database: str) -> None:
    """A query the server sits on (a lock, a runaway plan) ends instead of holding a thread
    of the bounded database pool for ever."""
    engine = create_engine_for(pg_database)
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SHOW statement_timeout").scalar() == "30s"
    finally:
        engine.dispose()
