"""Issue 9's examples, with the samples and a small restaurant persona of our own: the
stance follows the meaning of the cited line, weak matches give "unclear", factual
questions get facts, and the LLM path keeps the same contract (question kind, quote /
summary / role citable) against the fake OpenAI server."""

from __future__ import annotations

import json

import pytest

from bot.answering.base import Answer
from bot.answering.llm import parse_reply
from bot.answering.llm_prompt import ANSWER_SCHEMA, system_prompt
from bot.answering.offline import OfflineAnswerer
from bot.features.answer_card import negative_warning
from tests.answer_personas import assert_grounded, make_persona, sample_persona
from tests.fakes.openai_server import FakeOpenAI, answer_json
from tests.test_answer_llm import answerer_for, answerers, fake_openai  # noqa: F401

ROSA = make_persona(
    (
        ("goal-1", "goal", "Get the staff schedule done without spreadsheets"),
        ("pain-1", "pain", "Payroll in Gusto has to be retyped from the rota every week"),
        ("behavior-1", "behavior", "Tries a tool during a slow week in January, never in summer"),
        ("behavior-2", "behavior", "Pays month to month, up to $80 a month for the restaurant"),
        ("channel-1", "channel", "Instagram accounts of other restaurant owners"),
        ("channel-2", "channel", "The local restaurant association newsletter"),
        ("channel-3", "channel", "Her point-of-sale vendor's marketplace"),
        ("objection-1", "objection", "Won't pay a setup fee"),
    ),
    slug="rosa",
    name="Rosa Diaz",
)
ANSWERER = OfflineAnswerer()


def ask(persona_or_slug: object, question: str) -> Answer:
    persona = sample_persona(persona_or_slug) if isinstance(persona_or_slug, str) else ROSA
    answer = ANSWERER.answer_now(persona, question)  # type: ignore[arg-type]
    assert_grounded(persona, answer)  # type: ignore[arg-type]
    return answer


@pytest.mark.parametrize(
    ("who", "question", "key"),
    [
        (ROSA, "Would Rosa try our app in summer?", "behavior-1"),
        ("maya", "Would Maya wait for IT to set up the tool?", "behavior-5"),
    ],
)
def test_a_line_that_rules_it_out_answers_no(who: object, question: str, key: str) -> None:
    answer = ask(who, question)
    assert answer.question_kind == "yes_no"
    assert answer.stance == "oppose" and answer.summary.startswith("No")
    assert key in answer.cited_keys


def test_the_other_side_of_the_same_line_answers_yes() -> None:
    answer = ask(ROSA, "Should we launch to Rosa in January?")
    assert answer.stance == "support" and "behavior-1" in answer.cited_keys


@pytest.mark.parametrize(
    ("slug", "question"),
    [
        ("sam", "Should we add dark mode?"),  # not "simplified modes"
        ("maya", "Should we add a dark mode?"),
    ],
)
def test_one_shared_word_is_not_a_verdict(slug: str, question: str) -> None:
    answer = ask(slug, question)
    assert answer.stance == "unknown" and answer.out_of_scope
    assert not answer.summary.startswith(("Yes", "No", "Probably"))


@pytest.mark.parametrize(
    ("who", "question", "key"),
    [
        ("maya", "Who approves Maya's budget?", "pain-3"),
        (ROSA, "How much would Rosa pay per month?", "behavior-2"),
    ],
)
def test_factual_questions_get_the_fact_without_a_verdict(
    who: object, question: str, key: str
) -> None:
    answer = ask(who, question)
    assert answer.question_kind == "fact" and not answer.out_of_scope
    assert answer.stance not in ("support", "oppose")
    assert key in answer.cited_keys


def test_where_to_reach_someone_is_answered_with_their_channels() -> None:
    answer = ask(ROSA, "Where should we advertise to reach Rosa?")
    assert answer.question_kind == "fact"
    assert set(answer.cited_keys) == {"channel-1", "channel-2", "channel-3"}


def test_a_fact_the_profile_does_not_state_is_said_so() -> None:
    answer = ask("maya", "Which university did Maya go to?")
    assert answer.question_kind == "fact" and answer.stance == "unknown"
    assert answer.out_of_scope


def test_yes_agrees_with_the_stance() -> None:
    answer = ask(ROSA, "Does Rosa care about Gusto payroll?")
    assert answer.summary.startswith("Yes") and answer.stance == "support"


def test_offering_on_premises_warns_about_gordon() -> None:
    question = "Offer on-premises hosting with a custom contract"
    panel = [(sample_persona(s), ask(s, question)) for s in ("maya", "sam", "priya", "gordon")]
    assert dict((p.slug, a.stance) for p, a in panel)["gordon"] == "support"
    assert negative_warning(panel) is not None


def test_per_employee_pricing_does_not_warn() -> None:
    question = "Switch to per-employee pricing"
    panel = [(sample_persona(s), ask(s, question)) for s in ("maya", "sam", "priya", "gordon")]
    assert negative_warning(panel) is None


# -- the LLM path ---------------------------------------------------------------------------


def test_the_schema_and_prompt_carry_the_question_kind_and_the_rules() -> None:
    assert "question_kind" in ANSWER_SCHEMA["required"]
    assert ANSWER_SCHEMA["properties"]["question_kind"]["enum"] == ["proposal", "yes_no", "fact"]
    prompt = system_prompt()
    for rule in ("never in summer", "rather than", "No bulk edit", "yes_no", "fact", "[quote]"):
        assert rule in prompt


def test_a_fact_from_the_model_keeps_no_verdict_and_may_cite_the_summary() -> None:
    maya = sample_persona("maya")
    reply = json.loads(answer_json(stance="support", concerns=[]))
    reply |= {
        "question_kind": "fact",
        "reasons": [{"text": "She signs under $500 herself", "cites": ["summary", "[pain-3]"]}],
    }
    answer = parse_reply(json.dumps(reply), maya)
    assert answer.question_kind == "fact" and answer.stance == "mixed"
    assert answer.cited_keys == ("summary", "pain-3")


async def test_the_model_is_asked_for_the_kind_and_its_answer_is_used(
    answerer_for,  # noqa: F811
    fake_openai: FakeOpenAI,  # noqa: F811
) -> None:
    reply = json.loads(answer_json(stance="oppose"))
    fake_openai.reply(json.dumps(reply | {"question_kind": "yes_no"}))
    maya = make_persona()
    answer = await answerer_for(fake_openai).answer(maya, "Would Maya pay upfront?")
    assert answer.source == "llm" and answer.question_kind == "yes_no"
    (req,) = fake_openai.requests
    assert "question_kind" in req.body["response_format"]["json_schema"]["schema"]["required"]
    assert "[quote]" in req.content_of("user")
