"""Teams' endpoint line in the log: `serve` (which serves POST /api/messages) says once that
the endpoint is in local-testing mode, or that it is on with its app id; `clock` builds the
Teams adapter only to post and says nothing about an endpoint it does not serve."""

from __future__ import annotations

import argparse
import asyncio
import logging
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

import bot.clock
from adapters.server import build_app
from bot import cli
from bot.settings import Settings
from bot.tasks import BackgroundTasks

LOCAL_MODE = "LOCAL TESTING MODE"


def endpoint_lines(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if "/api/messages" in r.getMessage()]


async def serve_once(settings: Settings) -> None:
    """What `persona-bot serve` mounts on 127.0.0.1, started and asked for /healthz."""
    store = cli.open_store(settings)
    deps, core = cli.build_core(settings, store)
    tasks = BackgroundTasks()
    app = build_app(deps, core, cli.build_adapters(settings, core, deps, tasks), tasks)
    async with TestClient(TestServer(app)) as client:
        assert (await client.get("/healthz")).status == 200


async def test_serve_warns_once_about_local_testing_mode(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    await serve_once(Settings(database_url=f"sqlite:///{tmp_path / 'serve.db'}"))
    [line] = endpoint_lines(caplog)
    assert line.levelno == logging.WARNING and LOCAL_MODE in line.getMessage()


async def test_serve_with_an_app_id_says_teams_is_on(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'serve.db'}",
        microsoft_app_id="00000000-0000-0000-0000-000000000001",
        microsoft_app_password="secret",
    )
    await serve_once(settings)
    [line] = endpoint_lines(caplog)
    assert line.levelno == logging.INFO and "Teams is on" in line.getMessage()
    assert LOCAL_MODE not in caplog.text


def test_clock_says_nothing_about_the_endpoint(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`persona-bot clock` as it runs (adapters built and started, the real clock loop),
    with its stop event set from the start instead of waiting for SIGTERM."""
    real_clock = bot.clock.run_clock_async
    platforms: list[str] = []

    async def stopped_at_once(deps: Any, adapters: Any, **kw: Any) -> None:
        platforms.extend(a.platform for a in adapters)
        stop = asyncio.Event()
        stop.set()
        await real_clock(deps, adapters, stop=stop, **kw)

    monkeypatch.setattr(bot.clock, "run_clock_async", stopped_at_once)
    caplog.set_level(logging.INFO)
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'clock.db'}")
    assert cli.cmd_clock(argparse.Namespace(), settings) == 0
    assert "teams" in platforms  # the clock does build Teams, to post
    assert "clock started" in caplog.text and "posting to: teams, web" in caplog.text
    assert endpoint_lines(caplog) == [] and LOCAL_MODE not in caplog.text
