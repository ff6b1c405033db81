"""The whole Slack set-up for adapter tests: the real aiohttp app (build_app) with the
SlackAdapter on 127.0.0.1, a fake Slack Web API on 127.0.0.1, and a signing fake Slack."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import aiohttp
from aiohttp.test_utils import TestServer

from adapters.server import build_app
from adapters.slack.app import SlackAdapter
from bot.commands import Core
from bot.features import build_registry
from bot.tasks import BackgroundTasks
from persona_store import Store
from persona_store.personas.spec import PersonaSpec
from tests.conftest import make_deps
from tests.fakes.slack_api import FakeSlack, FakeSlackApi

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
TOKEN = "xoxb-0000-test"


@dataclass
class SlackEnv:
    api: FakeSlackApi
    slack: FakeSlack
    adapter: SlackAdapter
    tasks: BackgroundTasks
    store: Store
    answerer: Any

    async def settle(self, timeout: float = 10.0) -> None:
        """Wait for the bot's background work (answers after the ack) to finish."""
        await asyncio.wait_for(self.tasks.drain(timeout=timeout), timeout + 1)


def add_persona(store: Store, name: str, **data: Any) -> None:
    spec = {"name": name, "role": f"{name}'s role", **data}
    spec.setdefault("pains", ["Budget is approved once a year"])
    store.upsert(store.default_workspace_id(), PersonaSpec.from_dict(spec), author="test")


async def slack_env(
    store: Store, answerer: Any, *, web: bool = False, **settings: Any
) -> AsyncIterator[SlackEnv]:
    """`web`: the playground and gallery are mounted too (what the same process shows)."""
    api = await FakeSlackApi().start()
    config = {
        "slack_signing_secret": SECRET,
        "slack_bot_token": TOKEN,
        "slack_api_url": api.api_url,
        **settings,
    }
    deps = make_deps(store, answerer, **config)
    core = Core(deps, build_registry())
    tasks = BackgroundTasks()
    adapter = SlackAdapter.from_settings(deps.settings, core, deps, tasks)
    assert adapter is not None
    # Deterministic tests on a loaded CI machine: the placeholder is always ready in time
    # (the busy-database path is tested on its own by setting this to 0).
    adapter.flows.ack_budget = 2.0
    mounts: list[Any] = [adapter]
    if web:
        from adapters.web.app import WebAdapter

        mounts.append(WebAdapter(core, deps, tasks))
    server = TestServer(build_app(deps, core, mounts, tasks), host="127.0.0.1")
    await server.start_server()
    session = aiohttp.ClientSession()
    slack = FakeSlack(str(server.make_url("")).rstrip("/"), SECRET, session, api=api)
    try:
        yield SlackEnv(api, slack, adapter, tasks, store, answerer)
    finally:
        await session.close()
        await server.close()
        await api.stop()
    assert api.rejected == [], "Slack would have refused these calls"
