"""'Ask the personas' on a Teams message over real HTTP with the fake Bot Connector: the
documented composeExtension/fetchTask of a message in a channel thread answers with the
core's form as a task module, and the submitAction posts the panel as a reply in that
message's thread (placeholder first, then replaced); a chat the bot is not in gets the
panel back as cards to insert."""

from __future__ import annotations

import copy
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from adapters.teams.message_html import html_to_text
from persona_store import Store
from tests.fakes.slack_env import add_persona
from tests.fakes.teams_env import TeamsEnv, teams_env
from tests.payloads.corpus import load
from tests.test_features import ScriptedAnswerer
from tests.test_teams_http import card_of, texts

PAYLOADS = Path(__file__).parent / "payloads/teams"
THREAD = "19:6decf54d86d945e4b3924b63a9161a78@thread.skype;messageid=1611060744833"
HTML = (
    '<p>Hi <at id="0">Dana Reyes</at>, we raise prices 20%&nbsp;&amp; drop the free tier.</p>'
    '<p>See <a href="https://wiki.example.com/pricing">the pricing page</a>.</p>'
)


@pytest.fixture
async def env(sqlite_store: Store) -> AsyncIterator[TeamsEnv]:
    add_persona(sqlite_store, "Maya Chen", kind="primary", goals=["Keep costs predictable"])
    add_persona(sqlite_store, "Sam Okafor", kind="secondary")
    add_persona(sqlite_store, "Gordon Pryce", kind="negative")
    async for e in teams_env(sqlite_store, ScriptedAnswerer({"maya": "oppose"})):
        yield e


def recorded(env: TeamsEnv, name: str, content: str = HTML) -> dict[str, Any]:
    payload = copy.deepcopy(load(PAYLOADS / name)["payload"])
    payload["serviceUrl"] = env.activities.service_url
    payload["value"]["messagePayload"]["body"]["content"] = content
    return payload


async def invoke(env: TeamsEnv, activity: dict[str, Any]) -> Any:
    resp = await env.session.post(f"{env.url}/api/messages", json=activity)
    assert resp.status == 200, await resp.text()
    return json.loads(await resp.text())


def inputs(card: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {e["id"]: e for e in card["body"] if e["type"].startswith("Input.")}


async def test_fetch_task_then_submit_posts_the_panel_in_the_messages_thread(
    env: TeamsEnv,
) -> None:
    task = await invoke(env, recorded(env, "fetch_task_message_channel.json"))
    assert task["task"]["type"] == "continue"
    info = task["task"]["value"]
    assert info["title"] == "Ask the personas"
    card = info["card"]["content"]
    intro = card["body"][0]["text"]
    assert "Hi @Dana Reyes, we raise prices 20% & drop the free tier." in intro.replace("\\", "")
    assert "the pricing page (https://wiki.example.com/pricing)" in intro.replace("\\", "")
    fields = inputs(card)
    assert fields["personas"]["isMultiSelect"] and fields["personas"]["value"] == "maya"
    assert [c["value"] for c in fields["negative"]["choices"]] == ["gordon"]
    assert fields["question"]["value"] == "What would they think of this?"
    [submit_button] = card["actions"]
    assert submit_button["type"] == "Action.Submit"
    assert env.connector.posted == []

    submit = recorded(env, "submit_action_message_channel.json")
    data = {**submit_button["data"], **{k: f.get("value", "") for k, f in fields.items()}}
    data["critique"] = "maya"
    submit["value"]["data"] = data
    body = await invoke(env, submit)
    assert body["task"] == {  # the dialog says so; the panel follows in the thread
        "type": "message",
        "value": "Asking the personas: their answer follows in the message's thread.",
    }
    await env.settle()
    placeholder, critique = env.connector.posted
    assert placeholder.conversation_id == THREAD and critique.conversation_id == THREAD
    assert "Asking the panel (1 persona)" in json.dumps(placeholder.body)
    assert "Maya Chen's critique" in texts(card_of(critique.body))
    [update] = env.connector.of("update")
    assert update.activity_id == "act-1"  # the placeholder, the first activity posted
    panel = texts(card_of(update.body))
    assert "Persona panel" in panel and "Maya Chen" in panel and "Oppose" in panel
    # the panel asked Maya about the message's plain text (the critique then claim by claim)
    assert env.answerer.calls[0] == ("maya", html_to_text(HTML))


async def test_a_submit_with_nobody_picked_shows_the_form_again_with_the_problem(
    env: TeamsEnv,
) -> None:
    submit = recorded(env, "submit_action_message_channel.json")
    submit["value"]["data"] = {"action_id": "ask.message", "personas": "", "critique": "-"}
    body = await invoke(env, submit)
    assert body["task"]["type"] == "continue"
    card = body["task"]["value"]["card"]["content"]
    assert "Pick at least one persona" in texts(card)
    await env.settle()
    assert env.connector.posted == [] and env.answerer.calls == []


async def test_where_the_bot_cannot_post_the_panel_comes_back_as_cards(env: TeamsEnv) -> None:
    env.connector.fail_next("send", status=403, code="BotNotInConversationRoster")
    body = await invoke(env, recorded(env, "submit_action_message_channel.json"))
    result = body["composeExtension"]
    assert result["type"] == "result"
    [attachment] = result["attachments"]
    assert "Persona panel" in texts(attachment["content"])


def test_message_html_becomes_plain_text_with_names_and_links() -> None:
    html = (
        '<div><at id="0">Testing outgoing Webhook-Nikitha</at> - Hi</div>\n'
        '<ul><li>one &lt;b&gt;</li><li><a href="https://x.example/a">https://x.example/a</a>'
        '</li></ul><script>alert(1)</script><a href="javascript:alert(1)">click</a>'
    )
    assert html_to_text(html) == (
        "@Testing outgoing Webhook-Nikitha - Hi\n\n- one <b>\n\n- https://x.example/a\nclick"
    )


async def test_a_long_message_is_read_to_4000_characters_and_the_card_says_so(
    env: TeamsEnv,
) -> None:
    long = "<p>" + "We raise prices next month. " * 200 + "</p>"  # 5,600 characters of text
    submit = recorded(env, "submit_action_message_channel.json", content=long)
    await invoke(env, submit)
    await env.settle()
    [update] = env.connector.of("update")
    full = len(html_to_text(long))
    assert f"Only the first 4,000 of {full:,} characters of the message were read." in texts(
        card_of(update.body)
    )
    assert len(env.answerer.calls[0][1]) == 4000
