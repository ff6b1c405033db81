"""Which way round a line reads (bot.answering.negation and the offline answerer): an
objection's leading "No" refuses what follows, "rarely" turns a habit round, a synonym
meets the turned part of a line, and "-able" words meet their verb. Our own lines."""

from __future__ import annotations

import pytest

from bot.answering.negation import flipped_stems
from bot.answering.offline import OfflineAnswerer
from bot.answering.remedy import conditioned_stems
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


def test_a_negated_verb_stops_at_a_question_word() -> None:
    # "cannot say where the data is stored": the saying is missing, not the storing
    turned = flipped_stems("Vendors that cannot say where data is stored", "pain")
    assert stem("say") in turned
    assert stem("stored") not in turned


def test_no_one_is_a_verb_negation() -> None:
    turned = flipped_stems("Will not accept a model that no one can explain", "objection")
    assert stem("explain") in turned


def test_skipping_what_they_always_do_goes_against_it() -> None:
    lena = make_persona(
        (("behavior-1", "behavior", "Runs a security review of every vendor before signing"),),
        slug="lena",
        name="Lena Park",
    )
    answer = OfflineAnswerer().answer_now(lena, "Can we skip the security review to sign faster?")
    assert answer.stance == "oppose"


ODA = make_persona(
    (
        ("pain-1", "pain", "The clinic's internet drops out, so the booking screen freezes"),
        ("pain-2", "pain", "Patient notes sit across paper files, email and two systems"),
        ("goal-1", "goal", "Book every patient within a day of their call"),
    ),
    slug="oda",
    name="Oda Lind",
)


@pytest.mark.parametrize(
    ("question", "key"),
    [
        ("Should the booking screen keep working when the internet drops?", "pain-1"),
        ("Should we bring all the patient notes into one place?", "pain-2"),
    ],
)
def test_a_proposal_that_deals_with_a_pain_is_welcome(question: str, key: str) -> None:
    answer = OfflineAnswerer().answer_now(ODA, question)
    assert answer.stance == "support"
    assert key in answer.cited_keys


def test_what_if_opens_a_proposal_not_a_condition() -> None:
    assert not conditioned_stems("What if each clinic paid its own fee?")
    assert stem("internet") in conditioned_stems("Should it work when the internet drops?")


def test_after_an_objections_semicolon_a_plain_statement_is_what_they_have() -> None:
    turned = flipped_stems("Refuses to pay in US dollars; the budget is in euros", "objection")
    assert stem("euros") in turned
    assert stem("dollars") not in turned


def test_a_turning_word_in_a_habit_covers_its_clause() -> None:
    turned = flipped_stems(
        "Pilots tools on old data only, never on live customer cases", "behavior"
    )
    assert {stem("live"), stem("cases")} <= turned
