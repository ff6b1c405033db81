"""Time windows (bot.answering.timing): a question that names a time is read against the
times a line keeps to or avoids, by month, season, part of the day or named period, and
the offline answerer's verdict follows them. Personas and lines are our own, not the
evaluation set's."""

from __future__ import annotations

import pytest

from bot.answering.offline import OfflineAnswerer
from bot.answering.timing import times_in, timing_effect, windows
from tests.answer_personas import make_persona

SLOW_WEEKS = "Tries new tools only in the quiet weeks of March, never during summer or the holidays"
HARVEST = "Buys feed in spring, never during harvest from September to November"
EVENINGS = "Builds decks late at night and answers vendor emails only in the afternoon"
TERMS = "Changes tools over the winter break, never in the middle of a semester"


@pytest.mark.parametrize(
    ("line", "question", "expected"),
    [
        (SLOW_WEEKS, "Would she try it in July?", -1),  # July is summer
        (SLOW_WEEKS, "Should we pitch during the holiday season?", -1),
        (SLOW_WEEKS, "Would March suit her?", 1),
        (SLOW_WEEKS, "Would she try it in October?", -1),  # outside "only March"
        (HARVEST, "Will he buy in October?", -1),  # inside "from September to November"
        (HARVEST, "Should the promotion run in early autumn?", -1),
        (HARVEST, "Should we reach him during the harvest months?", -1),
        (HARVEST, "Would he order in April?", 1),
        (EVENINGS, "Should vendor emails reach her at night?", -1),  # emails: afternoon only
        (EVENINGS, "Should we send vendor emails after lunch in the afternoon?", 1),
        (EVENINGS, "Does she build decks at night?", 1),  # the other habit of the line
        (TERMS, "Should he switch in November, mid-term?", -1),
        (TERMS, "Would he adopt it halfway through the school year?", -1),
        (TERMS, "Would he try it in January?", 1),  # in the winter it keeps to
        (SLOW_WEEKS, "Would she like a faster setup?", None),  # no time asked
        ("Plans big purchases around the budget year that starts in April", "In April?", None),
    ],
)
def test_a_named_time_is_read_against_the_lines_windows(
    line: str, question: str, expected: int | None
) -> None:
    assert timing_effect(line, question) == expected


def test_may_the_verb_is_not_a_month() -> None:
    assert not times_in("May we call her next week?")
    assert times_in("Should we launch in May?").months == {5}


def test_a_line_that_restricts_no_time_has_no_windows() -> None:
    assert windows("Orders stock every Monday morning") == ()


PIA = make_persona(
    (
        ("behavior-1", "behavior", SLOW_WEEKS),
        ("motivation-1", "motivation", "Proving every month that the shop can grow"),
        ("goal-1", "goal", "Sell more gift cards in December"),
    ),
    slug="pia",
    name="Pia Lund",
)


@pytest.mark.parametrize(
    ("question", "stance"),
    [
        ("Is August a good month to get Pia onto a new tool?", "oppose"),
        ("Should we pitch Pia a trial in March?", "support"),
    ],
)
def test_the_timed_line_decides_the_verdict_and_is_cited(question: str, stance: str) -> None:
    answer = OfflineAnswerer().answer_now(PIA, question)
    assert answer.stance == stance
    assert "behavior-1" in answer.cited_keys
