"""The clock through the real Teams adapter and the fake Bot Connector: a digest subscribed by
a channel message is posted proactively with its question-of-the-week card, and an owner's
review reminder opens a 1:1 conversation with the owner."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from persona_store import Store
from persona_store.scheduling.schedules import DigestStore
from tests.fakes.teams_env import TeamsEnv, teams_env
from tests.sched_helpers import Clock, FixedAnswerer, seed, sweep_once


@pytest.fixture
async def env(sqlite_store: Store) -> AsyncIterator[TeamsEnv]:
    seed(sqlite_store, owners=["teams:29:1owner-omar"], last_reviewed="2026-08-01")
    async for e in teams_env(sqlite_store, FixedAnswerer()):
        yield e


async def test_digest_and_owner_reminder_via_teams(env: TeamsEnv) -> None:
    clock = Clock(datetime(2026, 11, 20, 10, 0, tzinfo=UTC))
    deps = env.adapter.deps
    deps.now = clock
    resp = await env.post(env.activities.mention("digest weekly mon 09:00 Europe/Berlin"))
    assert resp.status in (200, 201, 202)
    await env.settle()
    [sub] = DigestStore.of(env.store).due(datetime(2026, 12, 1, tzinfo=UTC))
    assert sub.platform == "teams" and sub.service_url == env.activities.service_url
    before = len(env.connector.posted)

    clock.now = datetime(2026, 11, 23, 8, 0, 5, tzinfo=UTC)
    report = await sweep_once(deps, [env.adapter], clock.now)
    await sweep_once(deps, [env.adapter], clock.now + timedelta(minutes=1))
    digests = [r for r in report.posted if r.startswith("digest")]
    reviews = [r for r in report.posted if r.startswith("review")]
    assert len(digests) == 1 and len(reviews) == 1, report
    new = env.connector.posted[before:]
    assert len(new) == 2
    texts = [str(c.body) for c in new]
    assert any("Persona of the week" in t for t in texts)
    assert any("Time to review Maya Chen" in t for t in texts)
    # The reminder went to a 1:1 conversation created with the owner.
    [created] = env.connector.of("create")
    assert "29:1owner-omar" in str(created.body)
