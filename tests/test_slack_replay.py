"""A replayed signed slash command is acted on once. Over real HTTP: the very same signed
body (same timestamp, so the signature is still valid within Slack's 5-minute window) sent
twice creates one survey; the replay gets an empty 200 and nothing else. A new command with
the same text (Slack gives it a new timestamp and trigger_id) is acted on as usual."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from urllib.parse import urlencode

import pytest
from sqlalchemy import text

from persona_store import Store
from tests.fakes.slack_env import SlackEnv, add_persona, slack_env
from tests.test_features import ScriptedAnswerer

FORM = "application/x-www-form-urlencoded"


@pytest.fixture
async def env(store: Store) -> AsyncIterator[SlackEnv]:
    add_persona(store, "Maya Chen")
    async for e in slack_env(store, ScriptedAnswerer()):
        yield e


def surveys(store: Store) -> int:
    with store._sessions() as s:
        return int(s.execute(text("SELECT count(*) FROM surveys")).scalar_one())


def command_body(env: SlackEnv, text_: str, trigger: str) -> str:
    assert env.api is not None
    return urlencode(
        {
            "team_id": env.slack.team_id,
            "channel_id": "C0GENERAL",
            "user_id": "U0ALICE",
            "user_name": "alice",
            "command": "/persona",
            "text": text_,
            "response_url": env.api.response_url("r1"),
            "trigger_id": trigger,
        }
    )


async def test_a_replayed_command_is_acted_on_once(env: SlackEnv) -> None:
    body = command_body(env, 'survey maya "Is price still #1?" Yes | No', "1.2.3")
    ts = int(time.time())
    first = await env.slack.post(body, FORM, timestamp=ts)
    await env.settle()
    assert first[0] == 200 and surveys(env.store) == 1
    replay = await env.slack.post(body, FORM, timestamp=ts)
    await env.settle()
    assert replay[0] == 200 and replay[1] == ""
    assert surveys(env.store) == 1

    again = command_body(env, 'survey maya "Is price still #1?" Yes | No', "1.2.4")
    assert (await env.slack.post(again, FORM, timestamp=ts + 1))[0] == 200
    await env.settle()
    assert surveys(env.store) == 2


async def test_a_replay_in_a_burst_is_acked_at_once_and_still_acted_on_once(env: SlackEnv) -> None:
    """In a burst the ack does not wait for the claim; the claim comes before the work."""
    body = command_body(env, 'survey maya "Is price still #1?" Yes | No', "1.2.3")
    ts = int(time.time())
    pacing = env.adapter.flows.pacing
    pacing.enter()  # another request is being acked
    first = await env.slack.post(body, FORM, timestamp=ts)
    replay = await env.slack.post(body, FORM, timestamp=ts)
    assert (first[0], first[1], replay[0], replay[1]) == (200, "", 200, "")
    assert surveys(env.store) == 0  # nothing ran before the acks were out
    pacing.leave()
    await env.settle()
    assert surveys(env.store) == 1
