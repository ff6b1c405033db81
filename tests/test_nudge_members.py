"""Survey nudges in Slack and Teams (SQLite and PostgreSQL, the fake Slack Web API and the
fake Bot Connector over real HTTP): someone who opted in and then left the channel gets no
DM with its surveys, and their opt-in is forgotten; the channel's members are asked once
per sweep (every page); a channel the platform cannot tell about (no scope) nudges as
before."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from bot.commands import Core
from bot.features.voice import voice
from bot.messages import Address, Inbound
from persona_store import Store
from tests.fakes.slack_env import SlackEnv, add_persona, slack_env
from tests.fakes.teams_env import TeamsEnv, teams_env
from tests.sched_helpers import sweep_once
from tests.test_features import ScriptedAnswerer

START = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def channel(conversation_id: str) -> Address:
    return Address(platform="slack", workspace="T0001", conversation_id=conversation_id)


async def opt_in_and_survey(core: Core, where: Address, *users: str) -> int:
    """`users` opt in to nudges in `where`; a survey is made and posted there."""
    for user in users:
        [on] = await core.handle(Inbound("command", "survey nudge on", user, where))
        assert not on.is_error, on.text
    make = 'survey maya "Is price still the #1 objection?" Yes | No'
    [created] = await core.handle(Inbound("command", make, "OWNER", where))
    assert not created.is_error, created.text
    survey_id = int(created.meta["survey_id"])
    await core.posted(created, where, f"1700000000.{survey_id:06d}")
    return survey_id


@pytest.fixture
async def env(store: Store) -> AsyncIterator[SlackEnv]:
    add_persona(store, "Maya Chen", pains=["Price is the first objection"])
    async for e in slack_env(store, ScriptedAnswerer()):
        yield e


async def test_who_left_the_channel_gets_no_nudge(env: SlackEnv) -> None:
    deps = env.adapter.deps
    deps.now = lambda: START
    general = channel("C0GENERAL")
    first = await opt_in_and_survey(env.adapter.core, general, "U1", "U2")
    second = await opt_in_and_survey(env.adapter.core, general)
    env.api.members["C0GENERAL"] = ["OWNER", "U1", "U3"]  # U2 left
    env.api.members_page = 2  # two pages: the bot follows the cursor
    later = START + timedelta(days=1, minutes=1)
    deps.now = lambda: later
    await sweep_once(deps, [env.adapter], later)
    dms = [c["channel"] for c in env.api.of("chat.postMessage")]
    assert sorted(dms) == ["D1", "D1"]  # U1, once per survey; nothing to U2
    asked = env.api.of("conversations.members")
    assert [a["channel"] for a in asked] == ["C0GENERAL", "C0GENERAL"]  # once, 2 pages
    ws = await deps.workspace("slack", "T0001")
    for sid in (first, second):
        left = await deps.db(voice(deps).unanswered_members, ws, sid)
        assert [m.user_id for m in left] == ["U1"]  # U2's opt-in is forgotten

    # a channel Slack says nothing about (no channels:read scope): nudged as before
    deps.now = lambda: START + timedelta(days=1)
    private = channel("C0PRIVATE")
    await opt_in_and_survey(env.adapter.core, private, "U4")
    deps.now = lambda: later + timedelta(days=1)
    await sweep_once(deps, [env.adapter], later + timedelta(days=1))
    assert [c["channel"] for c in env.api.of("chat.postMessage")][2:] == ["D4"]


@pytest.fixture
async def teams(store: Store) -> AsyncIterator[TeamsEnv]:
    add_persona(store, "Maya Chen", pains=["Price is the first objection"])
    async for e in teams_env(store, ScriptedAnswerer()):
        yield e


async def test_who_left_the_teams_channel_gets_no_nudge(teams: TeamsEnv) -> None:
    deps = teams.adapter.deps
    deps.now = lambda: START
    service_url = teams.connector.url
    where = Address("teams", "tenant-1", "19:general@thread.tacv2", service_url=service_url)
    sid = await opt_in_and_survey(teams.adapter.core, where, "29:stay", "29:left")
    teams.connector.rosters[where.conversation_id] = ["OWNER", "29:stay"]
    later = START + timedelta(days=1, minutes=1)
    deps.now = lambda: later
    await sweep_once(deps, [teams.adapter], later)
    created_dms = [
        c.body["members"][0]["id"] for c in teams.connector.calls if c.method == "create"
    ]
    assert created_dms == ["29:stay"]
    asked = [c.conversation_id for c in teams.connector.calls if c.method == "members"]
    assert asked == [where.conversation_id]
    ws = await deps.workspace("teams", "tenant-1")
    left = await deps.db(voice(deps).unanswered_members, ws, sid)
    assert [m.user_id for m in left] == ["29:stay"]
