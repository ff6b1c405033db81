"""Collecting gaps through the core's one turn path, on SQLite and PostgreSQL: panels record
one gap per persona that could not answer, LLM answers count like offline ones (a refusal
and an over-long question are no gaps), and gaps stay in their workspace."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from bot.answering.base import Answerer
from bot.answering.factory import build_answerer
from bot.commands import Core
from bot.features import build_registry
from bot.messages import Address, Inbound, Reply
from bot.settings import Settings
from persona_store import Store
from persona_store.gaps.models import Gap, QuestionTally
from persona_store.personas.spec import PersonaSpec
from tests.conftest import make_deps
from tests.fakes.openai_server import FakeOpenAI, Step, answer_json

HERE = Address("slack", "T0FIRST", "C0GENERAL")


def seed(store: Store, ws: int) -> None:
    for data in (
        {
            "name": "Maya Chen",
            "goals": ["Ship on time"],
            "pains": ["Budget is approved once a year"],
        },
        {"name": "Sam Okafor", "kind": "secondary", "pains": ["No keyboard shortcuts"]},
    ):
        store.upsert(ws, PersonaSpec.from_dict(data), author="test")


async def say(core: Core, text: str, address: Address = HERE) -> list[Reply]:
    return await core.handle(Inbound("command", text, "U0ALICE", address))


def gaps(store: Store) -> list[tuple[int, str, str, int]]:
    with store.sessions() as s:
        rows = s.execute(
            select(Gap.workspace_id, Gap.persona_id, Gap.question, Gap.count).order_by(Gap.id)
        ).all()
    slugs = {p.id: p.slug for ws in {r[0] for r in rows} for p in store.list_personas(ws)}
    return [(ws, slugs[pid], q, n) for ws, pid, q, n in rows]


def tallies(store: Store) -> dict[str, tuple[int, int]]:
    ws = store.default_workspace_id()
    slugs = {p.id: p.slug for p in store.list_personas(ws)}
    with store.sessions() as s:
        rows = s.scalars(select(QuestionTally)).all()
        return {slugs[r.persona_id]: (r.answered, r.gaps) for r in rows}


def core_over(store: Store, answerer: Answerer | None = None) -> Core:
    return Core(make_deps(store, answerer), build_registry())


async def test_a_panel_records_a_gap_per_persona_that_could_not_answer(store: Store) -> None:
    ws = store.workspace_id("slack", "T0FIRST")
    seed(store, ws)
    core = core_over(store)
    await say(core, 'panel "Add keyboard shortcuts everywhere"')
    assert [(slug, q) for _, slug, q, _ in gaps(store)] == [
        ("maya", "Add keyboard shortcuts everywhere")
    ]
    assert tallies(store) == {"maya": (0, 1), "sam": (1, 0)}
    # "What would Maya and Sam think …" is a panel of those two: counted the same way
    await say(core, "what would Maya and Sam think about keyboard shortcuts everywhere?")
    assert [n for _, _, _, n in gaps(store)] == [2]  # the same question, grouped
    assert tallies(store) == {"maya": (0, 2), "sam": (2, 0)}


async def test_over_long_questions_are_not_gaps(store: Store) -> None:
    ws = store.workspace_id("slack", "T0FIRST")
    seed(store, ws)
    core = core_over(store)
    [refused] = await say(core, "ask maya Does Maya need " + "SSO " * 400 + "?")
    assert refused.is_error
    await say(core, 'panel "' + "x " * 2100 + '"')  # over the panel's 4,000 characters
    assert gaps(store) == [] and tallies(store) == {}


async def test_gaps_stay_in_their_workspace(store: Store) -> None:
    first = store.workspace_id("slack", "T0FIRST")
    other = store.workspace_id("slack", "T0OTHER")
    assert first != other
    seed(store, first)
    seed(store, other)
    core = core_over(store)
    await say(core, "ask maya Does Maya need SSO?", Address("slack", "T0OTHER", "C0X"))
    [(ws, slug, _, _)] = gaps(store)
    assert (ws, slug) == (other, "maya")
    [listed] = await say(core, "gaps maya")  # asked in the first workspace: nothing there
    assert "every question so far was answered" in listed.text


@pytest.fixture
async def fake_openai() -> AsyncIterator[FakeOpenAI]:
    server = await FakeOpenAI().start()
    try:
        yield server
    finally:
        await server.stop()


async def test_llm_answers_count_and_refusals_do_not(store: Store, fake_openai: FakeOpenAI) -> None:
    ws = store.workspace_id("slack", "T0FIRST")
    seed(store, ws)
    settings = Settings(
        openai_api_key="sk-test", openai_base_url=fake_openai.base_url, openai_model="gpt-test"
    )
    answerer = build_answerer(settings)
    core = core_over(store, answerer)
    try:
        fake_openai.script(
            Step(answer_json(stance="unknown", summary="Not covered.", concerns=[],
                             confidence=0.1, out_of_scope=True)),
            Step(refusal="I can't help with that."),
        )  # fmt: skip
        await say(core, "ask maya Does Maya need SSO?")
        await say(core, "ask maya How do I pick a lock?")
        assert [(slug, q) for _, slug, q, _ in gaps(store)] == [("maya", "Does Maya need SSO?")]
        assert tallies(store) == {"maya": (0, 1)}  # the refusal is neither
    finally:
        await answerer.aclose()  # type: ignore[attr-defined]


async def test_bad_gaps_input_gets_a_friendly_error_and_changes_nothing(store: Store) -> None:
    ws = store.workspace_id("slack", "T0FIRST")
    seed(store, ws)
    core = core_over(store)
    await say(core, "ask maya Does Maya need SSO?")
    before = gaps(store)
    for text in (
        "gaps",
        "gaps nobody",
        "gaps maya frobnicate",
        "gaps maya dismiss 99999999999999999999",
        "gaps maya dismiss 7",
        "gaps maya line 1 pain",
        'gaps maya line 1 motto "x"',
        "gaps maya ask 2",
        'survey maya "Does Maya need SSO?" Yes | No --gap 99999999999',
        'survey maya "Does Maya need SSO?" Yes | No --gap 4',
    ):
        [reply] = await say(core, text)
        assert reply.is_error and "something went wrong" not in reply.text.lower(), text
    for action_id, value in (
        ("gap.ask", "maya:99999999999"),
        ("gap.pain", "x"),
        ("gap.dismiss", ""),
    ):
        [reply] = await core.handle(Inbound("action", "", "U0ALICE", HERE, action_id, value))
        assert reply.is_error and "something went wrong" not in reply.text.lower(), value
    assert gaps(store) == before
    maya = store.get(ws, "maya")
    assert maya is not None and [ln.key for ln in maya.lines] == ["goal-1", "pain-1"]
