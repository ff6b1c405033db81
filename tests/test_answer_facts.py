"""Factual questions (who / when / how many / which …) get a fact only when a line states a fact
of the asked kind; otherwise "the profile doesn't say" (issue 9). A persona of our own, in a
field none of the samples or evaluation personas is in."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.answering.base import Answer
from bot.answering.fact_asked import Asked, asked_of
from bot.answering.forms import question_form
from bot.answering.offline import OfflineAnswerer
from tests.answer_personas import QUOTED, assert_grounded, make_persona
from tests.eval.metrics import predicted_label

NADIA = replace(
    make_persona(
        (
            ("goal-1", "goal", "Keep her hourly rate competitive with agency practice managers"),
            ("goal-2", "goal", "Send the partners a monthly report on chair occupancy"),
            ("goal-3", "goal", "Stay within a supplies budget of 1,500 pounds a month"),
            ("goal-4", "goal", "Replace the incumbent booking system before the lease ends"),
            (
                "motivation-1",
                "motivation",
                "Praise from the partners for the automations she built",
            ),
            ("pain-1", "pain", "Supplier invoices arrive as PDFs that she retypes into the ledger"),
            ("behavior-1", "behavior", "Uses open-source tools such as LibreOffice, not licences"),
            ("behavior-2", "behavior", "Tries new software only in August, when patients are away"),
            ("behavior-3", "behavior", "Orders gloves and masks from a wholesaler"),
            ("behavior-4", "behavior", "Builds automations with spreadsheet macros"),
            ("objection-1", "objection", "Won't sign contracts longer than a year"),
            ("channel-1", "channel", "A forum for dental practice managers"),
        ),
        slug="nadia",
        name="Nadia Osei",
    ),
    role="Practice manager at a dental surgery",
    summary=(
        "Nadia manages a dental surgery with 12 staff in Leeds. She studied business at night "
        "school. Every order over 2,000 pounds needs the partners' approval."
    ),
    quote="",
)
ANSWERER = OfflineAnswerer()


def ask(question: str) -> Answer:
    answer = ANSWERER.answer_now(NADIA, question)
    assert_grounded(NADIA, answer)
    return answer


@pytest.mark.parametrize(
    "text",
    [
        "Above what amount does an order need approval?",
        "For how long does Nadia keep invoices?",
        "In which month does Nadia try new software?",
        "Roughly how many staff does Nadia have?",
        "Up to what price would Nadia pay?",
        "Do you know when Nadia tries new software?",
        "Any idea who approves orders?",
    ],
)
def test_questions_led_by_a_preposition_or_a_hedge_are_open(text: str) -> None:
    assert question_form(text, ("Nadia Osei", "nadia")).kind == "open"


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("In summer, should we launch?", "proposal"),
        ("At launch we add SSO", "proposal"),
        ("Any idea if Nadia uses LibreOffice?", "yes_no"),
    ],
)
def test_a_leading_preposition_without_a_wh_word_is_not_a_question(text: str, kind: str) -> None:
    assert question_form(text, ("Nadia Osei", "nadia")).kind == kind


@pytest.mark.parametrize(
    ("question", "asked"),
    [
        (
            "How many nurses work at Nadia's surgery?",
            Asked("quantity", nouns=frozenset({"nurs"}), phrase=("nurses",)),
        ),
        ("How often does Nadia order gloves?", Asked("quantity", timely=True)),
        ("Above what amount does an order need approval?", Asked("quantity")),
        ("What time does Nadia open?", Asked("when")),
        ("Whose approval does an order need?", Asked("who")),
        ("What frustrates Nadia about invoices?", Asked("open")),
        ("How does Nadia pay suppliers?", Asked("open")),
    ],
)
def test_the_kind_of_fact_asked(question: str, asked: Asked) -> None:
    assert asked_of(question, ("Nadia Osei", "nadia")) == asked


@pytest.mark.parametrize(
    ("question", "nouns", "verb", "particle"),
    [
        ("What ledger software does Nadia use?", {"ledger"}, None, None),  # generic head
        ("Which wholesaler does Nadia order from?", {"wholesaler"}, "order", "from"),
        ("Which supplier sends the invoices?", {"supplier"}, "send", None),
        ("What is Nadia's hourly rate?", {"rat"}, None, None),
        ("What kind of gloves does Nadia order?", {"glov"}, "order", None),
    ],
)
def test_which_noun_is_asked_about(
    question: str, nouns: set[str], verb: str | None, particle: str | None
) -> None:
    asked = asked_of(question, ("Nadia Osei", "nadia"))
    assert (asked.kind, asked.nouns, asked.verb, asked.particle) == (
        "which",
        nouns,
        verb,
        particle,
    )


@pytest.mark.parametrize(
    ("question", "key", "sentence"),
    [
        ("How many staff work at Nadia's surgery?", "summary", "Nadia manages a dental surgery"),
        (
            "Above what amount does an order need the partners' approval?",
            "summary",
            "Every order over 2,000 pounds",
        ),
        ("Whose approval does a large order need?", "summary", "Every order over 2,000 pounds"),
        ("When does Nadia try new software?", "behavior-2", "Tries new software only in August"),
        ("When does Nadia want to replace the booking system?", "goal-4", "Replace the incumbent"),
        ("Which open-source tools does Nadia use?", "behavior-1", "Uses open-source tools"),
        ("What subject did Nadia study?", "summary", "She studied business"),
        ("How long can a contract with Nadia run?", "objection-1", "Won't sign contracts"),
        ("How much supplies budget does Nadia have?", "goal-3", "Stay within a supplies budget"),
        ("Which booking system does Nadia want to replace?", "goal-4", "Replace the incumbent"),
        # the line with the question's verb and its preposition first
        ("What does Nadia build automations with?", "behavior-4", "Builds automations with"),
    ],
)
def test_a_stated_fact_is_quoted_from_the_sentence_that_states_it(
    question: str, key: str, sentence: str
) -> None:
    answer = ask(question)
    assert predicted_label(answer) == "fact" and answer.stance not in ("support", "oppose")
    assert answer.cited_keys[0] == key
    assert QUOTED.findall(answer.summary)[0].startswith(sentence)


@pytest.mark.parametrize(
    ("question", "mentioned"),
    [
        ("How many nurses work at Nadia's surgery?", None),  # a number, but of staff
        ("What ledger software does Nadia use?", "pain-1"),  # "the ledger": none named
        ("What is Nadia's hourly rate?", "goal-1"),  # the rate, but no figure
        ("Which wholesaler does Nadia order from?", "behavior-3"),  # "a wholesaler": no name
        ("Which textbook did Nadia study from?", None),  # she studied, but not from a book
        ("What is the surgery's annual turnover?", None),
        ("Which dental chain does Nadia compete with?", None),
        ("Who does Nadia report to?", "goal-2"),  # "a monthly report" is not whom she reports to
    ],
)
def test_a_fact_of_the_asked_kind_that_no_line_states_is_not_said(
    question: str, mentioned: str | None
) -> None:
    answer = ask(question)
    assert predicted_label(answer) == "unknown" and answer.question_kind == "fact"
    assert answer.summary.startswith(("Nadia's profile doesn't say", "I don't know"))
    if mentioned is not None:  # the line that names the thing is offered as related
        assert answer.cited_keys[0] == mentioned


@pytest.mark.parametrize(
    ("question", "keys", "lead"),
    [
        ("What are Nadia's goals?", ("goal-1", "goal-2", "goal-3"), "From Nadia's profile"),
        ("What is Nadia's biggest objection?", ("objection-1",), "From Nadia's profile"),
        ("What problems does Nadia have with invoices?", ("pain-1",), "From Nadia's profile"),
        ("What is Nadia's job title?", ("role",), "Nadia's role: “Practice manager"),
        ("Where does Nadia work?", ("role",), "Nadia's role: “Practice manager"),
    ],
)
def test_a_part_of_the_profile_is_answered_with_its_lines(
    question: str, keys: tuple[str, ...], lead: str
) -> None:
    answer = ask(question)
    assert predicted_label(answer) == "fact" and answer.cited_keys == keys
    assert answer.summary.startswith(lead)


def test_a_part_of_the_profile_on_an_unknown_topic_is_not_a_list_of_it() -> None:
    answer = ask("What problems does Nadia have with golf?")
    assert predicted_label(answer) == "unknown"


def test_a_fact_stated_with_the_verb_says_the_thing_is_not_named() -> None:
    answer = ask("What subject did Nadia study?")
    assert answer.summary.startswith(
        "Nadia's profile doesn't name the subject as such; the summary says: “She studied"
    )
    assert answer.confidence < 0.5
