"""Modals over real HTTP: "new survey" and "edit persona" (owners and admins only), with
validation errors shown in the modal (`response_action: errors`)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

from persona_store import Store
from tests.fakes.slack_env import SlackEnv, add_persona, slack_env
from tests.test_features import ScriptedAnswerer


@pytest.fixture
async def env(sqlite_store: Store) -> AsyncIterator[SlackEnv]:
    add_persona(sqlite_store, "Maya Chen", owners=["slack:U0ALICE"], goals=["Ship on time"])
    async for e in slack_env(sqlite_store, ScriptedAnswerer()):
        yield e


def text_input(value: str) -> dict[str, Any]:
    return {"value": {"type": "plain_text_input", "value": value}}


def select(value: str) -> dict[str, Any]:
    option = {"text": {"type": "plain_text", "text": value}, "value": value}
    return {"value": {"type": "static_select", "selected_option": option}}


async def submit(env: SlackEnv, view: dict[str, Any], values: dict, user: str = "U0ALICE"):  # type: ignore[no-untyped-def]
    payload = {
        "type": "view_submission",
        "team": {"id": "T0001", "domain": "fake"},
        "user": {"id": user, "username": "alice", "name": "alice", "team_id": "T0001"},
        "api_app_id": "A0APP",
        "token": "legacy",
        "trigger_id": "1.2.3",
        "view": {
            "id": "V0001",
            "team_id": "T0001",
            "type": "modal",
            "callback_id": view["callback_id"],
            "private_metadata": view["private_metadata"],
            "state": {"values": values},
            "hash": "1.abc",
        },
        "response_urls": [],
        "is_enterprise_install": False,
    }
    status, body, _ = await env.slack.interaction(payload)
    assert status == 200
    return json.loads(body) if body else {}


async def test_new_survey_modal_validates_then_posts(env: SlackEnv) -> None:
    status, body, _ = await env.slack.command("survey")
    assert status == 200 and body == ""
    await env.settle()
    [opened] = env.api.of("views.open")
    view = opened["view"]
    assert view["callback_id"] == "slack.survey.new" and opened["trigger_id"]
    assert json.loads(view["private_metadata"]) == {"channel": "C0GENERAL"}
    bad = {"persona": select("maya"), "question": text_input(""), "options": text_input("Yes")}
    ack = await submit(env, view, bad)
    assert ack["response_action"] == "errors"
    assert set(ack["errors"]) == {"question", "options"}
    assert env.api.of("chat.postMessage") == []
    good = {
        "persona": select("maya"),
        "question": text_input("Is price still the #1 objection?"),
        "options": text_input("Yes\nNo\n- Not sure"),
        "closes": select("48h"),
        "anonymous": {"value": {"type": "checkboxes", "selected_options": [{"value": "yes"}]}},
    }
    assert await submit(env, view, good) == {}
    await env.settle()
    [post] = env.api.of("chat.postMessage")
    assert post["channel"] == "C0GENERAL"
    labels = [
        e["text"]["text"] for b in post["blocks"] if b["type"] == "actions" for e in b["elements"]
    ]
    assert labels[:3] == ["Yes", "No", "Not sure"]
    assert "Anonymous" in json.dumps(post["blocks"])


async def test_edit_is_refused_politely_to_non_owners(env: SlackEnv) -> None:
    await env.slack.command("edit maya", user="U0BOB", response_key="bob")
    await env.settle()
    assert env.api.of("views.open") == []
    [refusal] = env.api.responses("bob")
    assert refusal["response_type"] == "ephemeral"
    assert "Only Maya Chen's owners" in refusal["text"]


async def test_owner_edits_persona_in_a_modal_with_errors_shown(env: SlackEnv) -> None:
    await env.slack.command("edit maya")
    await env.settle()
    [opened] = env.api.of("views.open")
    view = opened["view"]
    assert view["callback_id"] == "slack.persona.edit"
    goals = [b for b in view["blocks"] if b["block_id"] == "goals"][0]
    assert goals["element"]["initial_value"] == "Ship on time"
    too_long = {"quote": text_input("x" * 2500), "goals": text_input("Ship on time\n" + "y" * 2100)}
    ack = await submit(env, view, too_long)
    assert ack["response_action"] == "errors" and set(ack["errors"]) == {"quote", "goals"}
    values = {
        "role": text_input("Head of operations"),
        "quote": text_input("Give me fewer tools, not more."),
        "goals": text_input("Ship on time\nHire two planners"),
        "pains": text_input("Budget is approved once a year"),
    }
    assert await submit(env, view, values) == {}
    await env.settle()
    ws = env.store.default_workspace_id()
    maya = env.store.get(ws, "maya")
    assert maya is not None and maya.role == "Head of operations"
    assert [ln.text for ln in maya.lines_of("goal")] == ["Ship on time", "Hire two planners"]
    assert env.store.revisions(ws, "maya")[-1].author == "slack:U0ALICE"


async def test_edit_submission_by_someone_else_is_refused(env: SlackEnv) -> None:
    await env.slack.command("edit maya")
    await env.settle()
    view = env.api.of("views.open")[0]["view"]
    ack = await submit(env, view, {"role": text_input("Hacked")}, user="U0MALLORY")
    assert ack["response_action"] == "errors"
    assert env.store.get(env.store.default_workspace_id(), "maya").role != "Hacked"


async def test_workspace_admin_may_edit_any_persona(env: SlackEnv) -> None:
    env.api.admins.add("U0ADMIN")
    await env.slack.command("edit maya", user="U0ADMIN")
    await env.settle()
    [opened] = env.api.of("views.open")
    assert opened["view"]["callback_id"] == "slack.persona.edit"
    [info] = env.api.of("users.info")
    assert info["user"] == "U0ADMIN"


async def test_owner_opens_the_modal_without_a_users_info_call(env: SlackEnv) -> None:
    await env.slack.command("edit maya")
    await env.settle()
    assert len(env.api.of("views.open")) == 1
    assert env.api.of("users.info") == []


async def test_edit_of_an_unknown_name_gets_the_cores_did_you_mean(env: SlackEnv) -> None:
    await env.slack.command("edit mya", response_key="typo")
    await env.settle()
    assert env.api.of("views.open") == []
    [reply] = env.api.responses("typo")
    assert reply["response_type"] == "ephemeral"
    assert reply["text"] == "I don't know 'mya' — did you mean Maya Chen?"


async def test_refusal_shows_owner_refs_as_text_not_mentions(env: SlackEnv) -> None:
    add_persona(env.store, "Omar Haddad", owners=["email:<!channel>", "slack:U0ALICE"])
    await env.slack.command("edit omar", user="U0BOB", response_key="bob")
    await env.settle()
    [refusal] = env.api.responses("bob")
    assert "Only Omar Haddad's owners (email:&lt;!channel&gt;, slack:U0ALICE)" in refusal["text"]
    assert "<!channel>" not in json.dumps(refusal)


async def test_saved_edit_is_confirmed_to_the_editor_only(env: SlackEnv) -> None:
    await env.slack.command("edit maya")
    await env.settle()
    view = env.api.of("views.open")[0]["view"]
    assert await submit(env, view, {"role": text_input("Head of operations")}) == {}
    await env.settle()
    [done] = env.api.of("chat.postEphemeral")
    assert (done["channel"], done["user"]) == ("C0GENERAL", "U0ALICE")
    assert done["text"] == "Saved Maya Chen (updated)."


async def test_refused_submission_says_so_in_the_modal(env: SlackEnv) -> None:
    await env.slack.command("edit maya")
    await env.settle()
    view = env.api.of("views.open")[0]["view"]
    ack = await submit(env, view, {"role": text_input("Hacked")}, user="U0MALLORY")
    assert ack["errors"] == {"role": "You can't edit this persona."}
    [info] = env.api.of("users.info")
    assert info["user"] == "U0MALLORY"
