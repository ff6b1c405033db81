"""Bot Framework may deliver the same activity twice (a retry after a slow or lost response):
the side effect (an answer, a vote) happens once. Over real HTTP against the fake Bot
Connector, and the claim store on SQLite and PostgreSQL."""

from __future__ import annotations

import copy
import json
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import pytest

from persona_store import Store
from persona_store.platforms.teams_activities import TeamsActivityLog
from tests.fakes.slack_env import add_persona
from tests.fakes.teams_env import GROUP_CONV, PERSONAL_CONV, TeamsEnv, teams_env
from tests.test_features import ScriptedAnswerer
from tests.test_teams_http import card_of, executes


@pytest.fixture
async def env(sqlite_store: Store) -> AsyncIterator[TeamsEnv]:
    add_persona(sqlite_store, "Maya Chen", goals=["Ship on time"])
    async for e in teams_env(sqlite_store, ScriptedAnswerer()):
        yield e


async def test_a_redelivered_message_is_answered_once(env: TeamsEnv) -> None:
    activity = env.activities.message("What would Maya think about a 20% price rise?")
    first = await env.post(activity)
    again = await env.post(copy.deepcopy(activity))
    assert first.status in (200, 201) and again.status in (200, 201)
    await env.settle()
    assert env.answerer.calls == [("maya", "a 20% price rise")]
    assert len(env.connector.of("send")) == 1  # one placeholder
    assert len(env.connector.of("update")) == 1  # replaced once by the answer


async def test_a_redelivered_help_gets_one_reply(env: TeamsEnv) -> None:
    activity = env.activities.message("help")
    await env.post(activity)
    await env.settle()
    await env.post(activity)
    await env.settle()
    assert len(env.connector.posted) == 1


async def test_the_same_activity_id_in_another_conversation_is_its_own(env: TeamsEnv) -> None:
    personal = env.activities.message("help")
    group = env.activities.message("help", conv=GROUP_CONV, conv_type="groupChat")
    group["id"] = personal["id"]
    await env.post(personal)
    await env.post(group)
    await env.settle()
    assert sorted(c.conversation_id for c in env.connector.posted) == sorted(
        [PERSONAL_CONV, GROUP_CONV]
    )


async def _survey(env: TeamsEnv) -> tuple[str, list[dict[str, Any]]]:
    await env.post(env.activities.message('survey maya "Is price the #1 objection?" Yes | No'))
    await env.settle()
    [survey] = env.connector.posted
    buttons = [b for b in executes(card_of(survey.body)) if b["verb"] == "survey.vote"]
    return survey.activity_id or "act-1", buttons


async def test_a_redelivered_vote_invoke_counts_once_and_does_not_undo_a_later_vote(
    env: TeamsEnv,
) -> None:
    card_id, [yes, no] = await _survey(env)
    vote_yes = env.activities.execute(yes["verb"], yes["data"], reply_to=card_id)
    first = await env.session.post(f"{env.url}/api/messages", json=vote_yes)
    assert first.status == 200
    assert (await first.json())["type"] == "application/vnd.microsoft.card.adaptive"
    vote_no = env.activities.execute(no["verb"], no["data"], reply_to=card_id)
    assert (await env.session.post(f"{env.url}/api/messages", json=vote_no)).status == 200

    retry = await env.session.post(f"{env.url}/api/messages", json=copy.deepcopy(vote_yes))
    assert retry.status == 200  # answered (Teams shows no error), but nothing is done
    body = await retry.json()
    assert body["type"] == "application/vnd.microsoft.activity.message"

    # the person's answer is still "No": voting No again is "already your answer"
    check = env.activities.execute(no["verb"], no["data"], reply_to=card_id)
    resp = await env.session.post(f"{env.url}/api/messages", json=check)
    body = await resp.json()
    assert body["type"] == "application/vnd.microsoft.activity.message"
    assert "already" in body["value"] and "No" in body["value"]
    await env.settle()
    assert len(env.connector.posted) == 1


async def test_a_redelivered_submit_votes_once(env: TeamsEnv) -> None:
    card_id, [yes, no] = await _survey(env)
    vote_yes = env.activities.submit(yes["fallback"]["data"], reply_to=card_id)
    await env.post(vote_yes)
    await env.settle()
    await env.post(env.activities.submit(no["fallback"]["data"], reply_to=card_id))
    await env.settle()
    updates, posts = len(env.connector.of("update")), len(env.connector.posted)
    assert updates >= 1
    await env.post(copy.deepcopy(vote_yes))
    await env.settle()
    assert len(env.connector.of("update")) == updates  # no tally change
    assert len(env.connector.posted) == posts  # no "Thanks! Your answer: Yes"


def test_claims_are_shared_and_pruned(store: Store) -> None:
    log = TeamsActivityLog.of(store)
    ws = store.workspace_id("teams", "tenant-claims")
    other = store.workspace_id("teams", "tenant-other")
    with ThreadPoolExecutor(8) as pool:  # several web processes receiving the same retry
        results = list(pool.map(lambda _: log.claim(ws, "a:1conv", "act-9"), range(8)))
    assert sorted(results) == [False] * 7 + [True]
    assert log.claim(ws, "a:1conv", "act-10") is True
    assert log.claim(ws, "a:2conv", "act-9") is True
    assert log.claim(other, "a:1conv", "act-9") is True  # workspaces never share claims
    assert log.prune(timedelta(days=2)) == 0
    assert log.prune(timedelta(0)) == 4
    assert log.claim(ws, "a:1conv", "act-9") is True


async def test_a_crash_between_the_claim_and_the_vote_does_not_lose_the_click(
    env: TeamsEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The web process dies while acting on a vote invoke (after the redelivery check):
    Bot Framework gets no answer and delivers the click again; that delivery is acted on."""
    card_id, [yes, _] = await _survey(env)
    real = env.adapter.bot.execute
    deliveries = 0

    async def dies_the_first_time(*args: Any, **kwargs: Any) -> dict[str, Any]:
        nonlocal deliveries
        deliveries += 1
        if deliveries == 1:
            raise RuntimeError("the web process died here")
        return await real(*args, **kwargs)

    monkeypatch.setattr(env.adapter.bot, "execute", dies_the_first_time)
    vote = env.activities.execute(yes["verb"], yes["data"], reply_to=card_id)
    first = await env.session.post(f"{env.url}/api/messages", json=vote)
    assert first.status >= 500
    retry = await env.session.post(f"{env.url}/api/messages", json=copy.deepcopy(vote))
    assert retry.status == 200
    body = await retry.json()
    assert body["type"] == "application/vnd.microsoft.card.adaptive"  # counted: the new tally
    assert "1 answer" in json.dumps(body)
    again = await env.session.post(f"{env.url}/api/messages", json=copy.deepcopy(vote))
    assert (await again.json())["type"] == "application/vnd.microsoft.activity.message"
