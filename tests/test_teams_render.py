"""Reply -> Adaptive Card 1.5: golden files (tests/golden/teams/, regenerate with
PERSONABOT_UPDATE_GOLDEN=1), the 80 KB budget, and text that cannot format or mention."""

from __future__ import annotations

import json
from typing import Any

import pytest
from jsonschema import Draft6Validator

from adapters.teams.render import (
    MAX_ACTIONS_PER_SET,
    SHORTENED,
    card_size,
    invoke_card_response,
    neutralise,
    summary,
    to_adaptive_card,
)
from bot.commands import Registry
from bot.features.answer_card import answer_reply, panel_reply
from bot.features.cards import persona_card
from bot.features.help import help_reply
from bot.messages import Button, Card, Choice, Field, Reply, Section
from tests import adaptive_cards
from tests.adaptive_cards import walk
from tests.golden_util import GOLDEN_DIR, assert_golden
from tests.test_core_cards import ANSWER, NOW, persona


def check_card(card: dict[str, Any]) -> None:
    adaptive_cards.check_card(card)  # the official schema and Teams' rules first
    assert card["type"] == "AdaptiveCard" and card["version"] == "1.5"
    assert card["$schema"].startswith("http://adaptivecards.io/schemas/")
    assert card_size(card) <= 80 * 1024
    for action_set in walk(card, "ActionSet"):
        assert 0 < len(action_set["actions"]) <= MAX_ACTIONS_PER_SET
    for execute in walk(card, "Action.Execute"):
        assert execute["verb"] == execute["data"]["action_id"]
        assert execute["fallback"] == {
            "type": "Action.Submit",
            "title": execute["title"],
            "data": execute["data"],
        }
    assert "<at>" not in json.dumps(card).lower()


def test_answer_golden() -> None:
    reply = answer_reply(persona(), ANSWER, "Should we raise prices 20%? <at>Everyone</at>", NOW)
    card = to_adaptive_card(reply)
    check_card(card)
    assert_golden("teams/answer.json", card)


def test_persona_card_golden_has_initials_or_photo() -> None:
    card = to_adaptive_card(Reply(text="Maya", cards=(persona_card(persona(), NOW),)))
    check_card(card)
    assert_golden("teams/persona_card.json", card)


def test_panel_golden() -> None:
    neg = persona("marcus", "Marcus Bell", "negative")
    reply = panel_reply("Unlimited custom contracts", [(persona(), ANSWER), (neg, ANSWER)], NOW)
    card = to_adaptive_card(reply)
    check_card(card)
    assert_golden("teams/panel.json", card)


def test_help_golden() -> None:
    registry = Registry()  # fixed, so other features' commands don't churn this file

    async def noop(ctx: object) -> Reply:
        return Reply(text="")

    registry.command("ask", summary="What would <persona> think?", usage="ask NAME Q")(noop)
    registry.command("list", summary="Every persona & its freshness.", usage="list")(noop)
    card = to_adaptive_card(help_reply(registry))
    check_card(card)
    assert_golden("teams/help.json", card)


def test_survey_choices_become_execute_buttons_with_tally() -> None:
    card = Card(
        title="Is price still the #1 objection?",
        choices=(Choice("Yes", "7:0", 3), Choice("No", "7:1", 1), Choice("Not sure", "7:2", 0)),
        buttons=(Button("See results", "survey.results", "7"),),
    )
    rendered = to_adaptive_card(Reply(text="survey", cards=(card,)))
    check_card(rendered)
    votes = [(a["verb"], a["data"]["value"]) for a in walk(rendered, "Action.Execute")]
    assert votes == [
        ("survey.vote", "7:0"),
        ("survey.vote", "7:1"),
        ("survey.vote", "7:2"),
        ("survey.results", "7"),
    ]
    [tally] = [f for f in walk(rendered, "FactSet")]
    assert tally["facts"][0]["value"].endswith("3 (75%)")
    assert_golden("teams/survey_choices.json", rendered)


def test_link_buttons_open_urls_and_styles_map() -> None:
    card = Card(
        title="x",
        buttons=(
            Button("Docs", "docs", url="https://example.com/docs"),
            Button("Still accurate", "review.ok", "maya", style="primary"),
            Button("Remove", "x.remove", "1", style="danger"),
        ),
    )
    rendered = to_adaptive_card(Reply(text="x", cards=(card,)))
    [link] = walk(rendered, "Action.OpenUrl")
    assert link["url"] == "https://example.com/docs"
    styles = [a.get("style") for a in walk(rendered, "Action.Execute")]
    assert styles == ["positive", "destructive"]


def test_markdown_and_mentions_are_neutralised() -> None:
    hostile = "<at>Everyone</at> **bold** [click](https://evil.example) _x_\n- item\n1. one"
    text = neutralise(hostile)
    assert "<at>" not in text and "</at>" not in text
    assert "\\*\\*bold\\*\\*" in text and "\\[click\\](https://evil.example)" in text
    assert "\n\\- item" in text and "\n1\\. one" in text
    card = to_adaptive_card(
        Reply(
            text=hostile,
            cards=(Card(title=hostile, fields=(Field(hostile, hostile),), text=hostile),),
        )
    )
    check_card(card)
    assert "<AT>" not in summary(Reply(text="<AT>Everyone</AT>")).upper().replace("\u200b", "!")


def test_plain_text_reply_is_one_text_block() -> None:
    card = to_adaptive_card(Reply(text="Type `help` to see what I can do."))
    [block] = card["body"]
    assert block["type"] == "TextBlock" and block["wrap"] is True
    assert block["text"] == "Type \\`help\\` to see what I can do."


def test_long_text_is_shortened_under_80_kb_and_says_so() -> None:
    para = "Twelve of fifteen interviewed ops managers named onboarding time. " * 120  # 8 KB
    card = Card(
        title="Maya",
        sections=tuple(Section(title=f"Part {i}", text=para) for i in range(40)),  # ~320 KB
    )
    rendered = to_adaptive_card(Reply(text=para, cards=(card,)))
    assert card_size(rendered) <= 80 * 1024
    assert rendered["body"][-1]["text"] == SHORTENED
    assert len(walk(rendered, "TextBlock")) > 40  # every section kept, each text shorter


def test_huge_number_of_elements_drops_the_tail() -> None:
    card = Card(title="Maya", fields=tuple(Field(f"f{i}", "v" * 150) for i in range(2000)))
    rendered = to_adaptive_card(Reply(text="x", cards=(card,)), max_bytes=20_000)
    assert card_size(rendered) <= 20_000
    assert rendered["body"][-1]["text"] == SHORTENED


def test_invoke_response_wraps_the_card() -> None:
    body = invoke_card_response(Reply(text="hello"))
    assert body["statusCode"] == 200
    assert body["type"] == "application/vnd.microsoft.card.adaptive"
    assert body["value"]["type"] == "AdaptiveCard"


def _broken(change: Any) -> dict[str, Any]:
    card = to_adaptive_card(answer_reply(persona(), ANSWER, "Raise prices?", NOW))
    change(card)
    return card


def _first(card: dict[str, Any], kind: str) -> dict[str, Any]:
    return walk(card, kind)[0]


BROKEN_CARDS = {
    "wrap is not a boolean": lambda c: _first(c, "TextBlock").update(wrap="yes"),
    "unknown element": lambda c: c["body"].append({"type": "TextBlok", "text": "x"}),
    "unknown property": lambda c: _first(c, "TextBlock").update(colour="red"),
    "bad enum": lambda c: _first(c, "TextBlock").update(size="Huge"),
    "no text": lambda c: c["body"].append({"type": "TextBlock"}),
    "unknown msteams width": lambda c: c.update(msteams={"width": "Wide"}),
    "verb the bot does not handle": lambda c: _first(c, "Action.Execute").update(
        verb="nobody.handles",
        data={"action_id": "nobody.handles", "value": ""},
        fallback={
            "type": "Action.Submit",
            "title": _first(c, "Action.Execute")["title"],
            "data": {"action_id": "nobody.handles", "value": ""},
        },
    ),  # fmt: skip
    "no Action.Submit fallback": lambda c: _first(c, "Action.Execute").pop("fallback"),
    "seven actions in a row": lambda c: c["body"].append(
        {"type": "ActionSet", "actions": [_first(c, "Action.Execute")] * 7}
    ),
    "over 80 KB in UTF-16": lambda c: c["body"].append(
        {"type": "TextBlock", "text": "x" * 41_000, "wrap": True}
    ),
    "targetWidth Teams does not know": lambda c: _first(c, "TextBlock").update(
        targetWidth="atMost:phone"
    ),
    "targetWidth on the card itself": lambda c: c.update(targetWidth="narrow"),
}


@pytest.mark.parametrize("change", BROKEN_CARDS.values(), ids=BROKEN_CARDS.keys())
def test_a_card_teams_would_reject_fails_the_golden_check(change: Any) -> None:
    with pytest.raises(adaptive_cards.AdaptiveCardError):
        assert_golden("teams/never_written.json", _broken(change))
    assert not (GOLDEN_DIR / "teams/never_written.json").exists()


def test_the_schema_is_microsofts_and_the_goldens_use_handled_verbs() -> None:
    schema = json.loads(adaptive_cards.SCHEMA_PATH.read_text(encoding="utf-8"))
    assert schema["id"] == "http://adaptivecards.io/schemas/adaptive-card.json"
    assert "Action.Execute" in schema["definitions"]  # 1.4+; Teams' Universal Actions
    notes = (adaptive_cards.SCHEMA_PATH.parent / "README.md").read_text(encoding="utf-8")
    assert "microsoft/AdaptiveCards" in notes and "schemas/1.5.0/adaptive-card.json" in notes
    verbs = {
        a["verb"]
        for path in (GOLDEN_DIR / "teams").glob("*.json")
        for a in walk(json.loads(path.read_text(encoding="utf-8")), "Action.Execute")
    }
    assert verbs and verbs <= adaptive_cards.handled_verbs()


def test_the_fast_validator_agrees_with_the_plain_schema() -> None:
    """tests/adaptive_cards.py takes the branch named by an element's type in the schema's
    anyOf; on valid and broken cards alike it must reach the plain validator's verdict."""
    plain = Draft6Validator(json.loads(adaptive_cards.SCHEMA_PATH.read_text(encoding="utf-8")))
    cards = [json.loads(p.read_text(encoding="utf-8")) for p in (GOLDEN_DIR / "teams").glob("*")]
    cards += [_broken(change) for change in BROKEN_CARDS.values()]
    verdicts = []
    for card in cards:
        # what check_card gives the schema: the documented Teams targetWidth set aside
        try:
            portable = adaptive_cards.without_target_width(
                {k: v for k, v in card.items() if k != "msteams"}
            )
        except adaptive_cards.AdaptiveCardError:
            continue  # a broken targetWidth: check_card refuses it before the schema
        verdicts.append(plain.is_valid(portable))
        assert adaptive_cards.validator().is_valid(portable) == verdicts[-1]
    assert verdicts.count(False) == 5  # the five broken cards that break the schema itself
