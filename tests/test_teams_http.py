"""The Teams adapter over real HTTP: activity JSON in Microsoft's documented shapes posted to
POST /api/messages of the real aiohttp app on 127.0.0.1; every serviceUrl points at a fake
Bot Connector on 127.0.0.1, so botbuilder's own ConnectorClient sends the replies."""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest

from adapters.teams.render import MAX_CARD_BYTES, SHORTENED
from bot.messages import Address, Card, Reply
from bot.ports import ChatAdapter, DeliveryError
from persona_store import Store
from persona_store.platforms.teams import TeamsStore
from tests.fakes.slack_env import add_persona
from tests.fakes.teams_env import (
    CHANNEL_CONV,
    PERSONAL_CONV,
    TEAM_ID,
    TENANT,
    USER_ID,
    TeamsEnv,
    teams_env,
)
from tests.test_features import ScriptedAnswerer

PERSONAL = Address("teams", TENANT, PERSONAL_CONV)
CHANNEL = Address("teams", TENANT, TEAM_ID)  # the channel itself: posts start a thread


@pytest.fixture
async def env(sqlite_store: Store) -> AsyncIterator[TeamsEnv]:
    add_persona(sqlite_store, "Maya Chen", goals=["Ship on time"], quote="<at>Everyone</at> hi")
    async for e in teams_env(sqlite_store, ScriptedAnswerer()):
        yield e


def card_of(body: dict[str, Any]) -> dict[str, Any]:
    [attachment] = body["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    return attachment["content"]


def texts(card: dict[str, Any]) -> str:
    """Every string in the card, for loose content checks."""
    return json.dumps(card, ensure_ascii=False)


def executes(card: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "Action.Execute":
                found.append(node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(card)
    return found


def refs(env: TeamsEnv) -> TeamsStore:
    return env.adapter.state


def ws(env: TeamsEnv) -> int:
    return env.store.workspace_id("teams", TENANT)


# -- transport and auth -------------------------------------------------------------------


async def test_adapter_is_a_chat_adapter(env: TeamsEnv) -> None:
    assert isinstance(env.adapter, ChatAdapter) and env.adapter.platform == "teams"


async def test_with_an_app_id_a_request_without_token_gets_401_and_nothing_happens(
    sqlite_store: Store,
) -> None:
    async for env in teams_env(sqlite_store, microsoft_app_id="11111111-2222-3333-4444-5555"):
        resp = await env.post(env.activities.message("help"))
        assert resp.status == 401
        forged = await env.post(env.activities.message("help"), Authorization="Bearer not-a-jwt")
        assert forged.status == 401
        # well-formed but unsigned: rejected (401), or 503 when the signing keys can't be
        # fetched (no network here); either way nothing runs
        claims = {"iss": "https://api.botframework.com", "aud": "11111111-2222-3333-4444-5555"}
        unsigned = ".".join(
            base64.urlsafe_b64encode(json.dumps(part).encode()).rstrip(b"=").decode()
            for part in ({"alg": "RS256", "typ": "JWT", "kid": "k1"}, claims)
        )
        fake = await env.post(
            env.activities.message("help"), Authorization=f"Bearer {unsigned}.c2ln"
        )
        assert fake.status in (401, 503)
        await env.settle()
        assert env.connector.calls == []
        assert refs(env).get(ws(env), PERSONAL_CONV) is None


async def test_not_json_is_refused(env: TeamsEnv) -> None:
    resp = await env.session.post(f"{env.url}/api/messages", data=b"hello")
    assert resp.status == 415
    assert env.connector.calls == []


# -- messages -------------------------------------------------------------------------------


async def test_natural_question_posts_placeholder_then_updates_it_with_the_answer(
    env: TeamsEnv,
) -> None:
    resp = await env.post(env.activities.message("What would Maya think about a 20% price rise?"))
    assert resp.status in (200, 201)
    await env.settle()
    [placeholder] = env.connector.of("send")
    assert "Maya" in texts(card_of(placeholder.body))
    [update] = env.connector.of("update")
    assert update.activity_id == "act-1" and update.conversation_id == PERSONAL_CONV
    answer = card_of(update.body)
    assert answer["version"] == "1.5" and "Maya on it" in texts(answer)
    assert env.answerer.calls == [("maya", "a 20% price rise")]
    # Action.Execute buttons carry the core's action ids, with an Action.Submit fallback
    for button in executes(answer):
        assert button["verb"] == button["data"]["action_id"]
        assert button["fallback"]["type"] == "Action.Submit"
        assert button["fallback"]["data"] == button["data"]


async def test_channel_mention_is_stripped_and_answered_in_the_thread(env: TeamsEnv) -> None:
    resp = await env.post(env.activities.mention("help"))
    assert resp.status in (200, 201)
    await env.settle()
    [help_] = env.connector.posted
    assert help_.conversation_id == CHANNEL_CONV
    assert "ask" in texts(card_of(help_.body))
    assert "<at>" not in texts(card_of(help_.body))
    ref = refs(env).get(ws(env), CHANNEL_CONV)
    assert ref is not None and ref.team_id == TEAM_ID and ref.conversation_type == "channel"


async def test_persona_text_cannot_mention_everyone(env: TeamsEnv) -> None:
    await env.post(env.activities.message("show maya"))
    await env.settle()
    body = env.connector.posted[0].body
    dumped = texts(body)
    assert "<at>Everyone</at>" not in dumped and "Everyone" in dumped
    assert not [e for e in body.get("entities") or [] if e.get("type") == "mention"]


# -- conversation references and proactive sending ------------------------------------------


async def test_install_stores_reference_and_proactive_send_reaches_the_chat(
    env: TeamsEnv,
) -> None:
    resp = await env.post(env.activities.installation("add"))
    assert resp.status in (200, 201)
    ref = refs(env).get(ws(env), PERSONAL_CONV)
    assert ref is not None and ref.active and ref.user_id == USER_ID
    assert ref.service_url == env.connector.url and ref.tenant_id == TENANT
    assert env.connector.calls == []  # installing says nothing by itself

    activity_id = await env.adapter.send(PERSONAL, Reply(text="Persona of the week: Maya"))
    await env.adapter.update(PERSONAL, activity_id, Reply(text="Persona of the week (closed)"))
    [sent] = env.connector.of("send")
    [updated] = env.connector.of("update")
    assert sent.conversation_id == PERSONAL_CONV and activity_id == "act-1"
    assert "Persona of the week: Maya" in texts(card_of(sent.body))
    assert updated.activity_id == activity_id and "closed" in texts(card_of(updated.body))
    assert sent.body["recipient"]["id"] == USER_ID and sent.body["from"]["id"]


async def test_members_added_in_a_channel_stores_the_team(env: TeamsEnv) -> None:
    await env.post(env.activities.members_added())
    ref = refs(env).get(ws(env), TEAM_ID)
    assert ref is not None and ref.team_id == TEAM_ID and ref.active
    await env.adapter.send(CHANNEL, Reply(text="Digest"))
    assert env.connector.of("send")[0].conversation_id == TEAM_ID


async def test_reminder_dm_to_a_user_id_uses_their_personal_chat(env: TeamsEnv) -> None:
    await env.post(env.activities.installation("add"))
    await env.adapter.send(Address("teams", TENANT, USER_ID), Reply(text="Maya is due"))
    [sent] = env.connector.of("send")
    assert sent.conversation_id == PERSONAL_CONV


async def test_reminder_dm_to_a_new_user_creates_the_conversation(env: TeamsEnv) -> None:
    await env.post(env.activities.members_added())  # the tenant's serviceUrl is known
    await env.adapter.send(Address("teams", TENANT, "29:1bob"), Reply(text="Maya is due"))
    [created] = env.connector.of("create")
    assert created.body["members"] == [{"id": "29:1bob"}]
    assert created.body["tenantID"] == TENANT
    [sent] = env.connector.of("send")
    assert sent.conversation_id == created.conversation_id
    assert refs(env).personal_for_user(ws(env), "29:1bob") is not None


async def test_uninstall_marks_the_reference_inactive_and_stops_sending(env: TeamsEnv) -> None:
    await env.post(env.activities.installation("add"))
    await env.post(env.activities.installation("remove"))
    ref = refs(env).get(ws(env), PERSONAL_CONV)
    assert ref is not None and not ref.active
    with pytest.raises(DeliveryError) as info:
        await env.adapter.send(PERSONAL, Reply(text="hello"))
    assert info.value.permanent
    assert env.connector.calls == []
    await env.post(env.activities.installation("add"))  # added back: sending works again
    await env.adapter.send(PERSONAL, Reply(text="hello again"))
    assert len(env.connector.of("send")) == 1


async def test_rate_limited_send_is_retried_then_succeeds(env: TeamsEnv) -> None:
    await env.post(env.activities.installation("add"))
    env.connector.fail_next("send", 429, n=1)
    env.connector.fail_next("send", 502, n=1)
    activity_id = await env.adapter.send(PERSONAL, Reply(text="Digest"))
    assert activity_id == "act-1"
    assert env.connector.attempts["send"] == 3
    assert len(env.connector.of("send")) == 1  # posted exactly once


async def test_retry_after_sets_the_floor_of_the_backoff(env: TeamsEnv) -> None:
    """Retries wait milliseconds in tests (base_delay 0.01), unless Teams says how long."""
    await env.post(env.activities.installation("add"))
    env.connector.fail_next("send", 429, n=1, retry_after="0.4")
    env.connector.fail_next("send", 502, n=1)
    await env.adapter.send(PERSONAL, Reply(text="Digest"))
    first, second, third = env.connector.attempted_at["send"]
    assert second - first >= 0.4  # honoured (a sleep never ends early)
    assert len(env.connector.of("send")) == 1


async def test_dropped_connection_is_retried(
    env: TeamsEnv, caplog: pytest.LogCaptureFixture
) -> None:
    await env.post(env.activities.installation("add"))
    await env.connector.close()  # nobody listens: every try is refused
    with (
        caplog.at_level(logging.INFO, "adapters.teams.delivery"),
        pytest.raises(DeliveryError) as info,
    ):
        await env.adapter.send(PERSONAL, Reply(text="Digest"))
    assert info.value.reason.startswith("connection_failed") and not info.value.permanent
    assert sum("retrying in" in r.getMessage() for r in caplog.records) == 2  # 3 tries


@pytest.mark.parametrize("status", [412, 429, 504])
async def test_update_gives_up_after_three_tries(env: TeamsEnv, status: int) -> None:
    await env.post(env.activities.installation("add"))
    env.connector.fail_next("update", status, n=5)
    with pytest.raises(DeliveryError) as info:
        await env.adapter.update(PERSONAL, "act-9", Reply(text="tally"))
    assert not info.value.permanent and env.connector.attempts["update"] == 3
    assert refs(env).get(ws(env), PERSONAL_CONV).active  # type: ignore[union-attr]


async def test_blocked_conversation_is_marked_inactive_and_not_retried(env: TeamsEnv) -> None:
    await env.post(env.activities.installation("add"))
    env.connector.fail_next("send", 403)
    with pytest.raises(DeliveryError) as info:
        await env.adapter.send(PERSONAL, Reply(text="Digest"))
    assert info.value.permanent and info.value.reason == "MessageWritesBlocked"
    assert env.connector.attempts["send"] == 1
    ref = refs(env).get(ws(env), PERSONAL_CONV)
    assert ref is not None and not ref.active and ref.inactive_reason == "MessageWritesBlocked"
    with pytest.raises(DeliveryError):  # stops sending there: no second request
        await env.adapter.send(PERSONAL, Reply(text="Digest again"))
    assert env.connector.attempts["send"] == 1


async def test_card_over_the_size_limit_is_shortened(env: TeamsEnv) -> None:
    await env.post(env.activities.installation("add"))
    huge = "Long evidence line. " * 10_000  # ~200 KB of text
    reply = Reply(text=huge, cards=(Card(title="Maya", text=huge, context=(huge,)),))
    await env.adapter.send(PERSONAL, reply)
    [sent] = env.connector.of("send")
    card = card_of(sent.body)
    size = len(json.dumps(card, ensure_ascii=False, separators=(",", ":")).encode())
    assert size <= MAX_CARD_BYTES and SHORTENED in texts(card)
    assert len(json.dumps(sent.body).encode()) < 100 * 1024


# -- cards: Action.Execute and Action.Submit ------------------------------------------------


async def _post_survey(env: TeamsEnv) -> tuple[str, list[dict[str, Any]]]:
    question = 'survey maya "Is price still the #1 objection?" Yes | No'
    await env.post(env.activities.message(question))
    await env.settle()
    [survey] = env.connector.posted
    buttons = [b for b in executes(card_of(survey.body)) if b["verb"] == "survey.vote"]
    assert [b["title"] for b in buttons] == ["Yes", "No"]
    return "act-1", buttons


async def test_action_execute_vote_refreshes_the_card_in_the_invoke_response(
    env: TeamsEnv,
) -> None:
    card_id, buttons = await _post_survey(env)
    no = buttons[1]
    resp = await env.session.post(
        f"{env.url}/api/messages",
        json=env.activities.execute(no["verb"], no["data"], reply_to=card_id),
    )
    assert resp.status == 200
    body = await resp.json()
    assert body["statusCode"] == 200
    assert body["type"] == "application/vnd.microsoft.card.adaptive"
    refreshed = body["value"]
    assert "1 answer" in texts(refreshed) and refreshed["version"] == "1.5"
    await env.settle()
    assert env.connector.of("update") == []  # refreshed by the response itself


async def test_action_submit_vote_updates_the_card_in_place(env: TeamsEnv) -> None:
    card_id, buttons = await _post_survey(env)
    yes = buttons[0]
    resp = await env.post(env.activities.submit(yes["fallback"]["data"], reply_to=card_id))
    assert resp.status in (200, 201)
    await env.settle()
    [update] = env.connector.of("update")
    assert update.activity_id == card_id and "1 answer" in texts(card_of(update.body))


async def test_private_action_reply_is_shown_to_the_clicker_only(env: TeamsEnv) -> None:
    card_id, buttons = await _post_survey(env)
    yes = buttons[0]
    first = await env.post(env.activities.execute(yes["verb"], yes["data"], reply_to=card_id))
    assert first.status == 200
    again = await env.session.post(
        f"{env.url}/api/messages",
        json=env.activities.execute(yes["verb"], yes["data"], reply_to=card_id),
    )
    body = await again.json()  # the same answer again: only the private ack, no new tally
    assert again.status == 200 and body["type"] == "application/vnd.microsoft.activity.message"
    assert "already" in body["value"] and "Yes" in body["value"]
    await env.settle()
    assert len(env.connector.posted) == 1  # nothing posted for everyone to see


async def test_private_card_from_a_click_is_posted_in_the_chat(env: TeamsEnv) -> None:
    card_id, _ = await _post_survey(env)
    resp = await env.session.post(
        f"{env.url}/api/messages",
        json=env.activities.execute(
            "survey.results", {"action_id": "survey.results", "value": "1"}, reply_to=card_id
        ),
    )
    body = await resp.json()
    assert resp.status == 200 and body["type"] == "application/vnd.microsoft.activity.message"
    await env.settle()
    results = env.connector.posted[-1]
    assert len(env.connector.posted) == 2 and "n=0" in texts(card_of(results.body))


async def test_unknown_invoke_is_not_a_server_error(env: TeamsEnv) -> None:
    activity = env.activities.execute("nope", {}, reply_to="act-1")
    activity["name"] = "composeExtension/query"
    resp = await env.post(activity)
    assert resp.status < 500 or resp.status == 501


async def test_a_message_after_a_block_makes_the_chat_active_again(env: TeamsEnv) -> None:
    await env.post(env.activities.message("help"))
    await env.settle()
    env.connector.fail_next("send", 403)
    with pytest.raises(DeliveryError):
        await env.adapter.send(PERSONAL, Reply(text="Digest"))
    assert not refs(env).get(ws(env), PERSONAL_CONV).active  # type: ignore[union-attr]
    await env.post(env.activities.message("help"))  # the user unblocked and wrote again
    await env.settle()
    assert refs(env).get(ws(env), PERSONAL_CONV).active  # type: ignore[union-attr]
    assert len(env.connector.of("send")) == 2  # both help answers, not the blocked digest


async def test_submit_in_a_channel_never_posts_the_private_vote_ack(env: TeamsEnv) -> None:
    question = 'survey maya "Is price still the #1 objection?" Yes | No --anonymous'
    await env.post(env.activities.mention(question))
    await env.settle()
    [survey] = env.connector.posted
    assert survey.conversation_id == CHANNEL_CONV
    no = [b for b in executes(card_of(survey.body)) if b["title"] == "No"][0]
    submit = env.activities.submit(
        no["fallback"]["data"], reply_to="act-1", conv=CHANNEL_CONV, conv_type="channel"
    )
    await env.post(submit)
    await env.settle()
    assert len(env.connector.posted) == 1  # no "Thanks! Your answer: No" for all to see
    [update] = env.connector.of("update")
    assert update.activity_id == "act-1" and "1 answer" in texts(card_of(update.body))


async def test_slow_click_is_answered_within_the_invoke_budget_then_posted(
    env: TeamsEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    import asyncio

    from adapters.teams import handler

    async def slow(ctx: Any) -> Reply:
        await asyncio.sleep(0.5)
        return Reply(text="Slow result", cards=(Card(title="Slow result"),))

    env.adapter.core.registry.action("test.slow")(slow)
    monkeypatch.setattr(handler, "INVOKE_BUDGET_SECONDS", 0.05)
    await env.post(env.activities.installation("add"))
    resp = await env.session.post(
        f"{env.url}/api/messages",
        json=env.activities.execute("test.slow", {"action_id": "test.slow"}, reply_to="act-9"),
    )
    body = await resp.json()
    assert resp.status == 200 and body["value"] == "Working on it…"
    await env.settle()
    [posted] = env.connector.posted
    assert "Slow result" in texts(card_of(posted.body))


async def test_a_person_joining_the_team_needs_no_connector_call(env: TeamsEnv) -> None:
    activity = env.activities.members_added()
    activity["membersAdded"] = [{"id": "29:1newcomer"}]
    resp = await env.post(activity)
    assert resp.status in (200, 201)
    assert env.connector.calls == []


async def test_uninstall_from_a_team_stops_its_threads_until_added_back(env: TeamsEnv) -> None:
    await env.post(env.activities.mention("help"))  # a thread in the team's channel
    await env.settle()
    thread = Address("teams", TENANT, TEAM_ID, thread_id=CHANNEL_CONV.split("=", 1)[1])
    await env.post(env.activities.installation("remove", conv=TEAM_ID, conv_type="channel"))
    for address in (CHANNEL, thread):
        with pytest.raises(DeliveryError):
            await env.adapter.send(address, Reply(text="digest"))
    await env.post(env.activities.installation("add", conv=TEAM_ID, conv_type="channel"))
    await env.adapter.send(CHANNEL, Reply(text="digest"))  # the channel: a new post
    await env.post(env.activities.mention("help"))  # written to again: the thread works too
    await env.settle()
    await env.adapter.send(thread, Reply(text="in the thread"))
    assert [c.conversation_id for c in env.connector.posted] == [
        CHANNEL_CONV,
        TEAM_ID,
        CHANNEL_CONV,
        CHANNEL_CONV,
    ]


async def test_bot_removed_from_a_team_stops_posting_there(env: TeamsEnv) -> None:
    await env.post(env.activities.members_added())
    removed = env.activities.members_added()
    removed["membersRemoved"] = removed.pop("membersAdded")
    removed["channelData"]["eventType"] = "teamMemberRemoved"
    assert (await env.post(removed)).status in (200, 201)
    assert not refs(env).get(ws(env), TEAM_ID).active  # type: ignore[union-attr]
    with pytest.raises(DeliveryError):
        await env.adapter.send(CHANNEL, Reply(text="digest"))
    assert env.connector.calls == []
