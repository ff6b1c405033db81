"""Out-of-range input typed in chat (issue 10 item 12): a survey closing in 999999999 days
and a 300-character time zone get a message saying what is allowed, never "Sorry, something
went wrong" and a traceback. Played as signed Slack slash commands over real HTTP."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest

from persona_store import Store
from persona_store.surveys.repository import SurveyStore
from tests.fakes.slack_env import SlackEnv, add_persona, slack_env
from tests.test_features import ScriptedAnswerer


@pytest.fixture
async def env(sqlite_store: Store) -> AsyncIterator[SlackEnv]:
    add_persona(sqlite_store, "Maya Chen", goals=["Ship on time"])
    async for e in slack_env(sqlite_store, ScriptedAnswerer()):
        yield e


async def answer(env: SlackEnv, text: str, key: str) -> str:
    status, body, _ = await env.slack.command(text, response_key=key)
    assert status == 200
    await env.settle()
    replies = ([json.loads(body)] if body.strip() else []) + env.api.responses(key)
    return "\n".join(r.get("text", "") for r in replies)


@pytest.mark.parametrize(
    "closes", ["999999999d", "99999999999999999999w", "400d", "9999-12-31T23:59"]
)
async def test_a_close_time_out_of_range_says_the_allowed_range(
    env: SlackEnv, closes: str, caplog: pytest.LogCaptureFixture
) -> None:
    said = await answer(env, f'survey maya "Price still #1?" Yes | No --closes {closes}', "s")
    assert "at most 365 days" in said and "Sorry" not in said
    assert SurveyStore.of(env.store).get(env.store.default_workspace_id(), 1) is None
    assert "Traceback" not in caplog.text


@pytest.mark.parametrize("zone", ["X" * 300, "Europe/" + "x" * 300, "Europe", "../etc"])
async def test_a_bad_time_zone_in_a_digest_is_a_message(
    env: SlackEnv, zone: str, caplog: pytest.LogCaptureFixture
) -> None:
    said = await answer(env, f"digest weekly mon 09:00 {zone}", "d")
    assert "is not a time zone I know" in said and "Sorry" not in said
    assert "Traceback" not in caplog.text
