"""Who may change a persona's owners (issue 10 item 1), played as an attacker would: signed
Slack slash commands and Teams activities over real HTTP, the fake Slack API answering
users.info (admins), and the clock posting the notices an ownership change owes.

Policy (SECURITY.md): owners and workspace admins change owners; a persona nobody owns is
claimed by admins or by the first member for themself, announced in the admin channel; every
change is a revision and the previous owners get a direct message. The same goes for the
other mutating commands: `reviewed` and the review buttons, `survey close`, `admin-channel`.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest

from persona_store import Store
from persona_store.personas.ownership import OwnersChanged, OwnershipStore
from persona_store.surveys.repository import SurveyPlace, SurveyStore
from tests.fakes.slack_env import SlackEnv, add_persona, slack_env
from tests.fakes.teams_env import TeamsEnv, teams_env
from tests.sched_helpers import FixedAnswerer, sweep_once
from tests.test_features import ScriptedAnswerer


@pytest.fixture
async def env(sqlite_store: Store) -> AsyncIterator[SlackEnv]:
    add_persona(sqlite_store, "Maya Chen", owners=["slack:U0ALICE"], goals=["Ship on time"])
    add_persona(sqlite_store, "Sam Rivera", goals=["Fast keyboard shortcuts"])  # no owner
    async for e in slack_env(sqlite_store, ScriptedAnswerer()):
        yield e


_keys = iter(range(10_000))


async def say(env: SlackEnv, text: str, user: str, channel: str = "C0GENERAL") -> str:
    """A signed `/persona TEXT` from `user`; the bot's answer text (`ERROR: ` when refused)."""
    key = f"k{next(_keys)}"
    posted = len(env.api.of("chat.postMessage"))
    status, body, _ = await env.slack.command(text, user=user, channel=channel, response_key=key)
    assert status == 200
    await env.settle()
    acked = [json.loads(body)] if body.strip() else []  # quick answers ride on the ack
    replies = acked + env.api.responses(key) + env.api.of("chat.postMessage")[posted:]
    assert replies, f"no answer to {text!r}"
    return "\n".join(str(r.get("text", "")) for r in replies)


def owners(env: SlackEnv, slug: str) -> list[str]:
    persona = env.store.get(env.store.default_workspace_id(), slug)
    assert persona is not None
    return [o.ref for o in persona.owners]


def revisions(env: SlackEnv, slug: str) -> list[Any]:
    return env.store.revisions(env.store.default_workspace_id(), slug)


async def sweep(env: SlackEnv) -> None:
    await sweep_once(env.adapter.deps, [env.adapter], datetime.now(UTC))


def dms_to(env: SlackEnv, user: str) -> list[str]:
    """Direct messages to `user` (the fake's conversations.open answers D… for U…)."""
    dm = "D" + user[1:]
    return [c["text"] for c in env.api.of("chat.postMessage") if c["channel"] == dm]


async def test_a_member_cannot_take_over_an_owned_persona(env: SlackEnv) -> None:
    before = len(revisions(env, "maya"))
    took = await say(env, "owner maya @me", user="U0MALLORY")
    assert "Only Maya Chen's owners (slack:U0ALICE) and workspace admins" in took
    removed = await say(env, "owner maya remove <@U0ALICE|alice>", user="U0MALLORY")
    assert "Only Maya Chen's owners" in removed
    assert owners(env, "maya") == ["slack:U0ALICE"]
    assert len(revisions(env, "maya")) == before
    # Slack was asked whether the stranger is an admin (and said no)
    assert {c["user"] for c in env.api.of("users.info")} == {"U0MALLORY"}
    # nor can the stranger mark it reviewed, flag it or snooze it
    assert "Only Maya Chen's owners" in await say(env, "reviewed maya", user="U0MALLORY")
    await env.slack.click("review.snooze", "maya", user="U0MALLORY", response_key="snz")
    await env.settle()
    [snoozed] = env.api.responses("snz")
    assert "Only Maya Chen's owners" in snoozed["text"]
    assert len(revisions(env, "maya")) == before


async def test_an_owner_hands_over_and_the_previous_owner_is_told(env: SlackEnv) -> None:
    assert "slack:U0ALICE, bob (slack:U0BOB)" in await say(
        env, "owner maya <@U0BOB|bob>", user="U0ALICE"
    )
    # Bob, now an owner, removes Alice: she gets a direct message (once) from the clock
    said = await say(env, "owner maya remove <@U0ALICE>", user="U0BOB")
    assert "owners are now: slack:U0BOB" in said and "previous owners know" in said
    last = revisions(env, "maya")[-1]
    assert last.author == "slack:U0BOB" and last.note.startswith("owners changed")
    assert last.snapshot["owners"] == ["slack:U0BOB"]
    await sweep(env)
    await sweep(env)
    [to_alice] = dms_to(env, "U0ALICE")
    assert "slack:U0BOB changed the owners of Maya Chen" in to_alice
    assert "before slack:U0ALICE, slack:U0BOB, now slack:U0BOB" in to_alice
    assert dms_to(env, "U0BOB") == []  # nobody is told about their own change


async def test_a_workspace_admin_may_change_any_owners(env: SlackEnv) -> None:
    env.api.admins.add("U0ADMIN")
    said = await say(env, "owner maya remove <@U0ALICE>", user="U0ADMIN")
    assert "owners are now: nobody" in said
    assert owners(env, "maya") == []
    await sweep(env)
    [to_alice] = dms_to(env, "U0ALICE")
    assert "slack:U0ADMIN changed the owners of Maya Chen" in to_alice


async def test_an_ownerless_persona_goes_to_its_first_claimant_announced(env: SlackEnv) -> None:
    # While no admin channel is set anyone may pick one; moving it is an admin's call.
    assert "This channel now gets" in await say(
        env, "admin-channel here", user="U0BOB", channel="C0ADMIN"
    )
    assert "Only workspace admins" in await say(env, "admin-channel here", user="U0MALLORY")
    assert "Only workspace admins" in await say(env, "admin-channel off", user="U0MALLORY")
    # A member can't hand Sam to someone else, only claim Sam for themself.
    refused = await say(env, "owner sam <@U0EVE>", user="U0MALLORY")
    assert "Nobody owns Sam Rivera yet" in refused and "owner sam @me" in refused
    said = await say(env, "owner sam @me", user="U0MALLORY")
    assert "owners are now: slack:U0MALLORY" in said and "admin channel" in said
    # The claim is announced in the admin channel; a second claimant is now a stranger.
    assert "Only Sam Rivera's owners" in await say(env, "owner sam @me", user="U0EVE")
    await sweep(env)
    [announced] = [c for c in env.api.of("chat.postMessage") if c["channel"] == "C0ADMIN"]
    assert "slack:U0MALLORY claimed Sam Rivera, who had no owner" in announced["text"]
    assert revisions(env, "sam")[-1].author == "slack:U0MALLORY"


async def test_survey_close_is_for_its_creator_owners_and_admins(env: SlackEnv) -> None:
    ws = env.store.default_workspace_id()
    surveys = SurveyStore.of(env.store)
    survey = surveys.create(
        ws, "maya", "Price still #1?", ["Yes", "No"],
        place=SurveyPlace("slack", env.slack.team_id, "C0GENERAL"),
        created_by="slack:U0BOB", now=datetime.now(UTC),
    )  # fmt: skip
    refused = await say(env, f"survey close {survey.id}", user="U0MALLORY")
    assert "Only the person who created this survey" in refused
    assert surveys.get(ws, survey.id).is_open
    env.api.admins.add("U0ADMIN")
    closed = await say(env, f"survey close {survey.id}", user="U0ADMIN")
    assert "Only the person" not in closed and not surveys.get(ws, survey.id).is_open


def test_a_change_decided_on_stale_owners_is_refused(sqlite_store: Store) -> None:
    """Two claims of one ownerless persona at once: the store lets only one through."""
    add_persona(sqlite_store, "Sam Rivera")
    ws = sqlite_store.default_workspace_id()
    store = OwnershipStore(sqlite_store.sessions)
    now = datetime.now(UTC)
    store.change(ws, "sam", ["slack:U1"], expected=[], author="slack:U1", notify=[], now=now)
    with pytest.raises(OwnersChanged):
        store.change(ws, "sam", ["slack:U2"], expected=[], author="slack:U2", notify=[], now=now)
    assert [o.ref for o in sqlite_store.get(ws, "sam").owners] == ["slack:U1"]


# -- Teams: no admins from Teams; owners and the first claimant -------------------------------


@pytest.fixture
async def teams(sqlite_store: Store) -> AsyncIterator[TeamsEnv]:
    add_persona(sqlite_store, "Maya Chen", owners=["teams:29:1owner"])
    async for e in teams_env(sqlite_store, FixedAnswerer()):
        yield e


async def test_teams_member_cannot_take_over(teams: TeamsEnv) -> None:
    activity = teams.activities.mention("owner maya remove teams:29:1owner")
    await teams.post(activity)
    await teams.settle()
    persona = teams.store.get(teams.store.default_workspace_id(), "maya")
    assert [o.ref for o in persona.owners] == ["teams:29:1owner"]
    [reply] = teams.connector.posted
    assert "Only Maya Chen's owners (teams:29:1owner)" in json.dumps(reply.body)
