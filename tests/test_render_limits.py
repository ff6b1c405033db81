"""Hostile and edge content through both chat renderers (Block Kit and Adaptive Cards):
Slack's documented limits, no empty text objects where Slack rejects them, escaping intact,
and Teams' message size counted the way Teams counts it (UTF-16)."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest

from adapters.slack.render import to_message
from adapters.teams.render import MAX_CARD_BYTES, card_size, to_adaptive_card
from bot.features.answer_card import answer_reply, panel_reply
from bot.features.cards import persona_card
from bot.features.survey_render import results_reply, survey_reply
from bot.messages import Button, Card, Choice, Field, Reply, Section
from persona_store.personas.views import LineView
from persona_store.surveys.views import SurveyPlace, SurveyView
from tests.test_core_cards import ANSWER, NOW, persona
from tests.test_teams_render import walk

HOSTILE = "<!channel> <@U1> <at>x</at> **b** [l](https://e.example) <https://x|y> & :tada: 👩‍👩‍👧 "
BASE = persona()
LINES = tuple(
    LineView(i, f"pain-{i}", "pain", f"{HOSTILE}line {i} " + "x" * 200) for i in range(60)
)
PERSONAS = {
    "1000-char name, role and quote": replace(
        BASE, name="M" * 1000, role="R" * 1000, quote="Q" * 1000
    ),
    "hostile text everywhere": replace(
        BASE, name=HOSTILE, role=HOSTILE, quote=HOSTILE, segment=HOSTILE
    ),
    "60 profile lines": replace(BASE, lines=LINES),
    "no lines, evidence or owners": replace(BASE, lines=(), evidence=(), owners=()),
    "emoji only": replace(BASE, name="🦄" * 200, quote="👍🏽" * 2000),
}
SURVEY = SurveyView(
    7, 1, 1, "maya", "Maya", f"Q? {HOSTILE}", tuple(f"opt {i} {HOSTILE}"[:80] for i in range(12)),
    False, "open", "U1", NOW, NOW, None, SurveyPlace("slack", "T1", "C1"), None,
    counts=tuple(range(12)),
)  # fmt: skip


def _replies() -> dict[str, Reply]:
    replies: dict[str, Reply] = {}
    for name, p in PERSONAS.items():
        replies[f"{name}: card"] = Reply(text=p.name, cards=(persona_card(p, NOW, limit=100),))
        replies[f"{name}: answer"] = answer_reply(p, ANSWER, HOSTILE * 30, NOW)
        replies[f"{name}: panel"] = panel_reply(HOSTILE, [(p, ANSWER)] * 6, NOW)
    replies["12-option survey"] = survey_reply(SURVEY)
    replies["12-option results"] = results_reply(replace(SURVEY, status="closed"))
    replies["blank lines over a section"] = Reply(text="\n" * 5000)
    replies["spaces over a section"] = Reply(text=" " * 3500 + "end")
    replies["empty parts"] = Reply(
        text="x",
        cards=(
            Card(
                title="t",
                fields=(Field("", ""),),
                sections=(Section(title="", text="", bullets=("",)),),
                context=("", " ", "kept"),
                choices=(Choice("Yes", "1:0", 0), Choice("No", "1:1", 1)),
            ),
        ),
    )
    return replies


REPLIES = _replies()


def check_slack(message: dict[str, Any]) -> None:
    blocks = message["blocks"]
    assert 0 < len(blocks) <= 50 and message["text"].strip()
    block_ids = [b["block_id"] for b in blocks if "block_id" in b]
    assert len(set(block_ids)) == len(block_ids)
    for b in blocks:
        if b["type"] == "header":
            assert 0 < len(b["text"]["text"]) <= 150
        if b["type"] == "section":
            assert "text" in b or "fields" in b
            if "text" in b:
                assert len(b["text"]["text"].strip()) > 0 and len(b["text"]["text"]) <= 3000
            assert len(b.get("fields", [])) <= 10
            assert all(0 < len(f["text"].strip()) <= 2000 for f in b.get("fields", []))
        if b["type"] == "context":
            assert 0 < len(b["elements"]) <= 10
            for e in b["elements"]:
                if e["type"] != "image":
                    assert 0 < len(e["text"].strip()) <= 3000, b
        if b["type"] == "actions":
            assert 0 < len(b["elements"]) <= 25
            ids = [e["action_id"] for e in b["elements"]]
            assert len(set(ids)) == len(ids)
            for e in b["elements"]:
                assert 0 < len(e["text"]["text"].strip()) <= 75
                assert len(e["action_id"]) <= 255 and len(e.get("value", "")) <= 2000
    # mrkdwn is where Slack parses mentions and links: nothing written there may survive raw
    for t in walk(blocks, "mrkdwn"):
        assert t["verbatim"] is True
        assert "<!" not in t["text"] and "<@" not in t["text"] and "<http" not in t["text"]
    assert "<!" not in message["text"] and "<http" not in message["text"]


def utf16_size(card: dict[str, Any]) -> int:
    return len(json.dumps(card, ensure_ascii=False, separators=(",", ":")).encode("utf-16-le"))


def check_teams(card: dict[str, Any]) -> None:
    # Teams counts its message limit (100 KB, 80 KB recommended) on the UTF-16 payload
    assert utf16_size(card) <= MAX_CARD_BYTES
    for block in walk(card, "TextBlock"):
        assert "<at>" not in block["text"].lower() and "</at>" not in block["text"].lower()
    for fact_set in walk(card, "FactSet"):
        assert fact_set["facts"]
        for fact in fact_set["facts"]:
            assert "<at>" not in (fact["title"] + fact["value"]).lower()
    for action in walk(card, "Action.Execute") + walk(card, "Action.Submit"):
        assert action["title"].strip() and len(action["title"]) <= 60


@pytest.mark.parametrize("name", list(REPLIES))
def test_slack_blocks_stay_valid(name: str) -> None:
    check_slack(to_message(REPLIES[name], share_id="share-1"))


@pytest.mark.parametrize("name", list(REPLIES))
def test_teams_card_stays_valid(name: str) -> None:
    check_teams(to_adaptive_card(REPLIES[name]))


def test_slack_drops_empty_context_lines_but_keeps_the_rest() -> None:
    blocks = to_message(REPLIES["empty parts"])["blocks"]
    contexts = [e["text"] for b in blocks if b["type"] == "context" for e in b["elements"]]
    assert contexts == ["kept"]


def test_slack_whitespace_never_becomes_an_empty_section() -> None:
    blocks = to_message(REPLIES["spaces over a section"])["blocks"]
    assert [b["text"]["text"] for b in blocks] == ["end"]


def test_teams_size_is_counted_as_utf16_like_teams_does() -> None:
    para = "Twelve of fifteen ops managers named onboarding time. " * 130  # 7 KB, one TextBlock
    sections = tuple(Section(title=f"Part {i}", text=para) for i in range(8))  # ~57 KB of ASCII
    card = to_adaptive_card(Reply(text="x", cards=(Card(title="Maya", sections=sections),)))
    assert card_size(card) == utf16_size(card) <= MAX_CARD_BYTES
    # ~57 KB as UTF-8 is ~114 KB as UTF-16, over Teams' 100 KB: it had to be shortened
    assert "Shortened" in json.dumps(card)


def test_many_buttons_keep_their_labels() -> None:
    card = Card(
        title="t", buttons=tuple(Button(f"b{i} {HOSTILE}", "x.y", str(i)) for i in range(30))
    )
    check_slack(to_message(Reply(text="x", cards=(card,))))
    check_teams(to_adaptive_card(Reply(text="x", cards=(card,))))
