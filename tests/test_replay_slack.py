"""Recorded Slack payloads (tests/payloads/slack, see each file's `source`) replayed as signed
requests over real HTTP against the app, with the fake Slack Web API behind it.

`expect`: answer (something is said to the person, in the installing team's workspace),
ignore (nothing is sent, a debug line says why), ack (acknowledged, nothing sent), revoke
(the tokens are put aside: nothing is sent with them afterwards), form (a shortcut: the
core's form is opened as a modal, nothing is posted)."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlencode

import pytest
from sqlalchemy import select

from bot.messages import Address, Reply
from bot.ports import DeliveryError
from persona_store import Store
from persona_store.models import WorkspaceLink
from tests.fakes.slack_env import SlackEnv, add_persona, slack_env
from tests.payloads.corpus import corpus, load, with_response_url
from tests.test_features import ScriptedAnswerer

FILES = corpus("slack")
SENT = ("chat.postMessage", "chat.update", "chat.postEphemeral", "views.publish", "response_url")


@pytest.fixture
async def env(sqlite_store: Store) -> AsyncIterator[SlackEnv]:
    add_persona(sqlite_store, "Maya", goals=["Ship on time"])
    async for e in slack_env(sqlite_store, ScriptedAnswerer()):
        yield e


def _sent(env: SlackEnv) -> list[dict]:
    return [c.args for c in env.api.calls if c.method in SENT]


def _slack_links(store: Store) -> set[str]:
    with store._sessions() as s:
        rows = s.scalars(select(WorkspaceLink.external_id).where(WorkspaceLink.platform == "slack"))
        return set(rows)


async def replay(env: SlackEnv, doc: dict) -> tuple[int, str]:
    """Status and body of the bot's HTTP response (a quick command answers in its ack)."""
    payload = with_response_url(doc["payload"], env.api.response_url("replay"))
    if doc["transport"] == "events":
        status, body, _ = await env.slack.post(json.dumps(payload), "application/json")
    elif doc["transport"] == "command":
        form = urlencode(payload)
        status, body, _ = await env.slack.post(form, "application/x-www-form-urlencoded")
    else:
        status, body, _ = await env.slack.interaction(payload)
    await env.settle()
    return status, body


def test_the_corpus_covers_what_slack_sends() -> None:
    assert len(FILES) >= 20
    for path in FILES:
        doc = load(path)
        assert doc["transport"] in ("events", "command", "interactivity"), path
        assert doc["expect"] in ("answer", "ignore", "ack", "revoke", "form"), path


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
async def test_replay(env: SlackEnv, path: Path, caplog: pytest.LogCaptureFixture) -> None:
    doc = load(path)
    installing = doc.get("installing_team")
    if installing:  # the installing team is known (it installed the app) before the event
        env.store.workspace_id("slack", installing)
    with caplog.at_level(logging.DEBUG, logger="adapters.slack"):
        status, body = await replay(env, doc)
    assert status == 200
    sent = _sent(env) + ([json.loads(body)] if body.strip() else [])
    expect = doc["expect"]
    if expect == "answer":
        assert sent, "nothing was said"
        said = json.dumps(sent)
        assert "no personas in this workspace" not in said
        assert "something went wrong" not in said.lower()
    elif expect == "ignore":
        assert sent == []
        assert any("ignoring" in r.getMessage().lower() for r in caplog.records), (
            "an ignored message leaves a debug line"
        )
    elif expect == "ack":
        assert sent == []
    elif expect == "form":
        assert sent == []
        [opened] = env.api.of("views.open")
        assert opened["trigger_id"] == doc["payload"]["trigger_id"]
        assert "Maya" in json.dumps(opened["view"])
    else:  # revoke
        # the team whose token it was (single workspace: the one token, whatever the team)
        team = installing or doc["payload"].get("team_id") or env.slack.team_id
        with pytest.raises(DeliveryError):
            await env.adapter.send(Address("slack", team, "C0GENERAL"), Reply(text="digest"))
        assert env.api.of("chat.postMessage") == []
    external = doc.get("external_team")
    if external:  # never a workspace for another organisation
        assert external not in _slack_links(env.store)


async def test_a_survey_form_sent_from_a_slack_connect_org_lands_in_the_installing_team(
    env: SlackEnv,
) -> None:
    """The recorded view_submission envelope (vercel/chat modals/slack.json viewSubmission)
    as Slack sends it when someone of another organisation submits our survey form in a
    shared channel: `team`, `user.team_id` and `view.team_id` are theirs, and
    `view.app_installed_team_id` names the team that installed the app."""
    status, _, _ = await env.slack.command("survey")  # opened in the installing team
    assert status == 200
    await env.settle()
    [opened] = env.api.of("views.open")
    recorded = load(Path(__file__).parent / "payloads/slack/view_submission_foreign.json")
    payload = with_response_url(recorded["payload"], env.api.response_url("replay"))
    external = "T0EXTERNAL"
    payload["team"] = {"id": external, "domain": "partner-org"}
    payload["user"] = {**payload["user"], "team_id": external}
    answers = {
        "persona": {"value": {"type": "static_select", "selected_option": {"value": "maya"}}},
        "question": {"value": {"type": "plain_text_input", "value": "Is price the #1 objection?"}},
        "options": {"value": {"type": "plain_text_input", "value": "Yes\nNo"}},
    }
    payload["view"] = {
        **payload["view"],
        "team_id": external,
        "app_installed_team_id": env.slack.team_id,
        "callback_id": opened["view"]["callback_id"],
        "private_metadata": opened["view"]["private_metadata"],
        "state": {"values": answers},
    }
    status, body, _ = await env.slack.interaction(payload)
    assert status == 200 and not body.strip(), body
    await env.settle()
    [post] = env.api.of("chat.postMessage")
    assert "Maya" in json.dumps(post) and "no personas" not in json.dumps(post)
    assert external not in _slack_links(env.store)


async def test_slack_connect_in_oauth_mode_answers_with_the_installing_teams_token(
    sqlite_store: Store,
) -> None:
    """Installed in many workspaces: the recorded Slack Connect mention is authorised and
    answered with the installing team's token, never looked up for the other org."""
    from tests.test_slack_revocation import installation

    add_persona(sqlite_store, "Maya", goals=["Ship on time"])
    doc = load(Path(__file__).parent / "payloads/slack/slack_connect_app_mention.json")
    async for env in slack_env(
        sqlite_store,
        ScriptedAnswerer(),
        slack_bot_token=None,
        slack_client_id="111.222",
        slack_client_secret="client-secret",
    ):
        installs = env.adapter.revocations.installs
        assert installs is not None
        installed = installation(doc["installing_team"], "xoxb-installing")
        # a workspace of an Enterprise Grid org, as the recording's authorizations[0] says
        installed.enterprise_id = doc["payload"]["authorizations"][0]["enterprise_id"]
        await installs.async_save(installed)
        env.store.workspace_id("slack", doc["installing_team"])
        status, body = await replay(env, doc)
        assert status == 200
        sent = _sent(env)  # help, to the asker only (chat.postEphemeral)
        assert sent, (body, [c.method for c in env.api.calls])
        assert {s["_token"] for s in sent} == {"xoxb-installing"}
        assert "no personas" not in json.dumps(sent)
        assert doc["external_team"] not in _slack_links(env.store)
