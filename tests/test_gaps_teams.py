"""The gap loop in Teams, over real HTTP (Bot Framework activities to the app, the fake Bot
Connector behind it, the offline answerer): a channel question the profile can't answer
becomes a gap, the owner's reminder lists it, its "Ask the team" opens the drafted survey
in a task module (task/fetch) to edit; the submitted survey (task/submit, checked by the
core: problems show the form again and create nothing) is posted by the clock in the
persona's home channel, votes and the close land as evidence linked to the gap, and "Add
as pain" adds a citable line that the next identical question is answered from."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.answering.offline import OfflineAnswerer
from persona_store import Store
from persona_store.gaps.models import Gap
from persona_store.scheduling.models import Survey
from tests.adaptive_cards import check_card
from tests.fakes.teams_env import CHANNEL_CONV, USER_ID, TeamsEnv, teams_env
from tests.sched_helpers import Clock, seed, sweep_once
from tests.test_decisions_teams import task_fetches
from tests.test_teams_http import card_of, executes, texts

NOW = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)
QUESTION = "Does Maya need SSO?"


@pytest.fixture
async def env(sqlite_store: Store) -> AsyncIterator[TeamsEnv]:
    seed(
        sqlite_store, last_reviewed="2026-08-01", owners=[f"teams:{USER_ID}"],
        home_channel=f"teams:{CHANNEL_CONV}",
    )  # fmt: skip
    async for e in teams_env(sqlite_store, OfflineAnswerer()):
        e.adapter.deps.now = Clock(NOW)
        yield e


def verbs(card: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {b["title"]: b for b in executes(card)}


async def execute(
    env: TeamsEnv, button: dict[str, Any], *, conv: str, user: str = USER_ID
) -> dict[str, Any]:
    conv_type = "channel" if conv == CHANNEL_CONV else "personal"
    activity = env.activities.execute(button["verb"], button["data"], reply_to="act-1",
                                      conv=conv, conv_type=conv_type)  # fmt: skip
    activity["from"] = {"id": user, "name": user}
    resp = await env.session.post(f"{env.url}/api/messages", json=activity)
    assert resp.status == 200
    body = await resp.json()
    await env.settle()
    return body


async def task(
    env: TeamsEnv,
    name: str,
    data: dict[str, Any],
    *,
    conv: str,
    reply_to: str = "act-1",
    user: str = USER_ID,
) -> dict[str, Any]:
    """A task/fetch or task/submit invoke: the dialog's answer (`{"task": …}`)."""
    conv_type = "channel" if conv == CHANNEL_CONV else "personal"
    value = {"data": data, "context": {"theme": "default"}}
    activity = env.activities._base(
        "invoke", conv, conv_type, name=name, value=value, replyToId=reply_to
    )
    if user != USER_ID:
        activity["from"] = {"id": user, "name": user}
    resp = await env.session.post(f"{env.url}/api/messages", json=activity)
    assert resp.status == 200, await resp.text()
    body = json.loads(await resp.text())
    await env.settle()
    return body


def surveys(store: Store) -> list[Survey]:
    with store.sessions() as s:
        return list(s.scalars(select(Survey)))


async def mention(env: TeamsEnv, text: str) -> list[dict[str, Any]]:
    """What the bot said: new activities, the placeholder replaced by the answer."""
    before = len(env.connector.calls)
    await env.post(env.activities.mention(text))
    await env.settle()
    new = env.connector.calls[before:]
    return [c.body for c in new if c.method in ("send", "reply", "update")]


def gaps(store: Store) -> list[Gap]:
    with store.sessions() as s:
        return list(s.scalars(select(Gap)))


async def test_a_gap_from_teams_question_to_citable_line(env: TeamsEnv) -> None:
    deps = env.adapter.deps
    answer = await mention(env, f"ask maya {QUESTION}")
    assert "nothing in it speaks to this" in json.dumps(answer)
    [gap] = gaps(env.store)
    assert (gap.count, gap.status) == (1, "open")

    # the owner's reminder (a 1:1 chat) lists the gap with its buttons
    await sweep_once(deps, [env.adapter], NOW)
    [reminder] = [c for c in env.connector.posted if "Time to review" in json.dumps(c.body)]
    assert QUESTION in json.dumps(reminder.body)
    buttons = task_fetches(card_of(reminder.body))
    [ask] = [b for b in buttons if b["title"] == "Ask the team (gap 1)"]
    assert ask["data"]["msteams"] == {"type": "task/fetch"}

    # the click opens the drafted survey in a task module, to edit before it goes out
    conv = reminder.conversation_id
    fetched = await task(env, "task/fetch", ask["data"], conv=conv)
    assert fetched["task"]["type"] == "continue"
    form = fetched["task"]["value"]["card"]["content"]
    check_card(form)
    inputs = {i["id"]: i for i in form["body"] if i["type"].startswith("Input.")}
    assert inputs["question"]["value"] == QUESTION
    assert inputs["options"]["value"] == "Yes\nNo\nNot sure"
    assert (inputs["persona"]["value"], inputs["closes"]["value"]) == ("maya", "7d")
    submit = form["actions"][0]["data"]
    edited = "Does Maya need SSO before a pilot?"
    filled = {**submit, "persona": "maya", "question": edited,
              "options": "Yes\nNo\nNot sure", "closes": "7d", "anonymous": ""}  # fmt: skip
    said = await task(env, "task/submit", filled, conv=conv)
    assert said["task"]["type"] == "message" and "home channel" in said["task"]["value"], said
    await sweep_once(deps, [env.adapter], NOW + timedelta(minutes=1))
    [survey] = [
        c for c in env.connector.posted
        if c.conversation_id == CHANNEL_CONV and "Survey about" in json.dumps(c.body)
    ]  # fmt: skip
    assert edited in json.dumps(survey.body) and QUESTION not in json.dumps(survey.body)
    votes = {b["title"]: b for b in executes(card_of(survey.body)) if b["verb"] == "survey.vote"}
    assert list(votes) == ["Yes", "No", "Not sure"]
    for user, label in (("29:1bob", "Yes"), ("29:1carol", "Yes"), ("29:1dave", "No")):
        await execute(env, votes[label], conv=CHANNEL_CONV, user=user)
    survey_id = gaps(env.store)[0].survey_id

    # the owner closes it: results saved as evidence linked to the gap, and the offer
    closed = await mention(env, f"survey close {survey_id}")
    offer = next(card_of(b) for b in closed if "Add as pain" in json.dumps(b))
    [gap] = gaps(env.store)
    assert gap.status == "answered" and gap.evidence_id is not None
    maya = env.store.get(env.store.default_workspace_id(), "maya")
    assert maya is not None
    [evidence] = [e for e in maya.evidence if e.id == gap.evidence_id]
    assert evidence.n == 3 and evidence.details["gap"] == 1

    # "Add as pain" opens the line drafted from the gap in a task module (task/fetch), to
    # reword; by someone else it is refused, with no form (Teams has no admins)
    add = {b["title"]: b for b in task_fetches(offer)}["Add as pain"]
    assert add["data"]["msteams"] == {"type": "task/fetch"}
    refused = await task(env, "task/fetch", add["data"], conv=CHANNEL_CONV, user="29:1bob")
    assert refused["task"]["type"] == "message"
    assert "Only Maya Chen's owners" in refused["task"]["value"], refused
    fetched = await task(env, "task/fetch", add["data"], conv=CHANNEL_CONV)
    assert fetched["task"]["type"] == "continue"
    form = fetched["task"]["value"]["card"]["content"]
    check_card(form)
    inputs = {i["id"]: i for i in form["body"] if i["type"].startswith("Input.")}
    assert inputs["kind"]["value"] == "pain"
    assert inputs["text"]["value"].startswith("Does Maya need SSO? Team survey: Yes 2, No 1")
    submit = form["actions"][0]["data"]
    # a bad submission shows the form again with its problem; nothing changes
    bad = await task(env, "task/submit", {**submit, "kind": "pain", "text": "Two\nlines"},
                     conv=CHANNEL_CONV)  # fmt: skip
    assert bad["task"]["type"] == "continue"
    assert "Write the line on one line" in texts(bad["task"]["value"]["card"]["content"])
    assert gaps(env.store)[0].status == "answered"
    # forged by someone else: refused on submit too
    forged = {**submit, "kind": "pain", "text": "Needs SSO before any pilot"}
    other = await task(env, "task/submit", forged, conv=CHANNEL_CONV, user="29:1bob")
    assert "Only Maya Chen's owners" in other["task"]["value"]
    assert gaps(env.store)[0].status == "answered"
    done = await task(env, "task/submit", forged, conv=CHANNEL_CONV)
    assert done["task"]["type"] == "message" and "as pain [pain-3]" in done["task"]["value"]
    assert gaps(env.store)[0].status == "closed"
    key = gaps(env.store)[0].line_key
    assert key == "pain-3"
    posted = [c for c in env.connector.posted if "Added to Maya Chen" in json.dumps(c.body)]
    assert [c.conversation_id for c in posted] == [CHANNEL_CONV]  # said in the conversation

    again = await mention(env, f"ask maya {QUESTION}")
    assert f"• {key}: Needs SSO before any pilot" in json.dumps(again, ensure_ascii=False)
    assert [g.count for g in gaps(env.store)] == [1]


async def test_a_bad_ask_the_team_form_shows_its_problems_and_creates_nothing(
    env: TeamsEnv,
) -> None:
    await mention(env, f"ask maya {QUESTION}")
    listed = await mention(env, "gaps maya")
    [ask] = [b for b in task_fetches(card_of(listed[-1])) if b["title"] == "Ask the team"]
    fetched = await task(env, "task/fetch", ask["data"], conv=CHANNEL_CONV)
    submit = fetched["task"]["value"]["card"]["content"]["actions"][0]["data"]
    bad = {**submit, "persona": "maya", "question": "  ", "options": "Yes", "closes": "7d"}
    again = await task(env, "task/submit", bad, conv=CHANNEL_CONV)
    assert again["task"]["type"] == "continue"
    form = again["task"]["value"]["card"]["content"]
    check_card(form)
    body = form["body"]
    ids = [b.get("id") for b in body]
    # each problem right under its field, what was typed kept
    question_error = body[ids.index("question") + 1]
    assert question_error["color"] == "Attention"
    assert question_error["text"] == "Please write the question."
    assert "at least two options" in body[ids.index("options") + 1]["text"]
    assert body[ids.index("options")]["value"] == "Yes"
    assert "Please write the question" in texts(form)
    assert surveys(env.store) == []
    assert [g.status for g in gaps(env.store)] == ["open"]

    # fixed, it goes out in the home channel (by the clock), linked to the gap
    good = {**bad, "question": "Is SSO a must for Maya?", "options": "Yes\nNo"}
    done = await task(env, "task/submit", good, conv=CHANNEL_CONV)
    assert done["task"]["type"] == "message", done
    [survey] = surveys(env.store)
    assert (survey.question, survey.anonymous) == ("Is SSO a must for Maya?", False)
    [gap] = gaps(env.store)
    assert (gap.status, gap.survey_id) == ("asking", survey.id)
    await sweep_once(env.adapter.deps, [env.adapter], NOW + timedelta(minutes=1))
    [posted] = [c for c in env.connector.posted if "Survey about" in json.dumps(c.body)]
    assert posted.conversation_id == CHANNEL_CONV
    assert "Is SSO a must for Maya?" in texts(card_of(posted.body))
