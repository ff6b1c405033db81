"""Socket Mode (SLACK_APP_TOKEN): no public URL; Slack's requests arrive over a WebSocket
opened with apps.connections.open, served here by the fake Slack on 127.0.0.1."""

from __future__ import annotations

import asyncio

import aiohttp
from aiohttp.test_utils import TestServer

from adapters.server import build_app
from adapters.slack.app import SlackAdapter
from bot.commands import Core
from bot.features import build_registry
from bot.tasks import BackgroundTasks
from persona_store import Store
from tests.conftest import make_deps
from tests.fakes.slack_api import FakeSlackApi
from tests.fakes.slack_env import add_persona
from tests.test_features import ScriptedAnswerer


async def test_socket_mode_answers_without_http_route(sqlite_store: Store) -> None:
    add_persona(sqlite_store, "Maya Chen", goals=["Ship on time"])
    api = await FakeSlackApi().start()
    deps = make_deps(
        sqlite_store,
        ScriptedAnswerer(),
        slack_bot_token="xoxb-test",
        slack_app_token="xapp-test",
        slack_api_url=api.api_url,
    )
    core = Core(deps, build_registry())
    tasks = BackgroundTasks()
    adapter = SlackAdapter.from_settings(deps.settings, core, deps, tasks)
    assert adapter is not None and adapter.routes() == []
    adapter.flows.ack_budget = 2.0
    server = TestServer(build_app(deps, core, [adapter], tasks), host="127.0.0.1")
    await server.start_server()  # runs adapter.start(): connects the socket
    try:
        await asyncio.wait_for(api.socket_connected.wait(), 5)
        [opened] = [c for c in api.calls if c.method == "apps.connections.open"]
        assert opened.args["_token"] == "xapp-test"
        async with (
            aiohttp.ClientSession() as session,
            session.post(server.make_url("/slack/events"), data="x") as resp,
        ):
            assert resp.status in (404, 405)  # no HTTP endpoint for Slack in Socket Mode
        form = {
            "team_id": "T0001",
            "channel_id": "C0GENERAL",
            "user_id": "U0ALICE",
            "command": "/persona",
            "text": "ask maya Should we raise prices?",
            "response_url": api.response_url("sock"),
            "trigger_id": "1.2.3",
        }
        ack = await api.push("slash_commands", form)
        assert ack["payload"]["text"] == "Asking Maya…"
        [answer] = await api.wait_for("response_url")
        assert answer["replace_original"] is True and "Maya Chen" in str(answer["blocks"])
    finally:
        await server.close()
        await api.stop()


async def test_clock_process_never_connects_socket_mode(sqlite_store: Store) -> None:
    """The clock starts its adapters too, but only sends: no routes mounted, no socket."""
    api = await FakeSlackApi().start()
    deps = make_deps(
        sqlite_store,
        ScriptedAnswerer(),
        slack_bot_token="xoxb-test",
        slack_app_token="xapp-test",
        slack_api_url=api.api_url,
    )
    adapter = SlackAdapter.from_settings(
        deps.settings, Core(deps, build_registry()), deps, BackgroundTasks()
    )
    assert adapter is not None
    await adapter.start()
    from bot.messages import Address, Reply

    await adapter.send(Address("slack", "T0001", "C0DIGEST"), Reply(text="digest"))
    await adapter.close()
    await api.stop()
    assert [c.method for c in api.calls] == ["chat.postMessage"]
