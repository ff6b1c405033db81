"""`app_uninstalled` and `tokens_revoked` (signed event_callback requests over real HTTP):
the installation is deleted from slack_sdk's installation store (OAuth) or the static token
is put aside (single workspace), and nothing is sent with the dead token afterwards."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import datetime

import pytest
from slack_sdk.oauth.installation_store import Installation

from bot.messages import Address, Reply
from bot.ports import DeliveryError
from persona_store import Store
from tests.fakes.slack_env import SlackEnv, slack_env
from tests.test_features import ScriptedAnswerer

TEAM = "T0INSTALLED"
OTHER = "T0STAYS"


def installation(team_id: str, token: str, user_id: str = "U0ADMIN") -> Installation:
    return Installation(
        app_id="A0APP",
        enterprise_id=None,
        team_id=team_id,
        user_id=user_id,
        bot_token=token,
        bot_id="B0BOT",
        bot_user_id="UBOT",
        bot_scopes="chat:write,commands",
        user_token=f"xoxp-{team_id}-{user_id}",
        user_scopes="",
        installed_at=datetime.now().timestamp(),
    )


@pytest.fixture
async def oauth_env(sqlite_store: Store) -> AsyncIterator[SlackEnv]:
    async for e in slack_env(
        sqlite_store,
        ScriptedAnswerer(),
        slack_bot_token=None,
        slack_client_id="111.222",
        slack_client_secret="client-secret",
    ):
        installs = e.adapter.revocations.installs
        assert installs is not None
        await installs.async_save(installation(TEAM, "xoxb-team"))
        await installs.async_save(installation(OTHER, "xoxb-other"))
        yield e


@pytest.fixture
async def single_env(sqlite_store: Store) -> AsyncIterator[SlackEnv]:
    async for e in slack_env(sqlite_store, ScriptedAnswerer()):
        yield e


async def _bot(env: SlackEnv, team_id: str) -> object:
    installs = env.adapter.revocations.installs
    assert installs is not None
    return await installs.async_find_bot(enterprise_id=None, team_id=team_id)


def _post(team_id: str) -> tuple[Address, Reply]:
    return Address("slack", team_id, "C0GENERAL"), Reply(text="Persona of the week: Maya")


async def test_app_uninstalled_deletes_the_installation_and_stops_using_its_token(
    oauth_env: SlackEnv, caplog: pytest.LogCaptureFixture
) -> None:
    env = oauth_env
    await env.adapter.send(*_post(TEAM))  # installed: the team's own token is used
    [before] = env.api.of("chat.postMessage")
    assert before["_token"] == "xoxb-team"

    env.slack.team_id = TEAM
    with caplog.at_level(logging.WARNING, logger="adapters.slack.revocation"):
        status, _, _ = await env.slack.event({"type": "app_uninstalled"})
        assert status == 200
        await env.settle()
    assert await _bot(env, TEAM) is None
    installs = env.adapter.revocations.installs
    assert installs is not None
    assert await installs.async_find_installation(enterprise_id=None, team_id=TEAM) is None
    assert any("uninstalled" in r.getMessage() and TEAM in r.getMessage() for r in caplog.records)

    with pytest.raises(DeliveryError) as err:  # the clock's next digest: no call with it
        await env.adapter.send(*_post(TEAM))
    assert err.value.permanent
    assert len(env.api.of("chat.postMessage")) == 1

    # another workspace keeps its installation and token
    assert await _bot(env, OTHER) is not None
    await env.adapter.send(*_post(OTHER))
    assert env.api.of("chat.postMessage")[-1]["_token"] == "xoxb-other"


async def test_bot_tokens_revoked_deletes_the_bot_and_stops_sending(oauth_env: SlackEnv) -> None:
    env = oauth_env
    env.slack.team_id = TEAM
    event = {"type": "tokens_revoked", "tokens": {"oauth": ["U0ADMIN"], "bot": ["UBOT"]}}
    status, _, _ = await env.slack.event(event)
    assert status == 200
    await env.settle()
    assert await _bot(env, TEAM) is None
    with pytest.raises(DeliveryError):
        await env.adapter.send(*_post(TEAM))
    assert env.api.of("chat.postMessage") == []
    assert await _bot(env, OTHER) is not None


async def test_only_user_tokens_revoked_keeps_the_bot(oauth_env: SlackEnv) -> None:
    env = oauth_env
    env.slack.team_id = TEAM
    event = {"type": "tokens_revoked", "tokens": {"oauth": ["U0ADMIN"], "bot": []}}
    assert (await env.slack.event(event))[0] == 200
    await env.settle()
    assert await _bot(env, TEAM) is not None
    await env.adapter.send(*_post(TEAM))
    assert env.api.of("chat.postMessage")[-1]["_token"] == "xoxb-team"


async def test_a_forged_uninstall_deletes_nothing(oauth_env: SlackEnv) -> None:
    env = oauth_env
    env.slack.team_id = TEAM
    status, _, _ = await env.slack.event({"type": "app_uninstalled"}, secret="not-the-secret")
    assert status == 401
    await env.settle()
    assert await _bot(env, TEAM) is not None


async def test_single_workspace_uninstall_puts_the_token_aside(
    single_env: SlackEnv, caplog: pytest.LogCaptureFixture
) -> None:
    env = single_env
    team = env.slack.team_id
    await env.adapter.send(*_post(team))
    assert len(env.api.of("chat.postMessage")) == 1
    with caplog.at_level(logging.WARNING, logger="adapters.slack.revocation"):
        assert (await env.slack.event({"type": "app_uninstalled"}))[0] == 200
        await env.settle()
    assert any("SLACK_BOT_TOKEN" in r.getMessage() for r in caplog.records)
    with pytest.raises(DeliveryError) as err:
        await env.adapter.send(*_post(team))
    assert err.value.permanent and err.value.reason == "token_revoked"
    assert len(env.api.of("chat.postMessage")) == 1


async def test_single_workspace_bot_token_revoked(single_env: SlackEnv) -> None:
    env = single_env
    team = env.slack.team_id
    event = {"type": "tokens_revoked", "tokens": {"bot": ["UBOT"]}}
    assert (await env.slack.event(event))[0] == 200
    await env.settle()
    with pytest.raises(DeliveryError):
        await env.adapter.send(*_post(team))
    assert env.api.of("chat.postMessage") == []
