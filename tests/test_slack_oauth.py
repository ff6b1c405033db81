"""Installing in many workspaces: bolt's OAuth flow with slack_sdk's SQLAlchemy stores in our
database; each team's events are then answered with that team's own bot token."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator

import aiohttp
import pytest

from persona_store import Store
from tests.fakes.slack_env import SlackEnv, add_persona, slack_env
from tests.test_features import ScriptedAnswerer


@pytest.fixture
async def env(sqlite_store: Store) -> AsyncIterator[SlackEnv]:
    add_persona(sqlite_store, "Maya Chen", goals=["Ship on time"])
    async for e in slack_env(
        sqlite_store,
        ScriptedAnswerer(),
        slack_bot_token=None,
        slack_client_id="111.222",
        slack_client_secret="client-secret",
    ):
        yield e


async def test_install_then_answer_with_the_installed_token(env: SlackEnv) -> None:
    base = env.slack.bot_url
    async with aiohttp.ClientSession() as session:
        async with session.get(base + "/slack/install", allow_redirects=False) as resp:
            assert resp.status in (200, 302)
            page = await resp.text() + resp.headers.get("Location", "")
            cookie = resp.headers["Set-Cookie"].split(";")[0]
        state = re.search(r"state=([\w-]+)", page).group(1)  # type: ignore[union-attr]
        assert "client_id=111.222" in page and "commands" in page
        # a forged state is refused
        async with session.get(
            base + "/slack/oauth_redirect", params={"code": "c", "state": "forged"}
        ) as resp:
            assert resp.status >= 400
        async with session.get(
            base + "/slack/oauth_redirect",
            params={"code": "the-code", "state": state},
            headers={"Cookie": cookie},
        ) as resp:
            assert resp.status == 200, await resp.text()
    [exchange] = env.api.of("oauth.v2.access")
    assert exchange.get("code") == "the-code"

    other = {**env.slack.mention("what would Maya think about dark mode?"), "team": "T0OTHER"}
    env.slack.team_id = "T0OTHER"
    status, _, _ = await env.slack.event(other)
    assert status == 200
    await env.api.wait_for("chat.update")
    await env.settle()
    [post] = env.api.of("chat.postMessage")
    assert post["_token"] == "xoxb-installed"
    assert "Maya" in json.dumps(env.api.of("chat.update"))


async def test_unknown_team_is_not_answered(env: SlackEnv) -> None:
    env.slack.team_id = "T0NOBODY"
    status, body, _ = await env.slack.command("help")
    assert "Persona Bot help" not in body  # bolt refuses: no installation for this team
    await env.settle()
    assert env.api.of("chat.postMessage") == []
    # bolt's own notice only: "your installation … is no longer available. Please reinstall"
    assert all("reinstall" in r["text"] for r in env.api.responses())
