"""Reply -> Block Kit: golden files (tests/golden/slack/, regenerate with
PERSONABOT_UPDATE_GOLDEN=1), Slack's limits, and mrkdwn escaping."""

from __future__ import annotations

import json
from typing import Any

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.modals import edit_modal, survey_modal
from adapters.slack.render import (
    MAX_BLOCKS,
    escape,
    home_view,
    split_text,
    to_blocks,
    to_message,
)
from bot.commands import Registry
from bot.features.answer_card import answer_reply, panel_reply
from bot.features.cards import persona_card
from bot.features.forms import EditForm
from bot.features.help import help_reply
from bot.messages import Button, Card, Choice, Field, Reply, Section
from persona_store.personas.spec import PersonaSpec
from tests import slack_models
from tests.fakes.slack_api import FakeSlackApi
from tests.golden_util import GOLDEN_DIR, assert_golden
from tests.test_core_cards import ANSWER, NOW, persona


def walk_texts(blocks: list[dict]) -> list[dict]:
    """Every text object in the blocks."""
    found: list[dict] = []

    def visit(node: object) -> None:
        if isinstance(node, dict):
            if node.get("type") in ("mrkdwn", "plain_text") and "text" in node:
                found.append(node)
            for value in node.values():
                visit(value)
        elif isinstance(node, list):
            for value in node:
                visit(value)

    visit(blocks)
    return found


def check_limits(blocks: list[dict]) -> None:
    slack_models.check_blocks(blocks)  # Slack's own models first, then the project's rules
    assert 0 < len(blocks) <= MAX_BLOCKS
    for b in blocks:
        assert len(b.get("block_id", "")) <= 255
        if b["type"] == "header":
            assert len(b["text"]["text"]) <= 150
        if b["type"] == "section":
            assert len(b.get("text", {}).get("text", "")) <= 3000
            assert len(b.get("fields", [])) <= 10
            assert all(len(f["text"]) <= 2000 for f in b.get("fields", []))
        if b["type"] == "actions":
            assert 0 < len(b["elements"]) <= 25
            ids = [e["action_id"] for e in b["elements"]]
            assert len(set(ids)) == len(ids)
            for e in b["elements"]:
                assert len(e["action_id"]) <= 255 and len(e.get("value", "")) <= 2000
                assert len(e["text"]["text"]) <= 75
        if b["type"] == "context":
            assert len(b["elements"]) <= 10
    for t in walk_texts(blocks):
        if t["type"] == "mrkdwn":
            assert t["verbatim"] is True


def test_answer_golden() -> None:
    reply = answer_reply(persona(), ANSWER, "Should we raise prices 20%? <!here>", NOW)
    message = to_message(reply, share_id="abc123")
    check_limits(message["blocks"])
    assert_golden("slack/answer.json", message)


def test_persona_card_golden_escapes_quote_ping() -> None:
    message = to_message(Reply(text="Maya", cards=(persona_card(persona(), NOW),)))
    check_limits(message["blocks"])
    rendered = json.dumps(message)
    assert "<!channel>" not in rendered and "&lt;!channel&gt;" in rendered
    assert "&lt;ops&gt; &amp; buyer" in rendered
    assert_golden("slack/persona_card.json", message)


def test_panel_golden() -> None:
    neg = persona("marcus", "Marcus Bell", "negative")
    reply = panel_reply("Unlimited custom contracts", [(persona(), ANSWER), (neg, ANSWER)], NOW)
    message = to_message(reply)
    check_limits(message["blocks"])
    assert_golden("slack/panel.json", message)


def test_help_golden() -> None:
    registry = Registry()  # fixed, so other features' commands don't churn this file

    async def noop(ctx: object) -> Reply:
        return Reply(text="")

    registry.command("ask", summary="What would <persona> think?", usage="ask NAME Q")(noop)
    registry.command("list", summary="Every persona & its freshness.", usage="list")(noop)
    message = to_message(help_reply(registry))
    check_limits(message["blocks"])
    assert_golden("slack/help.json", message)


def test_survey_choices_become_vote_buttons_with_tally() -> None:
    card = Card(
        title="Is price still the #1 objection?",
        choices=(Choice("Yes", "7:0", 3), Choice("No", "7:1", 1), Choice("Not sure", "7:2", 0)),
    )
    blocks = to_blocks(Reply(text="survey", cards=(card,)))
    check_limits(blocks)
    [actions] = [b for b in blocks if b["type"] == "actions"]
    assert [(e["action_id"], e["value"]) for e in actions["elements"]] == [
        ("survey.vote", "7:0"),
        ("survey.vote:2", "7:1"),
        ("survey.vote:3", "7:2"),
    ]
    tally = json.dumps(blocks, ensure_ascii=False)
    assert "3 (75%)" in tally and "4 answers" in tally
    assert_golden("slack/survey_choices.json", blocks)


def test_escape_neutralises_pings_and_links() -> None:
    assert escape("<!channel> & <https://x|y>") == "&lt;!channel&gt; &amp; &lt;https://x|y&gt;"
    reply = Reply(text="<!here> hi <@U123>")
    message = to_message(reply)
    assert message["text"] == "&lt;!here&gt; hi &lt;@U123&gt;"
    assert message["unfurl_links"] is False
    assert "<!here>" not in json.dumps(message)


def test_limits_are_respected_by_splitting_and_truncating() -> None:
    huge = Card(
        title="T" * 400,
        text="word " * 2000,
        fields=tuple(Field(f"label {i}", "v" * 3000) for i in range(23)),
        sections=tuple(Section(title=f"S{i}", bullets=("& " * 900,)) for i in range(40)),
        context=tuple(f"c{i}" for i in range(14)),
        buttons=tuple(Button("B" * 100, "a" * 300, "v" * 3000) for _ in range(30)),
    )
    message = to_message(Reply(text="x" * 50000, cards=(huge,)), share_id="tok")
    blocks = message["blocks"]
    check_limits(blocks)
    assert len(blocks) == MAX_BLOCKS
    assert blocks[-1]["block_id"] == "slack.share"  # the share button survives truncation
    assert blocks[-2]["type"] == "context" and "Shortened" in blocks[-2]["elements"][0]["text"]
    assert len(message["text"]) <= 4000


def test_small_reply_with_many_buttons_splits_actions() -> None:
    card = Card(title="x", buttons=tuple(Button(f"b{i}", "same.id", str(i)) for i in range(30)))
    blocks = to_blocks(Reply(text="x", cards=(card,)))
    check_limits(blocks)
    actions = [b for b in blocks if b["type"] == "actions"]
    assert [len(a["elements"]) for a in actions] == [25, 5]
    ids = [e["action_id"] for a in actions for e in a["elements"]]
    assert len(set(ids)) == 30 and all(i.split(":")[0] == "same.id" for i in ids)


def test_split_text_never_cuts_an_entity() -> None:
    text = escape("&" * 5000)
    chunks = split_text(text, 3000)
    assert all(len(c) <= 3000 for c in chunks)
    assert "".join(chunks) == text


def test_modal_and_home_views_golden() -> None:
    """Views go through slack_sdk.models.views.View in the golden helper."""
    personas = [("maya", "Maya Chen"), ("long", "L" * 120)]
    assert_golden("slack/survey_modal.json", survey_modal("C0GENERAL", personas))
    spec = PersonaSpec.from_dict(
        {"name": "Maya Chen & the <ops> team", "kind": "primary", "goals": ["Ship on time"]}
    )
    form = EditForm(
        slug=spec.slug,
        name=spec.name,
        fields={"role": "", "summary": "", "quote": ""},
        lists={"goals": ["Ship on time"], "pains": [], "objections": []},
    )
    assert_golden("slack/edit_modal.json", edit_modal(form, "C0GENERAL"))
    reply = Reply(text="Maya", cards=(persona_card(persona(), NOW),))
    assert_golden("slack/home.json", home_view(reply))


def _button(text: dict[str, Any]) -> dict[str, Any]:
    return {"type": "button", "text": text, "action_id": "a", "value": "1"}


BROKEN_BLOCKS = {
    "header over 150": {"type": "header", "text": {"type": "plain_text", "text": "x" * 151}},
    "empty text": {"type": "section", "text": {"type": "mrkdwn", "text": ""}},
    "unknown field": {"type": "section", "text": {"type": "mrkdwn", "text": "x"}, "colour": 1},
    "unknown block": {"type": "sektion", "text": {"type": "mrkdwn", "text": "x"}},
    "11 fields": {"type": "section", "fields": [{"type": "mrkdwn", "text": "f"}] * 11},
    "button in context": {
        "type": "context",
        "elements": [_button({"type": "plain_text", "text": "hi"})],
    },
    "mrkdwn button": {"type": "actions", "elements": [_button({"type": "mrkdwn", "text": "x"})]},
    "button over 75": {
        "type": "actions",
        "elements": [_button({"type": "plain_text", "text": "x" * 76})],
    },
}


@pytest.mark.parametrize("broken", BROKEN_BLOCKS.values(), ids=BROKEN_BLOCKS.keys())
def test_a_block_slack_would_reject_fails_the_golden_check(broken: dict[str, Any]) -> None:
    good = to_blocks(Reply(text="fine"))
    with pytest.raises(slack_models.BlockKitError):
        assert_golden("slack/never_written.json", [*good, broken])
    with pytest.raises(slack_models.BlockKitError):
        assert_golden("slack/never_written.json", {"text": "x", "blocks": [broken]})
    assert not (GOLDEN_DIR / "slack/never_written.json").exists()


def test_a_view_slack_would_reject_fails_the_golden_check() -> None:
    view = survey_modal("C0GENERAL", [("maya", "Maya Chen")])
    too_long = {**view, "title": {"type": "plain_text", "text": "x" * 25}}
    no_blocks = {**view, "blocks": []}
    for broken in (too_long, no_blocks):
        with pytest.raises(slack_models.BlockKitError):
            assert_golden("slack/never_written.json", broken)


async def test_the_fake_slack_api_refuses_what_slack_would() -> None:
    """Every Slack test environment goes through this fake, and asserts nothing was refused."""
    api = await FakeSlackApi().start()
    try:
        client = AsyncWebClient(token="xoxb-test", base_url=api.api_url)
        await client.chat_postMessage(channel="C1", text="ok", blocks=to_blocks(Reply(text="ok")))
        with pytest.raises(SlackApiError) as refused:
            await client.chat_postMessage(
                channel="C1", text="x", blocks=[BROKEN_BLOCKS["header over 150"]]
            )
        assert refused.value.response["error"] == "invalid_blocks"
        assert len(api.rejected) == 1 and "150" in api.rejected[0]
    finally:
        await api.stop()
