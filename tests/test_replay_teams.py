"""Recorded Teams activities (tests/payloads/teams, see each file's `source`) replayed as
Bot Framework requests over real HTTP against the app, with the fake Bot Connector as their
serviceUrl.

`expect`: answer (something is posted, in the tenant's workspace), invoke (the invoke
response carries the answer), task (the invoke response is a task module with a form,
nothing posted), ack (a 2xx, nothing posted)."""

from __future__ import annotations

import copy
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from persona_store import Store
from tests.fakes.slack_env import add_persona
from tests.fakes.teams_env import TeamsEnv, teams_env
from tests.payloads.corpus import corpus, load
from tests.test_features import ScriptedAnswerer
from tests.test_teams_http import card_of, executes, texts

FILES = corpus("teams")


@pytest.fixture
async def env(sqlite_store: Store) -> AsyncIterator[TeamsEnv]:
    add_persona(sqlite_store, "Maya", goals=["Ship on time"])
    async for e in teams_env(sqlite_store, ScriptedAnswerer()):
        yield e


def activity(env: TeamsEnv, doc: dict[str, Any]) -> dict[str, Any]:
    payload = copy.deepcopy(doc["payload"])
    payload["serviceUrl"] = env.activities.service_url
    return payload


def test_the_corpus_covers_what_teams_sends() -> None:
    assert len(FILES) >= 12
    for path in FILES:
        doc = load(path)
        assert doc["transport"] == "activity", path
        assert doc["expect"] in ("answer", "invoke", "task", "ack"), path


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
async def test_replay(env: TeamsEnv, path: Path) -> None:
    doc = load(path)
    resp = await env.session.post(f"{env.url}/api/messages", json=activity(env, doc))
    body = await resp.text()
    assert 200 <= resp.status < 300, body
    await env.settle()
    said = [c.body for c in env.connector.calls]
    if doc["expect"] == "answer":
        assert env.connector.posted, "nothing was said"
    elif doc["expect"] == "invoke":
        said.append(json.loads(body))
        assert said[-1].get("type", "").startswith("application/vnd.microsoft")
    elif doc["expect"] == "task":
        said.append(json.loads(body))
        assert said[-1]["task"]["type"] == "continue"
        assert env.connector.posted == []
    else:
        assert env.connector.posted == []
    text = json.dumps(said)
    assert "no personas in this" not in text.lower()
    assert "something went wrong" not in text.lower()


async def test_a_vote_in_a_meeting_chat_stays_private(env: TeamsEnv) -> None:
    """A meeting chat's activities carry no conversationType (ids 19:meeting_…): the
    private thanks for a vote on an anonymous survey is not posted for the meeting."""
    meeting = activity(
        env, load(Path(__file__).parent / "payloads/teams/meeting_chat_mention.json")
    )
    at = meeting["text"].split("</at>")[0] + "</at>"  # the recorded mention of the bot
    ask = {**meeting, "text": f'{at} survey maya "Is price the #1 objection?" Yes | No --anonymous'}
    await env.post(ask)
    await env.settle()
    [survey] = env.connector.posted
    no = [b for b in executes(card_of(survey.body)) if b["title"] == "No"][0]
    submit = {
        **{k: v for k, v in meeting.items() if k not in ("text", "entities", "textFormat")},
        "id": "meeting-submit-1",
        "value": no["fallback"]["data"],
        "replyToId": survey.activity_id,
    }
    await env.post(submit)
    await env.settle()
    assert len(env.connector.posted) == 1  # no "Thanks! Your answer: No" for the meeting
    updates = env.connector.of("update")
    assert updates and "1 answer" in texts(card_of(updates[-1].body))
