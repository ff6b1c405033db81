"""Played as an attacker over real HTTP in Teams (Action.Submit data comes from the client,
so a member can send any value): a "Log decision" button names an answer record, and a
forged or guessed one (`answer:1`, the answer Alice got in her private chat with the bot)
shows nothing of that answer and attaches nothing; the real button still works."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.commands import Core
from bot.features import build_registry
from bot.messages import Address
from persona_store import Store
from persona_store.decisions.repository import DecisionStore
from persona_store.decisions.views import Considered, Place
from tests.conftest import make_deps
from tests.fakes.slack_env import add_persona
from tests.fakes.teams_env import TENANT, TeamsEnv, teams_env
from tests.test_decisions import THREAD, click
from tests.test_decisions_teams import invoke, post_json, task_fetches
from tests.test_features import ScriptedAnswerer
from tests.test_teams_http import card_of, texts

SECRET = "should we buy Acme before the board meets"


@pytest.fixture
async def env(store: Store) -> AsyncIterator[TeamsEnv]:
    add_persona(store, "Maya Chen", goals=["Ship on time"])
    async for e in teams_env(store, ScriptedAnswerer()):
        yield e


async def private_answer(env: TeamsEnv) -> str:
    """Alice asks Maya in her personal chat with the bot: the Log decision value."""
    await env.post(env.activities.message(f"what would Maya think about {SECRET}?"))
    await env.settle()
    calls = env.connector.of("update") or env.connector.posted
    [log] = [
        a["data"]
        for c in calls
        for a in task_fetches(card_of(c.body))
        if a["data"].get("action_id") == "decision.log"
    ]
    return str(log["value"])


async def test_a_forged_answer_ref_shows_and_attaches_nothing(env: TeamsEnv) -> None:
    real = await private_answer(env)
    number = real.split(":", 1)[1].split(".", 1)[0]
    for forged in (f"answer:{number}", f"answer:{number}.guess"):
        data = {"action_id": "decision.log", "value": forged, "msteams": {"type": "task/fetch"}}
        fetched = await post_json(env, invoke(env, "task/fetch", data, "1700000000001"))
        form = fetched["task"]["value"]["card"]["content"]
        assert "Acme" not in texts(form) and "Maya Chen" not in texts(form), forged
        submit = {**form["actions"][0]["data"], "decision": "Buy Acme", "outcome": "adopted"}
        submit["value"] = f"{forged.split(':', 1)[1]}|"  # the form's own value, forged too
        await post_json(env, invoke(env, "task/submit", submit, "1700000000001"))
        await env.settle()
    ws = env.store.workspace_id("teams", TENANT)
    logged = DecisionStore.of(env.store).recent(ws)
    assert len(logged) == 2
    assert all(d.question == "" and not d.personas for d in logged)


async def test_the_real_button_still_attaches_the_answer(env: TeamsEnv) -> None:
    real = await private_answer(env)
    data = {"action_id": "decision.log", "value": real, "msteams": {"type": "task/fetch"}}
    fetched = await post_json(env, invoke(env, "task/fetch", data, "1700000000001"))
    form = fetched["task"]["value"]["card"]["content"]
    assert "Maya Chen" in texts(form)
    submit = {**form["actions"][0]["data"], "decision": "Buy Acme", "outcome": "adopted"}
    await post_json(env, invoke(env, "task/submit", submit, "1700000000001"))
    await env.settle()
    [decision] = DecisionStore.of(env.store).recent(env.store.workspace_id("teams", TENANT))
    assert decision.persona_names == ["Maya Chen"] and "Acme" in decision.question


async def test_a_record_from_before_keys_attaches_only_in_its_conversation(store: Store) -> None:
    """Answer records written before keys (migration 0013) have none: their old buttons
    still work where they were posted, and nowhere else."""
    core = Core(make_deps(store, ScriptedAnswerer()), build_registry())
    ws = store.workspace_id("slack", "T1")
    heard = [Considered("maya", "Maya Chen", "oppose", (("goal-1", "Ship on time"),))]
    old = DecisionStore.of(store).record_answer(
        ws, "ask", SECRET, heard, place=Place("slack", THREAD.conversation_id)
    )
    [here] = await core.handle(click("decision.log", f"answer:{old}"))
    assert here.form is not None and "Maya Chen" in (here.form.text or "")
    elsewhere = Address("slack", "T1", "C0OTHER")
    [there] = await core.handle(click("decision.log", f"answer:{old}", address=elsewhere))
    assert there.form is not None and "Acme" not in there.text + (there.form.text or "")
