"""Played as an attacker from another Slack team (its own Maya, an admin there) over real
HTTP, on SQLite and PostgreSQL: numbers that belong to the first team's decision, open-text
survey, gap and evidence, typed or forged into buttons, find nothing and change nothing."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from persona_store import Store
from persona_store.decisions.repository import DecisionStore
from persona_store.gaps.repository import GapStore
from persona_store.models import Evidence
from persona_store.personas.spec import PersonaSpec
from persona_store.scheduling.models import Survey
from persona_store.surveys.voice_models import SurveyText
from tests.fakes.slack_env import SlackEnv, add_persona, slack_env
from tests.test_features import ScriptedAnswerer

NOW = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)


@pytest.fixture
async def env(store: Store) -> AsyncIterator[SlackEnv]:
    add_persona(store, "Maya Chen", goals=["Ship on time"])
    async for e in slack_env(store, ScriptedAnswerer()):
        yield e


async def said(env: SlackEnv, text: str, key: str) -> str:
    status, body, _ = await env.slack.command(text, response_key=key)
    await env.settle()
    assert status == 200
    return body + json.dumps(env.api.responses(key))


async def test_another_team_reaches_nothing_of_the_first(env: SlackEnv) -> None:
    store = env.store
    ws = store.default_workspace_id()
    assert "Decision #1 logged" in await said(env, 'decide "Keep it" --outcome adopted', "a1")
    await said(env, 'survey maya "What almost stopped you?" --open', "a2")
    maya = store.get(ws, "maya")
    assert maya is not None
    with store.sessions.begin() as s:
        survey_id = s.scalars(select(Survey.id)).one()
        item = Evidence(persona_id=maya.id, source="interview", summary="Asked about SSO")
        s.add(item)
        s.flush()
        evidence_id = item.id
    gap = GapStore(store.sessions).record(ws, maya.id, "Needs SSO?", terms="sso", topic="SSO",
                                          now=NOW)  # fmt: skip
    assert gap is not None and evidence_id is not None

    env.slack.team_id = "T0OTHER"  # another team, with its own Maya; Alice is admin there
    other = store.workspace_id("slack", "T0OTHER")
    store.upsert(other, PersonaSpec.from_dict({"name": "Maya Chen", "pains": ["Cost"]}),
                 author="test")  # fmt: skip
    env.api.admins.add("U0ALICE")
    assert "There is no decision #1" in await said(env, "decide edit 1 --outcome parked", "b1")
    assert "There is no decision #1" in await said(env, "decisions 1", "b2")
    assert f"There is no survey #{survey_id}" in await said(
        env, f"survey answer {survey_id} Price", "b3"
    )
    for action, value in (
        ("gap.dismiss", f"maya:{gap.number}"),
        ("gap.pain", f"maya:{gap.number}"),
        ("evidence.unrelated", f"maya:{evidence_id}"),
        ("evidence.link", f"maya:{evidence_id}:pain-1"),
        ("survey.answer.form", str(survey_id)),
        ("decision.edit", "1"),
    ):
        await env.slack.click(action, value, response_key=f"c-{action}")
        await env.settle()
        answer = json.dumps(env.api.responses(f"c-{action}"))
        assert "something went wrong" not in answer and answer != "[]", action

    [decision] = DecisionStore.of(store).recent(ws)
    assert decision.outcome == "adopted" and decision.version == 1
    with store.sessions() as s:
        assert s.scalars(select(SurveyText)).all() == []
        e = s.get(Evidence, evidence_id)
        assert e is not None and e.review is None and e.line_id is None
    still = GapStore(store.sessions).get(ws, maya.id, gap.number)
    assert still is not None and still.status == "open"
