"""Which way round a line reads (bot.answering.negation and the offline answerer): an
objection's leading "No" refuses what follows, "rarely" turns a habit round, a synonym
meets the turned part of a line, and "-able" words meet their verb. Our own lines."""

from __future__ import annotations

import pytest

from bot.answering.negation import flipped_stems
from bot.answering.offline import OfflineAnswerer
from bot.answering.text import stem
from tests.answer_personas import make_persona


def test_an_objections_leading_no_refuses_rather_than_misses() -> None:
    assert stem("trial") not in flipped_stems("No free trials that need real data", "objection")
    assert stem("edit") in flipped_stems("No bulk edit in the editor", "pain")


def test_rarely_turns_a_habit_round() -> None:
    assert stem("phone") in flipped_stems("Works on a desktop, rarely on a phone", "behavior")


def test_able_words_meet_their_verb() -> None:
    assert stem("explainable") == stem("explain")


KAI = make_persona(
    (
        ("behavior-1", "behavior", "Designs on a big monitor at the studio, rarely on a phone"),
        ("objection-1", "objection", "No free pilots that need his clients' real invoices"),
        ("goal-1", "goal", "Ship a new brand identity every month"),
    ),
    slug="kai",
    name="Kai Berg",
)


@pytest.mark.parametrize(
    ("question", "stance", "key"),
    [
        ("Should the design tool be mobile-first?", "oppose", "behavior-1"),
        (
            "Should we offer Kai a free pilot on his clients' real invoices?",
            "oppose",
            "objection-1",
        ),
    ],
)
def test_the_verdict_follows_the_turned_line(question: str, stance: str, key: str) -> None:
    answer = OfflineAnswerer().answer_now(KAI, question)
    assert answer.stance == stance
    assert key in answer.cited_keys
