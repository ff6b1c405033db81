"""The decision log over real HTTP in Teams: an answer's "Log decision" is a task module
(task/fetch shows the form, task/submit is checked by the core: errors show the form
again, nothing stored), the decision is posted in the answer's thread with its Teams
message link, and `decisions maya` lists it; another tenant never sees it."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

from persona_store import Store
from persona_store.decisions.repository import DecisionStore
from tests.adaptive_cards import check_card
from tests.fakes.slack_env import add_persona
from tests.fakes.teams_env import CHANNEL_CONV, TENANT, TeamsEnv, teams_env
from tests.test_features import ScriptedAnswerer
from tests.test_teams_http import card_of, texts


@pytest.fixture
async def env(sqlite_store: Store) -> AsyncIterator[TeamsEnv]:
    add_persona(sqlite_store, "Maya Chen", goals=["Ship on time"])
    async for e in teams_env(sqlite_store, ScriptedAnswerer()):
        yield e


def task_fetches(card: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            data = node.get("data")
            submit = node.get("type") == "Action.Submit"
            if submit and isinstance(data, dict) and data.get("msteams"):
                found.append(node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(card)
    return found


def invoke(env: TeamsEnv, name: str, data: dict[str, Any], reply_to: str) -> dict[str, Any]:
    value = {"data": data, "context": {"theme": "default"}}
    return env.activities._base(
        "invoke", CHANNEL_CONV, "channel", name=name, value=value, replyToId=reply_to
    )


async def post_json(env: TeamsEnv, activity: dict[str, Any]) -> dict[str, Any]:
    resp = await env.session.post(f"{env.url}/api/messages", json=activity)
    assert resp.status == 200, await resp.text()
    return json.loads(await resp.text())


async def test_a_decision_logged_from_a_teams_answer(env: TeamsEnv) -> None:
    await env.post(env.activities.mention("what would Maya think about dropping the free tier?"))
    await env.settle()
    [update] = env.connector.of("update")
    answer = card_of(update.body)
    [log] = [a for a in task_fetches(answer) if a["data"]["action_id"] == "decision.log"]
    assert log["data"]["msteams"] == {"type": "task/fetch"}
    fetched = await post_json(env, invoke(env, "task/fetch", log["data"], update.activity_id))
    assert fetched["task"]["type"] == "continue"
    form = fetched["task"]["value"]["card"]["content"]
    check_card(form)
    assert "Maya Chen" in texts(form)
    submit = form["actions"][0]["data"]
    bad = {**submit, "decision": "", "outcome": "adopted", "link": "file:///etc/passwd"}
    again = await post_json(env, invoke(env, "task/submit", bad, update.activity_id))
    assert again["task"]["type"] == "continue"
    shown = texts(again["task"]["value"]["card"]["content"])
    assert "Please write the decision" in shown and "http:// or https://" in shown
    ws = env.store.workspace_id("teams", TENANT)
    assert DecisionStore.of(env.store).recent(ws) == []
    good = {**submit, "decision": "Keep the free tier", "outcome": "adopted", "link": ""}
    done = await post_json(env, invoke(env, "task/submit", good, update.activity_id))
    assert done["task"] == {"type": "message", "value": "Decision #1 logged."}
    await env.settle()
    posted = env.connector.posted[-1]
    assert posted.conversation_id == CHANNEL_CONV
    assert "Decision #1: Keep the free tier" in texts(card_of(posted.body))
    [decision] = DecisionStore.of(env.store).recent(ws)
    assert decision.persona_names == ["Maya Chen"]
    assert decision.author_name == "Alice Example"
    link = decision.place.permalink or ""
    assert link.startswith("https://teams.microsoft.com/l/message/") and update.activity_id in link
    await env.post(env.activities.mention("decisions maya"))
    await env.settle()
    listed = texts(card_of(env.connector.posted[-1].body))
    assert "#1 Keep the free tier: Adopted · Maya Chen" in listed


async def test_another_tenant_never_sees_the_decision(env: TeamsEnv) -> None:
    await env.post(env.activities.mention('decide "Keep the free tier" --outcome adopted'))
    await env.settle()
    assert "Decision #1 logged" in texts(card_of(env.connector.posted[-1].body))
    other = env.activities.mention("decisions")
    other["conversation"]["tenantId"] = "other-tenant"
    other["channelData"]["tenant"]["id"] = "other-tenant"
    await env.post(other)
    await env.settle()
    assert "No decisions logged yet" in texts(env.connector.posted[-1].body)
