"""Offline answers to questions versus proposals, on the shipped sample personas.

A question ("Does Sam care about keyboard shortcuts?") gets an answer to the question,
grounded in the profile lines it cites; a proposal ("Should we add bulk edit?") gets the
persona's reaction. Both cite the same line ids the answer contract defines.
"""

from __future__ import annotations

import pytest

from bot.answering.forms import question_form
from bot.answering.offline import OfflineAnswerer
from tests.answer_personas import QUOTED, assert_grounded, make_persona, sample_persona

ANSWERER = OfflineAnswerer()
PROPOSAL_OPENERS = ("would likely welcome", "would likely push back", "would be torn", "know more")


@pytest.mark.parametrize(
    ("text", "kind", "predicate"),
    [
        ("What would Maya think about: Is SSO a must-have?", "yes_no", "want"),
        ("Is SSO a must-have", "yes_no", "want"),  # chat phrasing arrives without "?"
        ("Does Sam care about keyboard shortcuts?", "yes_no", "care"),
        ("Doesn't Sam care about keyboard shortcuts?", "yes_no", "care"),
        ("So, is SSO important to Priya?", "yes_no", "care"),
        ("Is onboarding a problem for Maya?", "yes_no", "against"),
        ("Would Maya be put off by a price rise?", "yes_no", "against"),
        ("Would it be a problem for Maya if we raised prices?", "yes_no", "against"),
        ("Do you think Maya would pay for an annual plan?", "yes_no", "want"),
        ("Hey, does Maya use her phone?", "yes_no", "want"),
        ("Who approves Maya's budget?", "open", "want"),
        ("What frustrates Maya about onboarding?", "open", "against"),
        ("Tell me what Maya thinks about SSO", "open", "want"),
        ("Should we add SSO?", "proposal", "want"),
        ("Should we raise prices 20%?", "proposal", "want"),
        ("we're adding SSO", "proposal", "want"),
        ("a price increase of 10%", "proposal", "want"),
        ("Dark mode?", "proposal", "want"),
        ("What if we cut prices for small teams?", "proposal", "want"),
        ("How about making onboarding faster?", "proposal", "want"),
        ("Why not add dark mode?", "proposal", "want"),
        ("Would it help to simplify setup?", "proposal", "want"),
        ("Is it worth improving the export?", "proposal", "want"),
        ("Can we drop the free tier?", "proposal", "want"),
        ("Do we need SSO?", "proposal", "want"),
        ("Do you think we should add SSO?", "proposal", "want"),
        ("What would Maya think about a 20% price rise?", "proposal", "want"),
        ("", "proposal", "want"),
    ],
)
def test_question_or_proposal(text: str, kind: str, predicate: str) -> None:
    form = question_form(text, ("Maya Chen", "maya"))
    assert (form.kind, form.predicate) == (kind, predicate)


# (persona, question, how the summary starts, the line the summary quotes, other cited lines)
YES_NO = [
    ("priya", "Is SSO a must-have?", "Yes — it's one of Priya's goals", "goal-1", ()),
    ("priya", "Does Priya want single sign-on?", "Yes — it's one of Priya's goals", "goal-1", ()),
    (
        "sam",
        "Does Sam care about keyboard shortcuts?",
        "Yes, it matters to Sam — it's how Sam works",
        "behavior-1",
        ("goal-1", "objection-4"),
    ),
    (
        "sam",
        "Does Sam want bulk edit?",
        "Yes — going without it is one of Sam's pains",
        "pain-4",
        ("objection-4",),
    ),
    (
        "sam",
        "Does Sam want advanced settings?",
        "Yes — one of Sam's objections asks for it",
        "objection-2",
        (),
    ),
    (
        "sam",
        "Does Sam like simplified modes?",
        "No — it's one of Sam's objections",
        "objection-2",
        (),
    ),
    ("sam", "Does Sam trust AI features?", "No — it's one of Sam's objections", "objection-3", ()),
    ("maya", "Does Maya use her phone?", "Yes — it's how Maya works", "behavior-4", ()),
    (
        "maya",
        "Does Maya like spreadsheets?",
        "No — it goes against one of Maya's goals",
        "goal-1",
        (),
    ),
    (
        "maya",
        "Does Maya want the free tier?",
        "Yes — one of Maya's objections asks for it",
        "objection-2",
        ("behavior-1",),
    ),
    (
        "maya",
        "Would Maya pay for an annual plan?",
        "No — it's one of Maya's objections",
        "objection-3",
        (),
    ),
    ("maya", "Is onboarding a problem for Maya?", "Yes — it's one of Maya's pains", "pain-1", ()),
    (
        "maya",
        "Would Maya mind a price cut?",
        "No — it would ease one of Maya's pains",
        "pain-2",
        (),
    ),
    (
        "maya",
        "Would Maya leave if we dropped the free tier?",
        "Yes — it hits one of Maya's objections",
        "objection-2",
        (),
    ),
    (
        "priya",
        "Would Priya approve a bot that reads every channel?",
        "No — it's one of Priya's objections",
        "objection-1",
        (),
    ),
    ("gordon", "Does Gordon want on-prem?", "Yes — it's one of Gordon's goals", "goal-3", ()),
    (
        "gordon",
        "Would Gordon use a multi-tenant cloud?",
        "No — it's one of Gordon's objections",
        "objection-2",
        (),
    ),
    (
        "gordon",
        "Does Gordon want a dedicated support team?",
        "Yes — one of Gordon's objections asks for it",
        "objection-3",
        (),
    ),
    (
        "gordon",
        "Does Gordon want integrations?",
        "Yes — going without it is one of Gordon's pains",
        "pain-3",
        (),
    ),
]


@pytest.mark.parametrize(("slug", "question", "opens", "quoted", "also"), YES_NO)
async def test_yes_no_questions_are_answered_from_the_cited_lines(
    slug: str, question: str, opens: str, quoted: str, also: tuple[str, ...]
) -> None:
    persona = sample_persona(slug)
    answer = await ANSWERER.answer(persona, question)
    assert answer.meta["form"] == "yes_no"
    assert answer.summary.startswith(opens + ": “"), answer.summary
    assert not any(p in answer.summary for p in PROPOSAL_OPENERS)
    line = persona.line(quoted)
    assert line is not None
    assert line.text.startswith(QUOTED.findall(answer.summary)[0].rstrip("…"))
    assert {quoted, *also} <= set(answer.cited_keys)
    assert not answer.out_of_scope and answer.source == "offline"
    assert_grounded(persona, answer)


@pytest.mark.parametrize(
    ("slug", "question", "proposal", "key"),
    [
        ("sam", "Does Sam want bulk edit?", "Should we add bulk edit?", "pain-4"),
        ("gordon", "Does Gordon want on-prem?", "Should we offer an on-prem version?", "goal-3"),
        ("maya", "Would Maya mind a price cut?", "What if we cut prices?", "pain-2"),
        (
            "sam",
            "Does Sam like simplified modes?",
            "Should we add a simplified mode?",
            "objection-2",
        ),
    ],
)
async def test_the_same_topic_as_question_and_as_proposal(
    slug: str, question: str, proposal: str, key: str
) -> None:
    persona = sample_persona(slug)
    asked = await ANSWERER.answer(persona, question)
    proposed = await ANSWERER.answer(persona, proposal)
    assert proposed.meta["form"] == "proposal"
    assert any(p in proposed.summary for p in PROPOSAL_OPENERS), proposed.summary
    assert not any(p in asked.summary for p in PROPOSAL_OPENERS), asked.summary
    assert key in asked.cited_keys and key in proposed.cited_keys
    # a yes/no answer's stance is the answer (yes = support): "would she mind a price cut?" is
    # "no" (oppose) although she welcomes the cut (support)
    if "mind" not in question:
        assert asked.stance == proposed.stance


async def test_a_cost_complaint_is_a_catch_not_a_no() -> None:
    """Priya wants SSO; her pains about SSO's price are shown as a catch on cost."""
    priya = sample_persona("priya")
    answer = await ANSWERER.answer(priya, "Is SSO a must-have?")
    assert answer.summary.startswith("Yes")
    catches = [c for c in answer.concerns if c.text.startswith("A catch on cost")]
    assert {k for c in catches for k in c.cites} == {"objection-4", "pain-4"}
    assert answer.stance == "support"


async def test_open_questions_are_facts_quoted_from_the_lines_that_state_them() -> None:
    """A factual question gets the fact (no support/oppose), was a stance before issue 9."""
    maya = sample_persona("maya")
    answer = await ANSWERER.answer(maya, "Who approves Maya's budget?")
    assert answer.meta["form"] == "open" and answer.question_kind == "fact"
    assert answer.summary.startswith("From Maya's profile")
    assert {"pain-3", "summary"} & set(answer.cited_keys)
    worry = await ANSWERER.answer(maya, "What frustrates Maya about onboarding?")
    assert "pain-1" in worry.cited_keys and worry.question_kind == "fact"
    assert_grounded(maya, answer)


async def test_a_synonym_only_match_gives_no_verdict() -> None:
    """ "Integrations" meets Sam's API goal only through the @integration concept."""
    sam = sample_persona("sam")
    answer = await ANSWERER.answer(sam, "Are integrations important to Sam?")
    assert answer.meta["verdict"] == "indirect"
    assert answer.summary.startswith("Sam's profile doesn't name this outright; the nearest is")
    assert "goal-4" in answer.cited_keys
    assert not answer.summary.startswith(("Yes", "No", "Probably"))


@pytest.mark.parametrize("slug", ["maya", "sam", "priya", "gordon"])
@pytest.mark.parametrize(
    "question",
    [
        "What's their favourite colour?",
        "Is blue a better logo colour than green?",
        "Does this persona need MFA?",  # no MFA line: SSO lines are not an answer
        "Would they enjoy a company picnic in June?",
    ],
)
async def test_unrelated_questions_get_the_honest_i_dont_know(slug: str, question: str) -> None:
    persona = sample_persona(slug)
    answer = await ANSWERER.answer(persona, question)
    assert answer.out_of_scope and answer.stance == "unknown"
    assert answer.summary == (
        f"I don't know from {persona.first_name}'s profile: nothing in it speaks to this."
    )
    assert answer.cited_keys == () and answer.win_over == ()


async def test_the_persona_name_is_not_a_topic() -> None:
    lines = (("goal-1", "goal", "Sam from finance signs off every purchase over 500 euros"),)
    sam = make_persona(lines, slug="sam", name="Sam Okafor")
    answer = await ANSWERER.answer(sam, "Does Sam like dark mode?")
    assert answer.out_of_scope and answer.cited_keys == ()


async def test_both_sides_give_it_depends_naming_both() -> None:
    sam = sample_persona("sam")
    answer = await ANSWERER.answer(sam, "Would Sam want an AI that edits loads automatically?")
    # both sides are shown; which one leads now also weighs how much of the question each
    # line covers ("edits loads": the bulk-edit pain), so the verdict may lean
    assert any("objection-3" in c.cites for c in answer.concerns)
    assert answer.reasons
    assert_grounded(sam, answer)


async def test_a_topic_only_in_cost_complaints_is_not_clear() -> None:
    lines = (("pain-1", "pain", "SSO sold only in the most expensive plan"),)
    persona = make_persona(lines, slug="ira", name="Ira Stone")
    answer = await ANSWERER.answer(persona, "Is SSO a must-have for Ira?")
    assert answer.summary == (
        "Not clear — it only comes up as a catch on cost, in a pain: "
        "“SSO sold only in the most expensive plan”."
    )
    assert answer.cited_keys == ("pain-1",)
