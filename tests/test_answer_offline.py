"""The offline grounded answerer: relevance, direction, grounding and the answer shape."""

from __future__ import annotations

import pytest

from bot.answering.factory import build_answerer
from bot.answering.negation import flipped_stems
from bot.answering.offline import OfflineAnswerer
from bot.answering.text import direction, stem, terms
from bot.settings import Settings
from persona_store import Store
from persona_store.personas.spec import PersonaSpec
from tests.answer_personas import (
    MAYA_LINES,
    assert_grounded,
    evidence,
    make_persona,
    sample_persona,
)


async def test_raise_prices_surfaces_the_budget_line_and_leans_oppose() -> None:
    maya = make_persona()
    answer = await OfflineAnswerer().answer(maya, "Should we raise prices 20%?")
    assert answer.stance == "oppose"
    assert not answer.out_of_scope
    assert "pain-2" in answer.cited_keys
    assert any("Budget is approved once a year" in c.text for c in answer.concerns)
    assert answer.source == "offline" and answer.fallback_reason is None
    assert "\n" not in answer.summary
    assert_grounded(maya, answer)


async def test_dropping_the_free_tier_leans_oppose_for_a_price_sensitive_persona() -> None:
    maya = sample_persona("maya")  # "If the free tier goes away she will switch…"
    answer = await OfflineAnswerer().answer(maya, "Should we drop the free tier?")
    assert answer.stance == "oppose"
    assert "objection-2" in answer.cited_keys
    assert_grounded(maya, answer)


async def test_relieving_a_pain_leans_support() -> None:
    maya = make_persona()
    answer = await OfflineAnswerer().answer(maya, "Should we make onboarding faster?")
    assert answer.stance == "support"
    assert answer.reasons and answer.reasons[0].cites == ("pain-1",)
    assert answer.concerns == ()
    assert_grounded(maya, answer)


async def test_cutting_prices_turns_the_budget_pain_into_a_reason() -> None:
    maya = make_persona()
    answer = await OfflineAnswerer().answer(maya, "What if we cut prices for small teams?")
    assert answer.stance == "support"
    assert "pain-2" in {k for r in answer.reasons for k in r.cites}
    # "cut" is a direction word, not a topic: the goal that says "Cut the time" is not matched
    assert "goal-1" not in answer.cited_keys


@pytest.mark.parametrize(
    "question",
    ["Should we rename the company to Zebra?", "Is blue a better logo colour than green?", ""],
)
async def test_an_unrelated_question_is_out_of_scope(question: str) -> None:
    answer = await OfflineAnswerer().answer(make_persona(), question)
    assert answer.stance == "unknown"
    assert answer.out_of_scope
    assert answer.reasons == () and answer.concerns == () and answer.win_over == ()
    assert answer.confidence <= 0.1


async def test_no_price_claim_for_a_persona_without_a_price_line() -> None:
    lines = (
        ("goal-1", "goal", "Publish research faster"),
        ("pain-1", "pain", "Reference managers lose her annotations"),
    )
    persona = make_persona(lines, slug="ada", name="Ada Byron")
    answer = await OfflineAnswerer().answer(persona, "Should we raise prices 20%?")
    assert answer.stance == "unknown" and answer.out_of_scope
    assert "price" not in answer.summary.lower()


async def test_synonyms_reach_a_line_with_no_shared_word() -> None:
    lines = (("pain-1", "pain", "Every purchase over 500 euros needs finance approval"),)
    persona = make_persona(lines)
    answer = await OfflineAnswerer().answer(persona, "Would a higher subscription cost hurt?")
    assert answer.cited_keys == ("pain-1",)


async def test_goals_give_reasons_and_objections_give_concerns_and_win_over() -> None:
    lines = (
        ("goal-1", "goal", "Automate the weekly report for the board"),
        ("objection-1", "objection", "AI reports can't be trusted without an audit trail"),
    )
    persona = make_persona(lines)
    answer = await OfflineAnswerer().answer(persona, "Should we add AI reporting?")
    assert [r.cites for r in answer.reasons] == [("goal-1",)]
    assert [c.cites for c in answer.concerns] == [("objection-1",)]
    assert any("audit trail" in w for w in answer.win_over)
    assert answer.stance in ("mixed", "support", "oppose")
    assert_grounded(persona, answer)


async def test_linked_evidence_backs_the_answer_and_raises_confidence() -> None:
    question = "Should we make onboarding faster?"
    bare = await OfflineAnswerer().answer(make_persona(), question)
    backed_persona = make_persona(
        evidence=(evidence("12 of 15 ops managers named onboarding time", "pain-1"),)
    )
    backed = await OfflineAnswerer().answer(backed_persona, question)
    assert backed.confidence > bare.confidence
    assert "backed by interviews, n=15" in backed.reasons[0].text
    assert_grounded(backed_persona, backed)


async def test_the_index_cache_follows_the_profile() -> None:
    answerer = OfflineAnswerer()
    before = await answerer.answer(make_persona(version=3), "Should we raise prices?")
    changed = tuple(ln for ln in MAYA_LINES if ln[0] not in ("pain-2", "goal-2"))
    after = await answerer.answer(make_persona(changed, version=3), "Should we raise prices?")
    assert "pain-2" in before.cited_keys
    assert after.out_of_scope and after.cited_keys == ()


async def test_answers_from_a_real_store(sqlite_store: Store) -> None:
    ws = sqlite_store.default_workspace_id()
    spec = PersonaSpec.from_dict(
        {
            "name": "Sam Ortiz",
            "pains": ["Our budget for tools is frozen until next year"],
            "goals": ["Get dashboards the whole team reads"],
        }
    )
    sqlite_store.upsert(ws, spec, author="test")
    sam = sqlite_store.get(ws, "sam")
    assert sam is not None
    answer = await OfflineAnswerer().answer(sam, "Should we raise prices 20%?")
    assert answer.stance == "oppose"
    assert answer.cited_keys == (sam.lines_of("pain")[0].key,)


def test_direction_lexicon() -> None:
    assert direction("Should we raise prices 20%?")[0] == -1
    assert direction("A 20% price rise")[0] == -1
    assert direction("Should we drop the free tier?")[0] == -1
    assert direction("Should we cut prices?")[0] == 1
    assert direction("Make onboarding faster")[0] == 1
    assert direction("Reduce the setup steps")[0] == 1
    assert direction("Add a fee for exports")[0] == -1
    assert direction("Add SSO")[0] == 1
    assert direction("Add usage limits to the free tier")[0] == -1
    assert direction("What if we remove the API rate limits?")[0] == 1
    assert direction("Should we charge for exports?")[0] == -1
    assert direction("What about dark mode?") == (0, {}, frozenset())
    overall, per, added = direction("Raise the price of the pro plan and simplify setup")
    assert per["price"] == -1 and per["onboarding"] == 1 and not added
    assert direction("Add automated reporting").added == {"automation", "reporting"}
    assert direction("What if we dropped the free tier?")[0] == -1  # past forms are cues too
    assert direction("What if we cut support response times?")[0] == 1  # times are a cost
    assert direction("Does Sam like simplified modes?")[0] == 0  # an adjective, not a change


def test_light_stemming_and_synonyms() -> None:
    assert stem("prices") == stem("pricing") == stem("price") == stem("priced")
    assert stem("onboarding") == stem("onboarded") == "onboard"
    assert stem("shipping") == "ship"
    assert "@price" in terms("Our budget is tight") and "@price" in terms("too expensive")
    assert "@price" in terms("free tier")
    assert "should" not in terms("should we")


def test_factory_picks_offline_without_a_key() -> None:
    answerer = build_answerer(Settings())
    assert isinstance(answerer, OfflineAnswerer) and answerer.name == "offline"


@pytest.mark.parametrize(
    "group",
    [
        ("integration", "integrations", "integrate", "integrated", "integrating"),
        ("automation", "automate", "automated"),
        ("commitment", "commitments", "commit"),
        ("implementation", "implement", "implementing"),
        ("requirement", "require", "requires"),
        ("pay", "paid", "pays"),
        ("apply", "applies", "applied"),
    ],
)
def test_stems_meet_across_inflections(group: tuple[str, ...]) -> None:
    assert len({stem(w) for w in group}) == 1, {w: stem(w) for w in group}


@pytest.mark.parametrize(
    ("left", "right"),
    [("yearly", "3-year"), ("creation", "create"), ("format", "form"), ("rate", "ration")],
)
def test_stems_keep_false_friends_apart(left: str, right: str) -> None:
    assert set(terms(left)).isdisjoint(terms(right))


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("on-prem", "on-premises"),
        ("On-Prem", "on premise"),
        ("self-hosted", "on-premises"),
        ("SSO", "single sign-on"),
        ("SAML", "SSO"),
        ("2FA", "two-factor authentication"),
        ("MFA", "multi-factor auth"),
        ("LLM", "artificial intelligence"),
        ("DPA", "data processing agreement"),
        ("SOC 2", "soc2"),
        ("e-mail", "emails"),
        ("CSM", "customer success manager"),
    ],
)
def test_variants_become_one_term(a: str, b: str) -> None:
    assert terms(a) == terms(b) != []


def test_variants_do_not_swallow_other_words() -> None:
    assert terms("multi-step onboarding wizard") != terms("mfa onboarding wizard")
    assert "sso" not in terms("a single dispatcher signs on at six")
    assert terms("prompt") == ["prompt"] and terms("soccer") == ["soccer"]


@pytest.mark.parametrize(
    ("kind", "text", "flipped", "kept"),
    [
        ("pain", "No bulk edit, so fixing 40 loads takes an hour", {"bulk", "edit"}, {"load"}),
        ("objection", "Refuses tools without keyboard navigation or bulk actions",
         {"keyboard", "navig", "bulk", "action"}, {"refus"}),
        ("pain", "Tools that don't integrate with the incumbent ERP", {"integr"}, {"erp"}),
        ("pain", "Offboarding leaves former employees with tools that lack SCIM", {"scim"},
         {"employe", "former"}),
        ("objection", "If the free tier goes away she will switch to a cheaper tool",
         {"fre", "tier"}, {"switch", "cheaper"}),
        ("objection", "Expects a dedicated support team at no extra cost",
         {"dedic", "support"}, {"extra", "cost"}),
        ("objection", "Will not approve a chat bot that can read every channel", set(),
         {"chat", "bot", "approv"}),
        ("objection", "Does not trust AI features that change data", set(), {"ai", "trust"}),
        ("objection", "Too expensive for a team our size - we are not an enterprise", set(),
         {"enterpris"}),
        ("goal", "Get every status in one place instead of five spreadsheets",
         {"spreadsheet"}, {"status", "plac"}),
        ("goal", "Dispatch 60+ loads a day without leaving the keyboard", set(), {"keyboard"}),
        ("motivation", "Fewer repetitive tasks, more time on the tricky loads",
         {"repetitiv", "task"}, {"tricky", "load"}),
    ],
)  # fmt: skip
def test_flipped_stems(kind: str, text: str, flipped: set[str], kept: set[str]) -> None:
    got = flipped_stems(text, kind)
    assert flipped <= got, got
    assert not kept & got, got


async def test_on_prem_retrieves_the_on_premises_line() -> None:
    gordon = sample_persona("gordon")
    for question in (
        "Should we offer an on-prem version?",
        "What would Gordon think about on prem hosting",
        "Should we ship a self-hosted edition?",
    ):
        answer = await OfflineAnswerer().answer(gordon, question)
        assert "goal-3" in answer.cited_keys, (question, answer.summary)
        assert answer.stance == "support"


async def test_a_line_about_lacking_the_thing_reads_the_right_way_round() -> None:
    sam = sample_persona("sam")
    add = await OfflineAnswerer().answer(sam, "Should we add keyboard navigation?")
    remove = await OfflineAnswerer().answer(sam, "Should we remove keyboard navigation?")
    assert add.stance == "support" and remove.stance == "oppose"
    assert any("objection-4" in r.cites for r in add.reasons)
    assert any("objection-4" in c.cites for c in remove.concerns)
    assert_grounded(sam, add)
    assert_grounded(sam, remove)


async def test_a_3_year_contract_is_not_about_yearly_audits() -> None:
    answer = await OfflineAnswerer().answer(
        sample_persona("priya"), "Should we add a 3-year enterprise contract?"
    )
    assert answer.out_of_scope and answer.cited_keys == ()


async def test_ai_meets_an_llm_objection() -> None:
    priya = sample_persona("priya")
    answer = await OfflineAnswerer().answer(priya, "Should we add AI suggestions?")
    assert any("objection-3" in c.cites for c in answer.concerns)


async def test_saml_is_asked_as_sso() -> None:
    priya = sample_persona("priya")
    drop = await OfflineAnswerer().answer(priya, "Should we drop SAML support?")
    add = await OfflineAnswerer().answer(priya, "Should we add SAML?")
    assert drop.stance == "oppose" and add.stance == "support"
    assert "goal-1" in add.cited_keys  # "Every tool behind SSO …"
