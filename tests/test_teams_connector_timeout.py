"""A Bot Connector that does not answer: over real HTTP to the fake connector, a proactive
send fails (transient, the clock retries it later) after the per-call timeout and its
retries, instead of msrest's 100 s per try."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from adapters.teams import connectors
from bot.messages import Address, Reply
from bot.ports import DeliveryError
from persona_store import Store
from tests.fakes.teams_env import PERSONAL_CONV, TENANT, TeamsEnv, teams_env


@pytest.fixture
async def env(sqlite_store: Store, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[TeamsEnv]:
    monkeypatch.setattr(connectors, "CONNECTOR_TIMEOUT_S", 1)
    async for e in teams_env(sqlite_store):
        yield e


async def test_a_silent_connector_fails_the_send_in_bounded_time(env: TeamsEnv) -> None:
    assert (await env.post(env.activities.installation("add"))).status in (200, 201)
    env.connector.delay = 8
    with pytest.raises(DeliveryError) as failed:
        # three tries of about 1 s each; without the timeout 3 x 8 s (the connector's delay)
        await asyncio.wait_for(
            env.adapter.send(Address("teams", TENANT, PERSONAL_CONV), Reply(text="Digest")), 15
        )
    assert not failed.value.permanent
