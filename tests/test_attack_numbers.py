"""Played as an attacker over real HTTP (signed Slack requests, the fake Slack API) on SQLite
and PostgreSQL: numbers typed or carried in a button that are not plain ASCII digits ("²",
"٣", full-width "１") or are past the database's integers get a clear answer, never
"Sorry, something went wrong", and change nothing."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text

from persona_store import Store
from tests.fakes.slack_env import SlackEnv, add_persona, slack_env
from tests.test_features import ScriptedAnswerer

CRASH = "something went wrong"


@pytest.fixture
async def env(store: Store) -> AsyncIterator[SlackEnv]:
    add_persona(store, "Maya Chen", goals=["Ship on time"])
    async for e in slack_env(store, ScriptedAnswerer()):
        yield e


@pytest.mark.parametrize(
    "typed",
    [
        "decisions ²",
        "decisions #١",
        "decide edit ² --outcome parked",
        "survey close ²",
        "survey results ３",
        "survey vote ² 1",
        "survey vote 1 ²",
        "survey answer ² my answer",
        'survey maya "Is price the issue?" Yes | No --gap ²',
    ],
)
async def test_typed_odd_digits_get_a_clear_answer(env: SlackEnv, typed: str) -> None:
    status, body, _ = await env.slack.command(typed)
    await env.settle()
    said = body + json.dumps([c.args for c in env.api.calls])
    assert status == 200
    assert CRASH not in said, typed
    assert said.strip(), typed


@pytest.mark.parametrize(
    ("action", "value"),
    [
        ("decision.log", "answer:²"),
        ("decision.log", "survey:²"),
        ("decision.edit", "²"),
        ("survey.results", "²"),
        ("survey.vote", "1:²"),
        ("survey.answer.form", "²"),
        ("gap.dismiss", "maya:²"),
        ("gap.pain", "maya:²"),
        ("evidence.unrelated", "maya:²"),
        ("evidence.unrelated", "maya:99999999999999999999"),
        ("evidence.link", "maya:9223372036854775808:goal-1"),
    ],
)
async def test_forged_button_numbers_get_a_clear_answer(
    env: SlackEnv, action: str, value: str
) -> None:
    env.api.admins.add("U0ALICE")  # an admin: the owner checks let the click through
    status, _, _ = await env.slack.click(action, value, response_key="forged")
    await env.settle()
    said = json.dumps([c.args for c in env.api.calls])
    assert status == 200
    assert CRASH not in said, (action, value)


@pytest.mark.parametrize(
    "typed",
    [
        'decide "Keep\x00 the free tier" --outcome adopted --note a\x00b',
        'survey maya "What\x00 is missing?" --open',
        "decisions search free\x00 tier",
        "ask maya does she need S\x00SO?",
        "panel drop the free\x00 tier",
    ],
)
async def test_a_nul_character_is_dropped_not_a_crash(env: SlackEnv, typed: str) -> None:
    """PostgreSQL refuses NUL in text (SQLite keeps it): a NUL typed (or sent by a Teams or
    playground client) is dropped before anything is stored."""
    status, body, _ = await env.slack.command(typed)
    await env.settle()
    said = body + json.dumps([c.args for c in env.api.calls])
    assert status == 200
    assert CRASH not in said, typed
    with env.store.sessions() as s:
        stored = json.dumps([list(r) for r in s.execute(text("SELECT * FROM decisions"))],
                            default=str)  # fmt: skip
    assert "\\u0000" not in stored
