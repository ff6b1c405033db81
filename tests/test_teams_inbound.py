"""Teams mentions -> the core's Inbound: the bot's own `<at>` removed, people as one "@Name"
word paired with their Bot Framework user id (from the entity, never the text), names with
spaces, split names (new Teams client), tags and channels left as plain names. Then over real
HTTP: `owner maya <at>Alice Wong</at>` stores Alice's user id, the reply pings nobody, and her
review reminder reaches her through a 1:1 chat the fake Bot Connector creates."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from botbuilder.schema import Activity

from adapters.teams.inbound import message_inbound, message_text
from adapters.teams.mentions import convert
from persona_store import Store
from tests.fakes.teams_env import BOT_ID, CHANNEL_CONV, TENANT, TeamsEnv, teams_env
from tests.sched_helpers import Clock, FixedAnswerer, seed, sweep_once
from tests.test_teams_http import card_of, texts

ALICE = "29:1alice-wong"
BOT = {"type": "mention", "text": "<at>Persona Bot</at>",
       "mentioned": {"id": BOT_ID, "name": "Persona Bot"}}  # fmt: skip


def mention(user_id: str, name: str, text: str | None = None, **extra: str) -> dict[str, Any]:
    return {
        "type": "mention",
        "text": f"<at>{name}</at>" if text is None else text,
        "mentioned": {"id": user_id, "name": name, **extra},
    }


def activity(text: str, *entities: dict[str, Any]) -> Activity:
    return Activity().deserialize(
        {
            "type": "message",
            "text": text,
            "from": {"id": "29:1user-alice", "name": "Alice Example"},
            "recipient": {"id": BOT_ID, "name": "Persona Bot"},
            "conversation": {"id": CHANNEL_CONV, "conversationType": "channel"},
            "serviceUrl": "https://smba.example/",
            "entities": list(entities),
        }
    )


# -- pure conversion ----------------------------------------------------------------------------


def test_a_person_with_spaces_in_the_name_becomes_one_word_with_their_user_id() -> None:
    act = activity(
        "<at>Persona Bot</at> owner maya <at>Alice Wong</at>",
        BOT,
        mention(ALICE, "Alice Wong", aadObjectId="aad-alice"),
    )
    text = message_text(act)
    inbound = message_inbound(act)
    assert text == inbound.text == "owner maya @Alice_Wong"
    assert inbound.mentions == (("@Alice_Wong", ALICE),)
    assert act.text.startswith("<at>Persona Bot</at>")  # the activity is not rewritten


def test_the_id_comes_from_the_entity_and_a_tag_without_one_is_plain_text() -> None:
    forged = convert("owner maya <at>Alice Wong</at>", [], BOT_ID)
    assert forged.text == "owner maya Alice Wong" and forged.mentions == ()
    # the docs' own example: entity text "<at>@Name</at>", message text "<at>Name</at>"
    pranav = mention("29:1p", "Pranav Smith", "<at>@Pranav Smith</at>")
    docs = convert("hey <at>Pranav Smith</at>", [pranav], BOT_ID)
    assert docs.text == "hey @Pranav_Smith" and docs.mentions == (("@Pranav_Smith", "29:1p"),)


def test_a_name_split_into_several_tags_is_one_person() -> None:
    # microsoft/botframework-sdk#6617: the new client sends one tag and entity per word
    got = convert(
        "<at>Persona</at> <at>Bot</at> owner maya <at>Alice</at> <at>Wong</at>, me",
        [
            {**BOT, "text": "<at>Persona</at>"},
            {**BOT, "text": "<at>Bot</at>"},
            mention(ALICE, "Alice"),
            mention(ALICE, "Wong"),
        ],
        BOT_ID,
    )
    assert got.text == "owner maya @Alice_Wong, me"
    assert got.mentions == (("@Alice_Wong", ALICE),)


def test_two_people_with_the_same_name_get_different_words() -> None:
    got = convert(
        "owner maya <at>Sam Lee</at> <at>Sam Lee</at> <at>Sam Lee</at>",
        [mention("29:1sam-a", "Sam Lee"), mention("29:1sam-b", "Sam Lee"),
         mention("29:1sam-a", "Sam Lee")],
        BOT_ID,
    )  # fmt: skip
    assert got.text == "owner maya @Sam_Lee @Sam_Lee_2 @Sam_Lee"
    assert got.mentions == (("@Sam_Lee", "29:1sam-a"), ("@Sam_Lee_2", "29:1sam-b"))


def test_tags_channels_and_other_bots_are_nobody_to_message() -> None:
    got = convert(
        "ask <at>Design Team</at> in <at>General</at> and <at>Other Bot</at>",
        [
            mention("29:1tag", "Design Team", type="tag"),
            mention("19:general@thread.tacv2", "General"),
            mention("28:other-bot", "Other Bot"),
        ],
        BOT_ID,
    )
    assert got.text == "ask Design Team in General and Other Bot" and got.mentions == ()


def test_escaped_names_and_the_bots_name_without_a_tag() -> None:
    got = convert("owner maya <at>Siobhán O&#39;Brien</at>", [mention("29:1s", "Siobhán O'Brien",
                  "<at>Siobhán O&#39;Brien</at>")], BOT_ID)  # fmt: skip
    assert got.text == "owner maya @Siobhán_O'Brien"
    bare = convert("Persona Bot help", [BOT], BOT_ID)
    assert bare.text == "help" and bare.mentions == ()
    assert convert("Persona Botany", [BOT], BOT_ID).text == "Persona Botany"


def test_a_personal_chat_without_mentions_is_unchanged() -> None:
    act = activity("what would Maya think about\u00a0a price rise?")
    assert message_text(act) == "what would Maya think about a price rise?"
    assert message_inbound(act).mentions == ()


# -- over HTTP: owner by mention, then the reminder DM ------------------------------------------


@pytest.fixture
async def env(sqlite_store: Store) -> AsyncIterator[TeamsEnv]:
    seed(sqlite_store, last_reviewed="2026-08-01")  # every 90 days: due 2026-10-30
    async for e in teams_env(sqlite_store, FixedAnswerer()):
        yield e


def owner_mention(env: TeamsEnv, text: str, *people: dict[str, Any]) -> dict[str, Any]:
    activity = env.activities.mention(text)
    activity["entities"] = [activity["entities"][0], *people, *activity["entities"][1:]]
    if people:  # Alice claims the persona nobody owns (anyone else may not: SECURITY.md)
        activity["from"] = {"id": people[0]["mentioned"]["id"], "name": "Alice Wong"}
    return activity


async def test_owner_by_mention_stores_the_teams_user_and_gets_the_review_dm(
    env: TeamsEnv,
) -> None:
    clock = Clock(datetime(2026, 10, 1, 9, 0, tzinfo=UTC))
    deps = env.adapter.deps
    deps.now = clock
    alice = mention(ALICE, "Alice Wong", aadObjectId="aad-alice-wong")
    await env.post(owner_mention(env, "owner maya <at>Alice Wong</at>", alice))
    await env.settle()
    persona = env.store.get(env.store.workspace_id("teams", TENANT), "maya")
    assert persona is not None and [o.ref for o in persona.owners] == [f"teams:{ALICE}"]
    [reply] = env.connector.posted
    assert reply.conversation_id == CHANNEL_CONV
    shown = texts(card_of(reply.body))
    assert f"teams:{ALICE}" in shown and "teams:alice" not in shown.lower()
    assert "<at>" not in texts(reply.body)  # names her without pinging anyone
    assert not [e for e in reply.body.get("entities") or [] if e.get("type") == "mention"]

    # removing her the same way finds the same id
    await env.post(owner_mention(env, "owner maya remove <at>Alice Wong</at>", alice))
    await env.settle()
    assert env.store.get(persona.workspace_id, "maya").owners == ()
    await env.post(owner_mention(env, "owner maya <at>Alice Wong</at>", alice))
    await env.settle()

    # the clock's review reminder opens a 1:1 chat with her user id and posts there
    before = len(env.connector.posted)
    clock.now = datetime(2026, 10, 30, 12, 0, tzinfo=UTC)
    report = await sweep_once(deps, [env.adapter], clock.now)
    assert [r for r in report.posted if r.startswith("review")], report
    [created] = env.connector.of("create")
    assert created.body["members"] == [{"id": ALICE}]
    [dm] = env.connector.posted[before:]
    assert dm.conversation_id == created.conversation_id
    assert "Time to review Maya Chen" in texts(card_of(dm.body))
