"""A response lost on the way back is not a double post. Over real HTTP, the fake Slack Web
API carries out chat.postMessage and then drops the connection before answering: the bot
cannot tell whether Slack got it, so it does not send it again (not at once, not in the
next sweep); an idempotent call (chat.update) is still retried."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from bot.messages import Address, Reply
from bot.ports import DeliveryError
from persona_store import Store
from tests.fakes.slack_env import SlackEnv, add_persona, slack_env
from tests.sched_helpers import (
    Clock,
    FixedAnswerer,
    sweep_once,
)

CHANNEL = Address("slack", "T0001", "C0GENERAL")


@pytest.fixture
async def env(sqlite_store: Store) -> AsyncIterator[SlackEnv]:
    add_persona(sqlite_store, "Maya Chen", goals=["Ship on time"])
    async for e in slack_env(sqlite_store, FixedAnswerer()):
        yield e


async def test_a_post_whose_answer_is_lost_is_not_sent_again(env: SlackEnv) -> None:
    env.api.drop_after_accepting("chat.postMessage")
    with pytest.raises(DeliveryError) as lost:
        await env.adapter.send(CHANNEL, Reply(text="Persona of the week: Maya"))
    assert not lost.value.permanent and lost.value.uncertain
    assert len(env.api.of("chat.postMessage")) == 1


async def test_an_update_whose_answer_is_lost_is_retried(env: SlackEnv) -> None:
    env.api.drop_after_accepting("chat.update")
    await env.adapter.update(CHANNEL, "1700000000.000001", Reply(text="Closed"))
    assert len(env.api.of("chat.update")) == 2  # the same edit twice changes nothing


async def test_the_clock_does_not_repost_a_digest_whose_answer_was_lost(env: SlackEnv) -> None:
    clock = Clock(datetime(2026, 11, 20, 10, 0, tzinfo=UTC))
    deps = env.adapter.deps
    deps.now = clock
    status, _, _ = await env.slack.command("digest weekly mon 09:00 UTC")
    assert status == 200
    await env.settle()
    env.api.drop_after_accepting("chat.postMessage")
    clock.now = datetime(2026, 11, 23, 9, 0, 10, tzinfo=UTC)
    first = await sweep_once(deps, [env.adapter], clock.now)
    for minutes in (1, 2, 3):
        await sweep_once(deps, [env.adapter], clock.now + timedelta(minutes=minutes))
    assert len(env.api.of("chat.postMessage")) == 1
    [failed] = first.failed
    assert "outcome_unknown" in failed
