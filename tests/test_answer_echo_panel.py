"""Issue 9, the card side: the question echoed exactly as typed on every platform, factual
answers without a stance label, quote/summary/role citable, the negative-persona warning
only on clear support, and "What would Maya and Sam think…" as a panel of those two."""

from __future__ import annotations

from dataclasses import replace

import pytest

from adapters.slack.render import to_blocks
from adapters.teams.render import to_adaptive_card
from adapters.web.render import reply_from_dict, reply_to_dict, reply_to_html
from bot.answering.base import Answer, Reason
from bot.commands import Core
from bot.features import build_registry
from bot.features.answer_card import answer_reply, negative_warning, panel_reply
from persona_store import Store
from tests.conftest import make_deps
from tests.test_core_cards import ANSWER, NOW, persona
from tests.test_features import ScriptedAnswerer, add, say


@pytest.fixture
def core(sqlite_store: Store) -> tuple[Core, ScriptedAnswerer]:
    add(sqlite_store, "Maya Chen", goals=["Ship on time"])
    add(sqlite_store, "Sam Okafor", "secondary")
    add(sqlite_store, "Marcus Bell", "negative")
    answerer = ScriptedAnswerer()
    return Core(make_deps(sqlite_store, answerer), build_registry()), answerer


QUESTION = "Should we link `pricing` from https://example.com/pricing?"


async def test_ask_keeps_the_colon_of_a_url_in_the_question(core) -> None:  # type: ignore[no-untyped-def]
    c, answerer = core
    [reply] = await say(c, f"ask maya {QUESTION}")
    assert answerer.calls == [("maya", QUESTION)]
    assert f"Q: {QUESTION}" in reply.text
    [question] = [s for s in reply.cards[0].sections if s.title == "Question"]
    assert question.text == QUESTION and question.literal


async def test_a_colon_after_the_name_still_separates_it(core) -> None:  # type: ignore[no-untyped-def]
    c, answerer = core
    await say(c, "ask maya: Is https://example.com fast enough?")
    assert answerer.calls == [("maya", "Is https://example.com fast enough?")]


def test_backticks_stay_literal_on_slack_teams_and_web() -> None:
    reply = answer_reply(persona(), ANSWER, QUESTION, NOW)
    slack = [b for b in to_blocks(reply) if b.get("text", {}).get("text") == QUESTION]
    assert slack and slack[0]["text"]["type"] == "plain_text"
    teams = str(to_adaptive_card(reply))
    assert "\\\\`pricing\\\\`" in teams and "https://example.com/pricing" in teams
    html = reply_to_html(reply)
    assert "<code>pricing</code>" not in html and "`pricing` from https://example.com" in html
    stored = reply_from_dict(reply_to_dict(reply))
    assert "<code>pricing</code>" not in reply_to_html(stored)


def test_a_factual_answer_has_no_stance_label() -> None:
    fact = replace(
        ANSWER,
        stance="unknown",
        question_kind="fact",
        summary="The owner signs off above $500 a month.",
        reasons=(Reason("Budget is approved once a year", ("pain-1",)),),
        concerns=(),
    )
    reply = answer_reply(persona(), fact, "Who approves Maya's budget?", NOW)
    card = reply.cards[0]
    assert [f.label for f in card.fields] == ["Confidence"]
    assert "Stance" not in reply.text and "Oppose" not in reply.text
    assert card.title == "Maya Chen: what the profile says"
    html = reply_to_html(reply)
    assert "stance-unknown" not in html


def test_quote_summary_and_role_are_cited_like_lines() -> None:
    answer = replace(ANSWER, reasons=(Reason("Her own words", ("quote", "role")),), concerns=())
    reply = answer_reply(persona(), answer, "Does Maya have time?", NOW)
    [cited] = [s for s in reply.cards[0].sections if s.title == "Cited from the profile"]
    assert cited.bullets[0].startswith("quote: ") and "babysit" in cited.bullets[0]
    assert cited.bullets[1] == "role: Operations manager <ops> & buyer"


def _answer(slug: str, stance: str, confidence: float) -> Answer:
    return Answer(slug, stance, f"{slug} {stance}", confidence=confidence)  # type: ignore[arg-type]


def test_no_warning_when_the_negative_persona_is_only_mixed() -> None:
    gordon = persona("gordon", "Gordon Pryce", "negative")
    sam = persona("sam", "Sam Okafor", "secondary")
    panel = [
        (persona(), _answer("maya", "oppose", 0.8)),
        (sam, _answer("sam", "oppose", 0.6)),
        (gordon, _answer("gordon", "mixed", 0.5)),
    ]
    assert negative_warning(panel) is None
    assert "negative persona" not in panel_reply("Per-employee pricing", panel, NOW).text


def test_no_warning_when_a_primary_persona_supports_as_strongly() -> None:
    gordon = persona("gordon", "Gordon Pryce", "negative")
    panel = [(persona(), _answer("maya", "support", 0.8)), (gordon, _answer("g", "support", 0.8))]
    assert negative_warning(panel) is None
    weak = [(persona(), _answer("maya", "oppose", 0.8)), (gordon, _answer("g", "support", 0.3))]
    assert negative_warning(weak) is None  # low-confidence support is not clear support
    clear = [(persona(), _answer("maya", "mixed", 0.8)), (gordon, _answer("g", "support", 0.6))]
    assert negative_warning(clear) is not None


async def test_what_would_maya_and_sam_think_runs_a_panel_of_the_two(core) -> None:  # type: ignore[no-untyped-def]
    c, answerer = core
    [reply] = await say(c, "What would Maya and Sam think about dark mode?")
    assert sorted(answerer.calls) == [("maya", "dark mode"), ("sam", "dark mode")]
    assert reply.cards[0].title == "Persona panel" and not reply.is_error


async def test_what_do_our_personas_think_asks_every_persona(core) -> None:  # type: ignore[no-untyped-def]
    c, answerer = core
    [reply] = await say(c, "What do our personas think about dark mode?")
    assert sorted(slug for slug, _ in answerer.calls) == ["marcus", "maya", "sam"]
    assert reply.cards[0].title == "Persona panel"


async def test_a_group_with_an_unknown_name_says_which(core) -> None:  # type: ignore[no-untyped-def]
    c, answerer = core
    [reply] = await say(c, "What would Maya and Zed think about dark mode?")
    assert reply.is_error and "Zed" in reply.text and answerer.calls == []
