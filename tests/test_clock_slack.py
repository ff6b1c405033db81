"""The clock through the real Slack adapter and the fake Slack Web API: a digest subscribed
with the slash command is posted once with vote buttons, a channel that is gone disables its
subscription without stopping the others, a vote click is tallied into the posted message,
and the close posts the results."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from persona_store import Store
from persona_store.scheduling.schedules import DigestStore
from tests.fakes.slack_env import SlackEnv, add_persona, slack_env
from tests.sched_helpers import Clock, FixedAnswerer, flush_tallies, sweep_once


@pytest.fixture
async def env(sqlite_store: Store) -> AsyncIterator[SlackEnv]:
    add_persona(sqlite_store, "Maya Chen", goals=["Ship on time"])
    async for e in slack_env(sqlite_store, FixedAnswerer()):
        yield e


def votes_of(message: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        e
        for b in message["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"].startswith("survey.vote")
    ]


async def test_digest_via_slack_vote_and_close(env: SlackEnv) -> None:
    clock = Clock(datetime(2026, 11, 20, 10, 0, tzinfo=UTC))
    deps = env.adapter.deps
    deps.now = clock
    original = env.api._answer

    def answer(method: str, args: dict[str, Any]) -> dict[str, Any]:
        if method == "chat.postMessage" and args.get("channel") == "C0GONE":
            return {"ok": False, "error": "channel_not_found"}
        return original(method, args)

    env.api._answer = answer  # type: ignore[method-assign]
    for channel in ("C0GENERAL", "C0GONE"):
        status, _, _ = await env.slack.command(
            "digest weekly mon 09:00 Europe/Berlin", channel=channel
        )
        assert status == 200
    await env.settle()
    assert all("Subscribed" in r["text"] for r in env.api.responses())
    clock.now = datetime(2026, 11, 23, 8, 0, 10, tzinfo=UTC)
    report = await sweep_once(deps, [env.adapter], clock.now)
    await sweep_once(deps, [env.adapter], clock.now + timedelta(minutes=1))
    assert len(report.posted) == 1 and len(report.failed) == 1
    posts = env.api.of("chat.postMessage")
    assert sorted(p["channel"] for p in posts) == ["C0GENERAL", "C0GONE"]  # each tried once
    [digest] = [p for p in posts if p["channel"] == "C0GENERAL"]
    assert "Persona of the week" in digest["text"]
    gone = DigestStore.of(env.store).for_channel(
        env.store.default_workspace_id(), "slack", "C0GONE"
    )
    assert gone is not None and not gone.enabled

    votes = votes_of(digest)
    assert [v["text"]["text"] for v in votes][:1] == ["Yes, still true"]
    ts = "1700000000.000001"
    await env.slack.click(votes[0]["action_id"], votes[0]["value"], message_ts=ts,
                          response_key="v1", channel="C0GENERAL")  # fmt: skip
    await env.slack.click(votes[1]["action_id"], votes[1]["value"], message_ts=ts,
                          response_key="v2", user="U0BOB", channel="C0GENERAL")  # fmt: skip
    await env.settle()
    clock.now += timedelta(seconds=3)
    await flush_tallies(deps, [env.adapter], clock.now)
    updates = env.api.of("chat.update")
    assert updates and updates[-1]["ts"] == ts and "2 answers so far" in updates[-1]["text"]

    clock.now += timedelta(days=7)
    report = await sweep_once(deps, [env.adapter], clock.now)
    assert len(report.closed) == 1
    finals = [p for p in env.api.of("chat.postMessage") if p["text"].startswith("Final results")]
    assert len(finals) == 1 and finals[0]["channel"] == "C0GENERAL" and "n=2" in finals[0]["text"]
    assert "Final results" in env.api.of("chat.update")[-1]["text"]
