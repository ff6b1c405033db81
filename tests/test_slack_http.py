"""The Slack adapter over real HTTP: signed requests in Slack's documented shapes to the real
aiohttp app on 127.0.0.1, and a fake Slack Web API (SLACK_API_URL) on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator

import pytest

from bot.answering.base import Answer, Reason
from persona_store import Store
from persona_store.personas.views import PersonaView
from tests.fakes.slack_env import SlackEnv, add_persona, slack_env
from tests.test_features import ScriptedAnswerer


class GatedAnswerer:
    """An LLM that takes as long as the test says (up to 10 s): it answers when released."""

    name = "gated"

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.started = asyncio.Event()
        self.calls: list[tuple[str, str]] = []

    async def answer(self, persona: PersonaView, question: str) -> Answer:
        self.calls.append((persona.slug, question))
        self.started.set()
        await asyncio.wait_for(self.release.wait(), 10)
        line = persona.lines[0]
        return Answer(
            persona_slug=persona.slug,
            stance="oppose",
            summary="Not before budget season",
            reasons=(Reason(line.text, (line.key,)),),
            confidence=0.7,
        )


@pytest.fixture
async def env(sqlite_store: Store) -> AsyncIterator[SlackEnv]:
    add_persona(
        sqlite_store,
        "Maya Chen",
        quote="<!channel> I don't have time & budget for <https://evil.example|this>",
        goals=["Ship on time"],
    )
    add_persona(sqlite_store, "Sam Okafor", kind="secondary")
    async for e in slack_env(sqlite_store, ScriptedAnswerer()):
        yield e


@pytest.fixture
async def slow_env(sqlite_store: Store) -> AsyncIterator[SlackEnv]:
    add_persona(sqlite_store, "Maya Chen", goals=["Ship on time"])
    async for e in slack_env(sqlite_store, GatedAnswerer()):
        yield e


def all_text(blocks: list[dict]) -> str:
    return json.dumps(blocks, ensure_ascii=False)


async def test_url_verification_is_answered(env: SlackEnv) -> None:
    status, body, _ = await env.slack.url_verification(
        "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"
    )
    assert status == 200
    assert "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" in body


async def test_forged_signature_gets_401_and_nothing_happens(env: SlackEnv) -> None:
    status, _, _ = await env.slack.command("ask maya Should we raise prices?", secret="forged")
    assert status == 401
    status, _, _ = await env.slack.event(
        env.slack.mention("what would Maya think about dark mode?"), secret="wrong"
    )
    assert status == 401
    await env.settle()
    assert env.api.calls == [] and env.answerer.calls == []


async def test_stale_timestamp_gets_401_and_nothing_happens(env: SlackEnv) -> None:
    six_minutes_ago = int(time.time()) - 6 * 60
    status, _, _ = await env.slack.command("help", timestamp=six_minutes_ago)
    assert status == 401
    status, _, _ = await env.slack.event(
        env.slack.mention("what would Maya think about dark mode?"), timestamp=six_minutes_ago
    )
    assert status == 401
    await env.settle()
    assert env.api.calls == [] and env.answerer.calls == []


async def test_help_is_answered_in_the_ack_privately(env: SlackEnv) -> None:
    status, body, _ = await env.slack.command("help")
    assert status == 200
    ack = json.loads(body)
    assert ack["response_type"] == "ephemeral"
    assert "Persona Bot help" in all_text(ack["blocks"])
    await env.settle()
    assert env.api.of("chat.postMessage") == []


async def test_show_escapes_channel_ping_in_persona_quote(env: SlackEnv) -> None:
    status, body, _ = await env.slack.command("show maya")
    assert status == 200
    ack = json.loads(body)
    rendered = all_text(ack["blocks"]) + ack["text"]
    assert "<!channel>" not in rendered and "<https://evil" not in rendered
    assert "&lt;!channel&gt;" in rendered and "&amp; budget" in rendered
    assert ack["response_type"] == "ephemeral"


async def test_ask_acks_with_placeholder_then_replaces_it_with_the_answer(env: SlackEnv) -> None:
    status, body, _ = await env.slack.command("ask maya Should we raise prices 20%?")
    assert status == 200
    ack = json.loads(body)
    assert ack["text"] == "Asking Maya…" and ack["response_type"] == "ephemeral"
    [answer] = await env.api.wait_for("response_url")
    await env.settle()
    assert answer["replace_original"] is True and answer["response_type"] == "ephemeral"
    assert "Maya Chen" in all_text(answer["blocks"])
    share = [b for b in answer["blocks"] if b.get("block_id") == "slack.share"]
    assert share and share[0]["elements"][0]["action_id"] == "slack.share"
    assert env.answerer.calls == [("maya", "Should we raise prices 20%?")]


async def test_share_in_channel_posts_the_stored_answer_publicly(env: SlackEnv) -> None:
    await env.slack.command("ask maya Should we raise prices?", response_key="cmd")
    [answer] = await env.api.wait_for("response_url")
    await env.settle()
    token = [b for b in answer["blocks"] if b.get("block_id") == "slack.share"][0]["elements"][0][
        "value"
    ]
    status, _, _ = await env.slack.click("slack.share", token, ephemeral=True, response_key="btn")
    assert status == 200
    await env.settle()
    posted, deleted = env.api.responses("btn")
    assert posted["response_type"] == "in_channel" and posted["replace_original"] is False
    assert "Maya Chen" in all_text(posted["blocks"]) and "Shared by <@U0ALICE>" in all_text(
        posted["blocks"]
    )
    assert not any(b.get("block_id") == "slack.share" for b in posted["blocks"])
    assert deleted == {"delete_original": True}


async def test_slow_answer_acks_at_once_and_replaces_placeholder_later(
    slow_env: SlackEnv,
) -> None:
    env = slow_env
    started = time.monotonic()
    status, body, _ = await env.slack.command("ask maya Should we drop the free tier?")
    acked_in = time.monotonic() - started
    assert status == 200 and json.loads(body)["text"] == "Asking Maya…"
    assert acked_in < 3.0  # Slack's deadline; the answerer is still thinking
    await asyncio.wait_for(env.answerer.started.wait(), 5)
    assert env.api.responses() == []  # acked before the answer exists
    env.answerer.release.set()
    [answer] = await env.api.wait_for("response_url")
    assert answer["replace_original"] is True
    assert "Not before budget season" in all_text(answer["blocks"])


async def test_mention_answers_in_thread_replacing_placeholder(env: SlackEnv) -> None:
    mention = env.slack.mention("what would Maya think about a 20% price rise?", ts="1700.000001")
    status, _, _ = await env.slack.event(mention)
    assert status == 200
    await env.api.wait_for("chat.update")
    await env.settle()
    [placeholder] = env.api.of("chat.postMessage")
    assert placeholder["text"] == "Asking Maya…" and placeholder["thread_ts"] == "1700.000001"
    assert placeholder["channel"] == "C0GENERAL"
    [update] = env.api.of("chat.update")
    assert update["ts"] == "1700000000.000001" and "Maya Chen" in all_text(update["blocks"])
    assert env.answerer.calls == [("maya", "a 20% price rise")]
    assert placeholder["unfurl_links"] is False


async def test_retried_event_is_answered_once(env: SlackEnv) -> None:
    mention = env.slack.mention("what would Maya think about dark mode?")
    for retry in (0, 1, 2):
        status, _, _ = await env.slack.event(mention, event_id="Ev0RETRIED", retry=retry)
        assert status == 200
    await env.settle()
    assert len(env.api.of("chat.postMessage")) == 1
    assert len(env.api.of("chat.update")) == 1
    assert len(env.answerer.calls) == 1


async def test_direct_message_is_answered_in_the_dm(env: SlackEnv) -> None:
    await env.slack.event(env.slack.direct_message("show sam"))
    await env.settle()
    [post] = env.api.of("chat.postMessage")
    assert post["channel"] == "D0ALICE" and post.get("thread_ts") is None
    assert "Sam Okafor" in all_text(post["blocks"])


async def test_bot_messages_and_edits_are_ignored(env: SlackEnv) -> None:
    own = {**env.slack.direct_message("show sam"), "bot_id": "BBOT"}
    edited = {**env.slack.direct_message("show sam"), "subtype": "message_changed"}
    await env.slack.event(own)
    await env.slack.event(edited)
    await env.settle()
    assert env.api.calls == []


async def test_rate_limited_post_is_retried_and_posted_once(env: SlackEnv) -> None:
    env.api.fail("chat.postMessage", status=429, retry_after=0)
    await env.slack.event(env.slack.mention("what would Maya think about dark mode?"))
    await env.api.wait_for("chat.update")
    await env.settle()
    assert env.api.attempts["chat.postMessage"] == 2
    assert len(env.api.of("chat.postMessage")) == 1


async def test_help_in_a_channel_mention_is_ephemeral(env: SlackEnv) -> None:
    await env.slack.event(env.slack.mention("help"))
    await env.settle()
    [eph] = env.api.of("chat.postEphemeral")
    assert eph["user"] == "U0ALICE" and eph["channel"] == "C0GENERAL"
    assert env.api.of("chat.postMessage") == []


async def test_button_routes_to_core_action(env: SlackEnv) -> None:
    status, _, _ = await env.slack.click("ask.again", "maya", response_key="again")
    assert status == 200
    await env.settle()
    [resp] = env.api.responses("again")
    assert resp["response_type"] == "ephemeral" and "ask maya" in resp["text"]


async def test_survey_posts_tracked_message_and_vote_updates_tally(env: SlackEnv) -> None:
    status, body, _ = await env.slack.command(
        'survey maya "Is price still the #1 objection?" Yes | No'
    )
    assert status == 200
    await env.settle()
    posts = env.api.of("chat.postMessage")
    assert len(posts) == 1, (body, env.api.calls)
    survey = posts[0]
    assert survey["channel"] == "C0GENERAL"
    votes = [
        e
        for b in survey["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"].startswith("survey.vote")
    ]
    assert [v["text"]["text"] for v in votes] == ["Yes", "No"]
    await env.slack.click(
        votes[1]["action_id"], votes[1]["value"], message_ts="1700000000.000001", response_key="v"
    )
    await env.settle()
    [ack] = env.api.responses("v")
    assert ack["response_type"] == "ephemeral" and "No" in ack["text"]
    [tally] = env.api.of("chat.update")
    assert tally["ts"] == "1700000000.000001" and "1 answer" in tally["text"]


async def test_busy_database_acks_empty_then_shows_placeholder_and_answer(env: SlackEnv) -> None:
    env.adapter.flows.ack_budget = 0.0  # the placeholder is never ready in time
    status, body, _ = await env.slack.command("ask maya Should we raise prices?")
    assert status == 200 and body == ""
    await env.api.wait_for("response_url", 2)
    await env.settle()
    placeholder, answer = env.api.responses()
    assert placeholder["text"] == "Asking Maya…" and placeholder["response_type"] == "ephemeral"
    assert placeholder["replace_original"] is False
    assert answer["replace_original"] is True and "Maya Chen" in all_text(answer["blocks"])


async def test_in_a_burst_acks_go_first_and_the_work_follows(env: SlackEnv) -> None:
    """While another request waits for its ack, a command is acked empty at once and its
    turn (database, placeholder, answer) waits until the acks are out."""
    pacing = env.adapter.flows.pacing
    pacing.enter()  # another request is being acked
    status, body, _ = await env.slack.command("ask maya Should we raise prices?")
    assert status == 200 and body == ""
    await asyncio.sleep(0.2)
    assert env.api.responses() == [] and env.answerer.calls == []  # nothing yet
    pacing.leave()
    await env.api.wait_for("response_url", 2)
    await env.settle()
    placeholder, answer = env.api.responses()
    assert placeholder["text"] == "Asking Maya…" and placeholder["response_type"] == "ephemeral"
    assert answer["replace_original"] is True and "Maya Chen" in all_text(answer["blocks"])


async def test_bolt_does_not_read_slack_variables_behind_our_settings(
    sqlite_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    # With these in the environment bolt would switch to its own OAuth flow (file store)
    # and ignore the bot token; our Settings are the only source of configuration.
    monkeypatch.setenv("SLACK_CLIENT_ID", "1.2")
    monkeypatch.setenv("SLACK_CLIENT_SECRET", "from-env")
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-from-env")
    add_persona(sqlite_store, "Maya Chen")
    async for env in slack_env(sqlite_store, ScriptedAnswerer()):
        assert env.adapter.bolt.oauth_flow is None
        status, body, _ = await env.slack.command("help")
        assert status == 200 and "Persona Bot help" in body
    import os

    assert os.environ["SLACK_CLIENT_ID"] == "1.2"  # restored after building the app


async def test_retry_reaching_another_web_process_is_still_answered_once(
    sqlite_store: Store,
) -> None:
    """Two web processes behind a load balancer share only the database: Slack's retry of an
    event that went to process A arrives at process B, and nothing is posted twice."""
    add_persona(sqlite_store, "Maya Chen", goals=["Ship on time"])
    answerer = ScriptedAnswerer()
    async for a in slack_env(sqlite_store, answerer):
        async for b in slack_env(sqlite_store, answerer):
            b.slack.api = a.api  # both processes talk to the same Slack
            b.adapter.delivery.client.base_url = a.api.api_url
            mention = a.slack.mention("what would Maya think about dark mode?")
            assert (await a.slack.event(mention, event_id="Ev0LB"))[0] == 200
            assert (await b.slack.event(mention, event_id="Ev0LB", retry=1))[0] == 200
            await a.settle()
            await b.settle()
            assert len(a.api.of("chat.postMessage")) == 1 and b.api.calls == []
            assert len(answerer.calls) == 1


async def test_database_down_during_a_command_acks_an_apology(env: SlackEnv) -> None:
    def broken(*args: object) -> int:
        raise RuntimeError("database is down")

    env.adapter.flows.deps.workspace_id = broken  # type: ignore[method-assign]
    status, body, _ = await env.slack.command("ask maya anything?")
    assert status == 200 and "something went wrong" in json.loads(body)["text"]
