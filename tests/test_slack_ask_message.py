"""'Ask the personas' over real HTTP with the fake Slack: the recorded message shortcut
(bolt-python's message_action body) opens the core's form as a modal, and its
view_submission posts the panel in the thread of that message; the global shortcut asks for
the text and answers in a DM."""

from __future__ import annotations

import copy
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from adapters.slack.message_text import message_text, pack_metadata, unpack_metadata
from bot.messages import Quoted
from persona_store import Store
from tests.fakes.slack_env import SlackEnv, add_persona, slack_env
from tests.payloads.corpus import load, with_response_url
from tests.test_features import ScriptedAnswerer

PAYLOADS = Path(__file__).parent / "payloads/slack"
TEXT = (
    "<@W222> proposes we raise prices 20% next month &amp; drop the free tier. "
    "Details: <https://wiki.example.com/pricing|pricing page>"
)


@pytest.fixture
async def env(sqlite_store: Store) -> AsyncIterator[SlackEnv]:
    add_persona(sqlite_store, "Maya Chen", kind="primary", goals=["Keep costs predictable"])
    add_persona(sqlite_store, "Sam Okafor", kind="secondary")
    add_persona(sqlite_store, "Gordon Pryce", kind="negative")
    async for e in slack_env(sqlite_store, ScriptedAnswerer({"maya": "oppose"})):
        e.api.names["W222"] = "Dana Reyes"
        yield e


def recorded(env: SlackEnv, name: str) -> dict[str, Any]:
    payload = copy.deepcopy(load(PAYLOADS / name)["payload"])
    return with_response_url(payload, env.api.response_url("shortcut"))


def submission(opened: dict[str, Any], values: dict[str, Any], team: str) -> dict[str, Any]:
    """The view_submission Slack sends for the opened modal (shape of the recorded
    view_submission_foreign.json)."""
    base = copy.deepcopy(load(PAYLOADS / "view_submission_foreign.json")["payload"])
    base["view"] = {
        **base["view"],
        "app_installed_team_id": team,
        "callback_id": opened["view"]["callback_id"],
        "private_metadata": opened["view"]["private_metadata"],
        "state": {"values": values},
    }
    return base


def defaults(view: dict[str, Any]) -> dict[str, Any]:
    """What Slack submits when the person only presses "Ask": each input's initial value."""
    values: dict[str, Any] = {}
    for block in view["blocks"]:
        if block["type"] != "input":
            continue
        element = block["element"]
        if element["type"] == "checkboxes":
            picked = {"type": "checkboxes", "selected_options": element.get("initial_options", [])}
        elif element["type"] == "static_select":
            picked = {"type": "static_select", "selected_option": element.get("initial_option")}
        else:
            picked = {"type": "plain_text_input", "value": element.get("initial_value")}
        values[block["block_id"]] = {"value": picked}
    return values


async def test_a_message_shortcut_posts_the_panel_in_that_messages_thread(env: SlackEnv) -> None:
    payload = recorded(env, "message_action.json")
    payload["message"]["text"] = TEXT
    status, body, _ = await env.slack.interaction(payload)
    assert status == 200 and not body.strip()
    await env.settle()
    [opened] = env.api.of("views.open")
    assert opened["trigger_id"] == payload["trigger_id"]
    view = opened["view"]
    assert view["title"]["text"] == "Ask the personas"
    intro = view["blocks"][0]["text"]["text"]
    assert "@Dana Reyes proposes we raise prices 20% next month & drop the free tier" in intro
    assert "pricing page (https://wiki.example.com/pricing)" in intro  # links kept
    by_id = {b.get("block_id"): b for b in view["blocks"]}
    assert [o["value"] for o in by_id["personas"]["element"]["initial_options"]] == ["maya"]
    assert [o["value"] for o in by_id["negative"]["element"]["options"]] == ["gordon"]
    assert env.api.of("chat.postMessage") == []

    values = defaults(view)
    values["critique"] = {"value": {"type": "static_select", "selected_option": {"value": "maya"}}}
    status, body, _ = await env.slack.interaction(submission(opened, values, "T111"))
    assert status == 200 and not body.strip()
    await env.settle()
    [placeholder, critique] = env.api.of("chat.postMessage")
    assert placeholder["channel"] == "C111"
    assert placeholder["thread_ts"] == payload["message"]["ts"]
    assert "Asking the panel (1 persona)…" in placeholder["text"]
    assert critique["thread_ts"] == payload["message"]["ts"]
    assert "Maya Chen's critique" in json.dumps(critique["blocks"])
    [panel] = env.api.of("chat.update")
    assert panel["ts"] == "1700000000.000001" and panel["channel"] == "C111"  # the placeholder
    said = json.dumps(panel["blocks"])
    assert "Persona panel" in said and "Maya Chen" in said and "Oppose" in said
    assert "@Dana Reyes proposes" in said and "[goal-1]" in said
    question = [env.answerer.calls[0][1]]
    assert question == [message_text(TEXT, {"W222": "Dana Reyes"})]


async def test_the_global_shortcut_asks_for_the_text_and_answers_in_a_dm(env: SlackEnv) -> None:
    status, _, _ = await env.slack.interaction(recorded(env, "global_shortcut.json"))
    assert status == 200
    await env.settle()
    [opened] = env.api.of("views.open")
    by_id = {b.get("block_id"): b for b in opened["view"]["blocks"]}
    assert by_id["message"]["element"]["multiline"] is True
    values = defaults(opened["view"])
    values["message"] = {"value": {"type": "plain_text_input", "value": "Drop the free tier."}}
    await env.slack.interaction(submission(opened, values, "T111"))
    await env.settle()
    posts = env.api.of("chat.postMessage")
    assert {p["channel"] for p in posts} == {"D111"}  # the DM of W111, who used the shortcut
    assert "Persona panel" in json.dumps(env.api.of("chat.update") or posts)
    assert env.answerer.calls == [("maya", "Drop the free tier.")]


async def test_a_form_with_nobody_picked_is_refused_inside_the_modal(env: SlackEnv) -> None:
    payload = recorded(env, "message_action.json")
    await env.slack.interaction(payload)
    await env.settle()
    [opened] = env.api.of("views.open")
    values = defaults(opened["view"])
    values["personas"] = {"value": {"type": "checkboxes", "selected_options": []}}
    status, body, _ = await env.slack.interaction(submission(opened, values, "T111"))
    assert status == 200
    ack = json.loads(body)
    assert ack["response_action"] == "errors"
    assert "Pick at least one persona" in ack["errors"]["personas"]
    await env.settle()
    assert env.api.of("chat.postMessage") == [] and env.api.of("chat.postEphemeral") == []
    assert env.answerer.calls == []


async def test_where_the_bot_may_not_post_the_answer_comes_in_a_dm(env: SlackEnv) -> None:
    """A private channel the bot was not invited to: chat.postMessage says not_in_channel,
    so the person gets the panel in a DM, told why."""
    payload = recorded(env, "message_action.json")
    payload["message"]["text"] = TEXT
    await env.slack.interaction(payload)
    await env.settle()
    [opened] = env.api.of("views.open")
    env.api.fail("chat.postMessage", error="not_in_channel")
    await env.slack.interaction(submission(opened, defaults(opened["view"]), "T111"))
    await env.settle()
    note, placeholder = env.api.of("chat.postMessage")  # after the refused one (to C111)
    assert note["channel"] == placeholder["channel"] == "D00FAKEUSER2"
    assert "I'm not in that channel" in note["text"]
    [panel] = env.api.of("chat.update")
    assert panel["channel"] == "D00FAKEUSER2" and "Persona panel" in json.dumps(panel["blocks"])


def test_a_long_message_rides_in_the_metadata_compressed_or_cut() -> None:
    prose = " ".join(f"Sentence {i} about pricing and onboarding." for i in range(200))
    where, quoted = unpack_metadata(pack_metadata({"c": "C1", "t": "1.2"}, Quoted(prose)))
    assert where == {"c": "C1", "t": "1.2"} and quoted == Quoted(prose, len(prose))
    noise = "".join(chr(0x4E00 + (i * 7919) % 20000) for i in range(5000))
    raw = pack_metadata({"c": "C1"}, Quoted(noise))
    assert len(raw) <= 3000
    _, cut = unpack_metadata(raw)
    assert cut is not None and noise.startswith(cut.text) and cut.full_length == 5000
    assert unpack_metadata("not json") == ({}, None)
