"""Share in channel at Slack's 50-block limit: a long panel shared publicly still says who
shared it (over real HTTP, fake Slack Web API on 127.0.0.1)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest

from persona_store import Store
from tests.fakes.slack_env import SlackEnv, add_persona, slack_env
from tests.test_features import ScriptedAnswerer

NAMES = ["Maya Chen", "Sam Okafor", "Ana Ruiz", "Lee Park", "Ola Berg", "Kim Yu", "Raj Iyer"]


@pytest.fixture
async def env(sqlite_store: Store) -> AsyncIterator[SlackEnv]:
    for name in NAMES:
        add_persona(sqlite_store, name, goals=["Ship on time"])
    async for e in slack_env(sqlite_store, ScriptedAnswerer()):
        yield e


async def test_shared_panel_at_the_block_limit_keeps_shared_by(env: SlackEnv) -> None:
    await env.slack.command("panel Unlimited custom contracts", response_key="cmd")
    [panel] = await env.api.wait_for("response_url")
    await env.settle()
    assert len(panel["blocks"]) == 50  # seven personas fill Slack's 50 blocks
    [share] = [b for b in panel["blocks"] if b.get("block_id") == "slack.share"]
    token = share["elements"][0]["value"]
    await env.slack.click("slack.share", token, ephemeral=True, response_key="btn")
    await env.settle()
    posted, _ = env.api.responses("btn")
    assert len(posted["blocks"]) <= 50
    assert "Shared by <@U0ALICE>" in json.dumps(posted["blocks"][-1])
