"""The decision log over real HTTP in Slack: an answer's "Log decision" button opens a
modal (views.open), its view_submission is checked (errors in the ack, nothing stored)
then logged with the answer's personas and the message's permalink; it shows in
`decisions maya`, on the gallery page and in the export, and never in another team."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.features.decision_export import export_decisions
from persona_store import Store
from tests.fakes.slack_env import SlackEnv, add_persona, slack_env
from tests.test_features import ScriptedAnswerer
from tests.test_slack_modals import select, submit, text_input


@pytest.fixture
async def env(sqlite_store: Store) -> AsyncIterator[SlackEnv]:
    add_persona(sqlite_store, "Maya Chen", goals=["Ship on time"])
    add_persona(sqlite_store, "Sam Okafor")
    async for e in slack_env(sqlite_store, ScriptedAnswerer(), web=True):
        yield e


def buttons(blocks: list[dict[str, Any]]) -> dict[str, str]:
    return {
        e["action_id"]: e.get("value", "")
        for b in blocks
        if b["type"] == "actions"
        for e in b["elements"]
    }


async def answered_in_thread(env: SlackEnv) -> tuple[str, str]:
    """(the answer's ts, its Log decision value), asked by a mention in #general."""
    await env.slack.event(env.slack.mention("what would Maya think about dropping the free tier?"))
    await env.settle()
    [posted] = env.api.of("chat.postMessage")  # the placeholder, then updated in place
    [answer] = env.api.of("chat.update")
    value = buttons(answer["blocks"])["decision.log"]
    return str(answer["ts"]), value


GOOD = {
    "decision": text_input("Keep the free tier"),
    "outcome": select("adopted"),
    "note": text_input("Maya needs it to try us"),
    "link": text_input("https://example.com/pricing-spec"),
}


async def log_from_answer(env: SlackEnv) -> dict[str, Any]:
    ts, value = await answered_in_thread(env)
    assert value.startswith("answer:")
    await env.slack.click("decision.log", value, message_ts=ts)
    await env.settle()
    [opened] = env.api.of("views.open")
    view = opened["view"]
    assert view["callback_id"] == "persona.form"
    assert "Maya Chen" in view["blocks"][0]["text"]["text"]
    bad = {**GOOD, "decision": text_input("Two\nlines"), "link": text_input("javascript:x")}
    ack = await submit(env, view, bad)
    assert ack["response_action"] == "errors" and set(ack["errors"]) == {"decision", "link"}
    ws = env.store.default_workspace_id()
    from persona_store.decisions.repository import DecisionStore

    assert DecisionStore.of(env.store).recent(ws) == []
    assert await submit(env, view, GOOD) == {}
    await env.settle()
    return view


async def test_a_decision_logged_from_a_slack_answer_shows_everywhere(env: SlackEnv) -> None:
    await log_from_answer(env)
    posts = env.api.of("chat.postMessage")
    logged = posts[-1]
    assert logged["channel"] == "C0GENERAL" and logged["thread_ts"]  # in the answer's thread
    assert "Decision #1: Keep the free tier" in json.dumps(logged["blocks"])
    [link] = env.api.of("chat.getPermalink")
    assert link["channel"] == "C0GENERAL"
    # `decisions maya` lists it
    _, listed, _ = await env.slack.command("decisions maya")
    assert "#1 Keep the free tier: Adopted · Maya Chen" in json.loads(listed)["text"]
    # the gallery page of Maya shows it, with where it was decided
    async with env.slack.session.get(env.slack.bot_url + "/personas/maya") as resp:
        page = await resp.text()
    assert resp.status == 200
    assert "Considered in 1 decision" in page and "Keep the free tier" in page
    assert "https://fake.slack.com/archives/C0GENERAL/p" in page
    # the export has it, cited line and permalink included
    csv_text = export_decisions(env.store, "csv")
    assert '"Keep the free tier","adopted"' in csv_text
    assert "maya/goal-1: Ship on time" in csv_text and "fake.slack.com/archives" in csv_text
    assert "## #1 Keep the free tier" in export_decisions(env.store, "md")


async def test_another_team_never_sees_the_decision(env: SlackEnv) -> None:
    await log_from_answer(env)
    env.slack.team_id = "T0OTHER"
    _, listed, _ = await env.slack.command("decisions")
    assert "No decisions logged yet" in listed
    _, one, _ = await env.slack.command("decisions 1")
    assert "There is no decision #1" in one


async def test_a_typed_decide_in_the_answer_thread_attaches_the_answer(env: SlackEnv) -> None:
    ts, _ = await answered_in_thread(env)
    [mention] = [c for c in env.api.of("chat.postMessage")]
    thread = mention["thread_ts"]
    event = env.slack.mention('decide "Keep the free tier" --outcome adopted')
    event["thread_ts"] = thread
    await env.slack.event(event)
    await env.settle()
    logged = env.api.of("chat.postMessage")[-1]
    text = json.dumps(logged)
    assert "Decision #1: Keep the free tier" in text and "Maya Chen" in text
    assert "No answer was attached" not in text


async def test_only_the_author_edits_in_the_modal(env: SlackEnv) -> None:
    await log_from_answer(env)
    logged = env.api.of("chat.postMessage")[-1]
    edit = buttons(logged["blocks"])["decision.edit"]
    opened_before = len(env.api.of("views.open"))
    await env.slack.click("decision.edit", edit, user="U0BOB", response_key="bob")
    await env.settle()
    assert len(env.api.of("views.open")) == opened_before  # no form for someone else
    assert "Only the person who logged decision #1" in json.dumps(env.api.responses("bob"))
    await env.slack.click("decision.edit", edit, message_ts=logged.get("ts", "1700000000.000009"))
    await env.settle()
    view = env.api.of("views.open")[-1]["view"]
    initial = {b["block_id"]: b["element"].get("initial_value") for b in view["blocks"]
               if b["type"] == "input"}  # fmt: skip
    assert initial["decision"] == "Keep the free tier"
    changed = {**GOOD, "outcome": select("parked")}
    assert await submit(env, view, changed) == {}
    await env.settle()
    assert "edited (version 2)" in json.dumps(env.api.of("chat.postMessage")[-1])
    ws = env.store.default_workspace_id()
    from persona_store.decisions.repository import DecisionStore

    found = DecisionStore.of(env.store).get(ws, 1)
    assert found is not None and found.outcome == "parked" and found.version == 2
