"""Proactive sending (the clock's send/update), permanent delivery errors, and recovery of
"Asking…" placeholders left behind by a process that died."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from bot.messages import Address, Reply
from bot.ports import ChatAdapter, DeliveryError
from persona_store import Store
from tests.fakes.slack_env import SlackEnv, add_persona, slack_env
from tests.test_features import ScriptedAnswerer

CHANNEL = Address(platform="slack", workspace="T0001", conversation_id="C0DIGEST")


@pytest.fixture
async def env(sqlite_store: Store) -> AsyncIterator[SlackEnv]:
    add_persona(sqlite_store, "Maya Chen", goals=["Ship on time"])
    async for e in slack_env(sqlite_store, ScriptedAnswerer()):
        yield e


async def test_adapter_is_a_chat_adapter(env: SlackEnv) -> None:
    assert isinstance(env.adapter, ChatAdapter) and env.adapter.platform == "slack"


async def test_send_then_update_uses_the_bot_token_and_base_url(env: SlackEnv) -> None:
    ts = await env.adapter.send(CHANNEL, Reply(text="Persona of the week: <!here> Maya"))
    await env.adapter.update(CHANNEL, ts, Reply(text="Persona of the week: Maya (closed)"))
    [post] = env.api.of("chat.postMessage")
    [update] = env.api.of("chat.update")
    assert post["_token"] == "xoxb-0000-test" and post["channel"] == "C0DIGEST"
    assert post["text"] == "Persona of the week: &lt;!here&gt; Maya"
    assert update["ts"] == ts and "closed" in update["text"]


async def test_send_to_a_user_opens_a_dm(env: SlackEnv) -> None:
    owner = Address(platform="slack", workspace="T0001", conversation_id="U0OWNER")
    await env.adapter.send(owner, Reply(text="Maya is due for review"))
    [opened] = env.api.of("conversations.open")
    assert opened["users"] == "U0OWNER"
    assert env.api.of("chat.postMessage")[0]["channel"] == "D0OWNER"


@pytest.mark.parametrize("error", ["channel_not_found", "not_in_channel", "is_archived"])
async def test_gone_channel_is_a_permanent_delivery_error(env: SlackEnv, error: str) -> None:
    env.api.fail("chat.postMessage", error=error)
    with pytest.raises(DeliveryError) as info:
        await env.adapter.send(CHANNEL, Reply(text="hello"))
    assert info.value.reason == error and info.value.permanent
    assert env.api.attempts["chat.postMessage"] == 1  # not retried forever


async def test_other_errors_are_not_permanent(env: SlackEnv) -> None:
    env.api.fail("chat.update", error="internal_error")
    with pytest.raises(DeliveryError) as info:
        await env.adapter.update(CHANNEL, "1.2", Reply(text="x"))
    assert not info.value.permanent


async def test_stuck_placeholder_is_replaced_by_apology_with_retry(env: SlackEnv) -> None:
    state = env.adapter.state
    ws = env.store.workspace_id("slack", "T0001")
    state.add_pending(
        ws,
        team_id="T0001",
        channel="C0GENERAL",
        ts="1700000000.000042",
        thread_ts="1699999999.000001",
        user_id="U0ALICE",
        kind="message",
        text="what would Maya think about dark mode?",
    )
    assert await env.adapter.recover_pending(timedelta(0)) == 1
    assert await env.adapter.recover_pending(timedelta(0)) == 0  # claimed once
    [update] = env.api.of("chat.update")
    assert update["ts"] == "1700000000.000042" and "lost track" in update["text"]
    retry = update["blocks"][-1]["elements"][0]
    assert retry["action_id"] == "slack.retry"
    await env.slack.click(
        retry["action_id"], retry["value"], message_ts="1700000000.000042", response_key="retry"
    )
    await env.settle()
    assert env.api.responses("retry") == []
    _, progress, answer = env.api.of("chat.update")
    assert progress["text"] == "Asking Maya…" and progress["ts"] == "1700000000.000042"
    assert "Maya Chen" in str(answer["blocks"]) and answer["ts"] == "1700000000.000042"


async def test_stuck_slash_command_answer_is_replaced_through_response_url(env: SlackEnv) -> None:
    ws = env.store.workspace_id("slack", "T0001")
    env.adapter.state.add_pending(
        ws,
        team_id="T0001",
        channel="C0GENERAL",
        response_url=env.api.response_url("old"),
        user_id="U0ALICE",
        kind="command",
        text="ask maya dark mode?",
    )
    assert await env.adapter.recover_pending(timedelta(0)) == 1
    [apology] = env.api.responses("old")
    assert apology["replace_original"] is True and apology["response_type"] == "ephemeral"
    retry = apology["blocks"][-1]["elements"][0]
    await env.slack.click(retry["action_id"], retry["value"], ephemeral=True, response_key="new")
    await env.settle()
    progress, answer = env.api.responses("new")
    assert progress["text"] == "Asking Maya…" and progress["replace_original"] is True
    assert answer["replace_original"] is True and "Maya Chen" in str(answer["blocks"])
    assert await env.adapter.recover_pending(timedelta(0)) == 0


def test_no_credentials_means_slack_is_off(sqlite_store: Store, caplog) -> None:  # type: ignore[no-untyped-def]
    from adapters.slack.app import SlackAdapter
    from bot.commands import Core
    from bot.features import build_registry
    from bot.tasks import BackgroundTasks
    from tests.conftest import make_deps

    caplog.set_level("INFO")
    for settings in ({}, {"slack_bot_token": "xoxb-1"}, {"slack_signing_secret": "s"}):
        deps = make_deps(sqlite_store, ScriptedAnswerer(), **settings)
        core = Core(deps, build_registry())
        assert SlackAdapter.from_settings(deps.settings, core, deps, BackgroundTasks()) is None
    assert "Slack is off" in caplog.text
