"""The conversation reference on every Teams activity: written when it is new or changed,
not rewritten (nor rebuilt) for each click of an unchanged conversation, written again once it
was marked inactive. Over HTTP with the real app and the fake Bot Connector."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import pytest
from botbuilder.schema import Activity
from sqlalchemy import select

from adapters.teams.app import raw_reference_key
from persona_store import Store
from persona_store.platforms.teams import TeamsConversation
from tests.fakes.slack_env import add_persona
from tests.fakes.teams_env import CHANNEL_CONV, PERSONAL_CONV, TEAM_ID, TENANT, TeamsEnv, teams_env


@pytest.fixture
async def env(sqlite_store: Store) -> AsyncIterator[TeamsEnv]:
    add_persona(sqlite_store, "Maya Chen", goals=["Ship on time"])
    async for e in teams_env(sqlite_store):
        yield e


def stored(env: TeamsEnv, conversation_id: str) -> tuple[datetime, str, bool]:
    """(updated_at, service_url, active) of the stored reference."""
    with env.store._sessions() as s:
        row = s.scalar(
            select(TeamsConversation).where(TeamsConversation.conversation_id == conversation_id)
        )
        assert row is not None, conversation_id
        return row.updated_at, row.service_url, row.active


def click(env: TeamsEnv, user: str, **changes: Any) -> dict[str, Any]:
    activity = env.activities.execute(
        "survey.results",
        {"action_id": "survey.results", "value": "999"},
        reply_to="act-1",
        conv=CHANNEL_CONV,
        conv_type="channel",
    )
    activity["from"] = {"id": user, "name": user}
    activity.update(changes)
    return activity


async def test_clicks_in_a_channel_store_the_reference_once(env: TeamsEnv) -> None:
    await env.post(click(env, "29:first"))
    written = stored(env, CHANNEL_CONV)
    channel = stored(env, TEAM_ID)  # the channel itself, for posts that start a thread
    for i in range(5):  # other people clicking in the same thread: nothing to write
        resp = await env.post(click(env, f"29:user-{i}"))
        assert resp.status == 200
    assert stored(env, CHANNEL_CONV) == written and stored(env, TEAM_ID) == channel


async def test_a_changed_service_url_is_stored(env: TeamsEnv) -> None:
    await env.post(click(env, "29:first"))
    moved = env.activities.service_url.replace("127.0.0.1", "localhost")
    await env.post(click(env, "29:second", serviceUrl=moved))
    assert stored(env, CHANNEL_CONV)[1] == moved
    assert stored(env, TEAM_ID)[1] == moved


async def test_a_reference_marked_inactive_is_written_again(env: TeamsEnv) -> None:
    await env.post(env.activities.message("help"))
    await env.settle()
    ws = env.store.workspace_id("teams", TENANT)
    await env.adapter.deps.db(env.adapter.state.deactivate, ws, PERSONAL_CONV, "blocked")
    env.adapter.forget(ws, PERSONAL_CONV)  # what Delivery does on a 403
    assert not stored(env, PERSONAL_CONV)[2]
    await env.post(env.activities.installation("add"))
    assert stored(env, PERSONAL_CONV)[2]


def activity(env: TeamsEnv, conv: str, conv_type: str, user: str, **changes: Any) -> Activity:
    body = env.activities.execute(
        "x", {}, reply_to="act-1", conv=conv, conv_type=conv_type
    )  # fmt: skip
    body["from"] = {"id": user, "name": user}
    body.update(changes)
    return Activity().deserialize(body)


async def test_raw_reference_key(env: TeamsEnv) -> None:
    def key(conv: str, conv_type: str, user: str, **changes: Any) -> tuple[str, ...] | None:
        return raw_reference_key(activity(env, conv, conv_type, user, **changes))

    channel = key(CHANNEL_CONV, "channel", "29:a")
    assert channel is not None and channel[0] == CHANNEL_CONV
    assert key(CHANNEL_CONV, "channel", "29:b") == channel  # who clicked does not count
    assert key(PERSONAL_CONV, "personal", "29:a") != key(PERSONAL_CONV, "personal", "29:b")
    assert key(CHANNEL_CONV, "channel", "29:a", serviceUrl="https://other/") != channel
    assert key(CHANNEL_CONV, "channel", "29:a", locale="de-DE") != channel
    renamed = {"tenant": {"id": TENANT}, "team": {"id": TEAM_ID, "name": "Renamed"}}
    assert key(CHANNEL_CONV, "channel", "29:a", channelData=renamed) != channel
    assert key(CHANNEL_CONV, "channel", "29:a", serviceUrl="") is None
