"""Live tally after a burst of votes: the web process itself sends the final counts within
a few seconds of the last click (a trailing update per survey message), keeping the rate
limit of one update per 2 s per message; no clock process runs here."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator

import pytest

from persona_store import Store
from tests.fakes.slack_env import SlackEnv, add_persona, slack_env
from tests.test_features import ScriptedAnswerer

FINAL = {"Yes": 30, "No": 20, "Not sure": 10}


@pytest.fixture
async def env(sqlite_store: Store) -> AsyncIterator[SlackEnv]:
    add_persona(sqlite_store, "Maya Chen", goals=["Ship on time"])
    async for e in slack_env(sqlite_store, ScriptedAnswerer()):
        yield e


def _counts(update: dict) -> dict[str, int]:
    """Counts per option as the posted tally shows them ("Yes — 30 (50%)"…)."""
    found = {}
    for label in FINAL:
        m = re.search(rf"{re.escape(label)}\D*?(\d+)", update["text"])
        found[label] = int(m.group(1)) if m else -1
    return found


async def test_the_final_tally_is_sent_within_seconds_of_the_last_vote(env: SlackEnv) -> None:
    await env.slack.command('survey maya "Is price still the #1 objection?" Yes | No | Not sure')
    await env.settle()
    [survey] = env.api.of("chat.postMessage")
    buttons = [
        e
        for b in survey["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"].startswith("survey.vote")
    ]
    by_label = {b["text"]["text"]: b for b in buttons}
    plan = [label for label, n in FINAL.items() for _ in range(n)]
    ts = "1700000000.000001"

    async def vote(i: int, label: str) -> None:
        b = by_label[label]
        status, _, _ = await env.slack.click(
            b["action_id"], b["value"], user=f"U{i:04d}", message_ts=ts, response_key=f"v{i}"
        )
        assert status == 200

    burst_start = time.perf_counter()  # the fake Slack stamps calls with perf_counter
    await asyncio.gather(*(vote(i, label) for i, label in enumerate(plan)))
    last_click = time.monotonic()

    deadline = last_click + 6.0  # "within a few seconds", with room for a loaded machine
    while time.monotonic() < deadline:
        updates = env.api.of("chat.update")
        if updates and _counts(updates[-1]) == FINAL:
            break
        await asyncio.sleep(0.1)
    updates = env.api.of("chat.update")
    assert updates and _counts(updates[-1]) == FINAL, [_counts(u) for u in updates[-3:]]
    # the rate limit holds: one update per 2 s slot, the slots taken in the database between
    # the first click and the last update's arrival (arrivals can bunch up behind the burst)
    times = [c.at for c in env.api.calls if c.method == "chat.update"]
    assert len(times) <= 1 + (times[-1] - burst_start) / 2, (burst_start, times)
    await env.settle()
