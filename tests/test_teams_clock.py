"""The clock through the Teams adapter: a channel subscribes to the persona of the week by
@mentioning the bot, the sweep posts the digest there through the (fake) Bot Connector; a
survey's tally that changed while its 2-second slot was taken is updated by the flush; a
blocked conversation fails without stopping the sweep."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from persona_store import Store
from tests.fakes.slack_env import add_persona
from tests.fakes.teams_env import CHANNEL_CONV, PERSONAL_CONV, TEAM_ID, TeamsEnv, teams_env
from tests.sched_helpers import flush_tallies, sweep_once
from tests.test_teams_http import card_of, executes, texts


@pytest.fixture
async def env(sqlite_store: Store) -> AsyncIterator[TeamsEnv]:
    add_persona(sqlite_store, "Maya Chen", goals=["Ship on time"])
    async for e in teams_env(sqlite_store):
        yield e


def next_monday_0900_berlin(after: datetime) -> datetime:
    day = after.astimezone(UTC).date() + timedelta(days=1)
    while day.weekday() != 0:
        day += timedelta(days=1)
    return datetime(day.year, day.month, day.day, 8, 0, 30, tzinfo=UTC)  # 09:00 CET


async def test_digest_subscribed_in_a_channel_is_posted_there_by_the_sweep(env: TeamsEnv) -> None:
    await env.post(env.activities.mention("digest weekly mon 09:00 Europe/Berlin"))
    await env.settle()
    [ack] = env.connector.posted
    assert ack.conversation_id == CHANNEL_CONV  # "subscribed" answered in the channel
    before = len(env.connector.posted)
    deps = env.adapter.deps
    now = next_monday_0900_berlin(deps.now())
    report = await sweep_once(deps, [env.adapter], now)
    assert report.posted, report
    [digest] = env.connector.posted[before:]
    assert digest.conversation_id == TEAM_ID  # a new post in the channel, not in the thread
    assert "Maya Chen" in texts(card_of(digest.body))
    again = await sweep_once(deps, [env.adapter], now + timedelta(minutes=1))
    assert not again.posted and len(env.connector.posted) == before + 1


async def test_tally_changed_during_the_slot_is_flushed_by_the_clock(env: TeamsEnv) -> None:
    await env.post(env.activities.message('survey maya "Price still #1?" Yes | No'))
    await env.settle()
    [survey] = env.connector.posted
    yes, no = [b for b in executes(card_of(survey.body)) if b["verb"] == "survey.vote"]
    first = await env.post(env.activities.execute(yes["verb"], yes["data"], reply_to="act-1"))
    vote = env.activities.execute(no["verb"], no["data"], reply_to="act-1")
    vote["from"] = {"id": "29:1bob", "name": "Bob"}
    second = await env.post(vote)  # within 2 s: the slot is taken, the card not refreshed
    assert first.status == second.status == 200
    await env.settle()
    assert env.connector.of("update") == []
    updated = await flush_tallies(
        env.adapter.deps, [env.adapter], datetime.now(UTC) + timedelta(seconds=5)
    )
    assert updated == 1
    [update] = env.connector.of("update")
    assert update.activity_id == "act-1" and "2 answers" in texts(card_of(update.body))


async def test_blocked_chat_fails_without_stopping_the_sweep(env: TeamsEnv) -> None:
    await env.post(env.activities.message("digest weekly mon 09:00 Europe/Berlin"))
    await env.post(env.activities.mention("digest weekly mon 09:00 Europe/Berlin"))
    await env.settle()
    before = len(env.connector.posted)
    env.connector.fail_next("send", 403)  # the first digest (personal chat) is refused
    now = next_monday_0900_berlin(env.adapter.deps.now())
    report = await sweep_once(env.adapter.deps, [env.adapter], now)
    delivered = env.connector.posted[before:]
    assert len(delivered) == 1 and report.failed
    assert delivered[0].conversation_id in (TEAM_ID, PERSONAL_CONV)
