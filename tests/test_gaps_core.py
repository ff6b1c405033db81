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
        ("gap.goal", "maya:99999999999"),
        ("gap.line", "maya:7"),
        ("gap.dismiss", ""),
    ):
        [reply] = await core.handle(Inbound("action", "", "U0ALICE", HERE, action_id, value))
        assert reply.is_error and "something went wrong" not in reply.text.lower(), value
    assert gaps(store) == before
    maya = store.get(ws, "maya")
    assert maya is not None and [ln.key for ln in maya.lines] == ["goal-1", "pain-1"]


@pytest.mark.parametrize(
    ("typed", "hint"),
    [
        ("gaps maya ask", "Which gap? e.g. `gaps maya ask 1`"),
        ("gaps maya dismiss", "Which gap? e.g. `gaps maya dismiss 1`"),
        ("gaps maya line", "Which gap? e.g. `gaps maya line 1 pain"),
        ("gaps maya line 1", "Add gap 1 as a pain or a goal"),
        ("gaps maya line 1 goal", "Write the new goal line after `goal`"),
        ("gaps maya line 1 motto", "Add gap 1 as a pain or a goal"),
    ],
)
async def test_a_started_gap_command_says_what_it_still_needs(
    store: Store, typed: str, hint: str
) -> None:
    ws = store.workspace_id("slack", "T0FIRST")
    seed(store, ws)
    core = core_over(store)
    await say(core, "ask maya Does Maya need SSO?")
    before = gaps(store)
    [reply] = await say(core, typed)
    assert reply.is_error and hint in reply.text, reply.text
    assert "I don't know" not in reply.text
    assert gaps(store) == before


async def test_the_line_form_through_the_core(store: Store) -> None:
    """ "Add as pain" on any platform: the form; its submission is checked (a problem, even
    one only the store finds, shows it again and changes nothing) and adds the line; a gap
    closed meanwhile is said plainly."""
    ws = store.workspace_id("slack", "T0FIRST")
    seed(store, ws)
    store.upsert(
        ws,
        PersonaSpec.from_dict(
            {"name": "Maya Chen", "goals": ["Ship on time"], "owners": ["slack:U0ALICE"],
             "pains": ["Budget is approved once a year"]}
        ),
        author="test",
    )  # fmt: skip
    core = core_over(store)
    await say(core, "ask maya Does Maya need SSO?")
    await say(core, "ask maya Would Maya use a mobile app?")

    async def act(action_id: str, value: str, **fields: str) -> Reply:
        inbound = Inbound("action", "", "U0ALICE", HERE, action_id, value,
                          fields=tuple(fields.items()))  # fmt: skip
        [reply] = await core.handle(inbound)
        return reply

    opened = await act("gap.goal", "maya:1")
    assert opened.form is not None and opened.form.action_id == "gap.line"
    assert {f.name: f.value for f in opened.form.fields}["kind"] == "goal"
    version = store.get(ws, "maya").version  # type: ignore[union-attr]
    same = await act("gap.line", "maya:1", kind="pain", text="Budget is  approved once a year")
    assert same.is_error and same.form is not None
    assert same.form.errors == (("text", "Maya Chen already has that pain."),)
    assert same.form.fields[1].value == "Budget is  approved once a year"  # as typed
    assert store.get(ws, "maya").version == version  # type: ignore[union-attr]
    added = await act("gap.line", "maya:1", kind="goal", text="Wants SSO", note="")
    assert not added.is_error and "as goal [goal-2]" in added.text
    closed = await act("gap.line", "maya:1", kind="goal", text="Wants SSO twice")
    assert closed.is_error and closed.form is None and "is closed already" in closed.text
    assert (await act("gap.pain", "maya:1")).form is None  # nothing left to add
    await say(core, "gaps maya dismiss 2")
    dismissed = await act("gap.line", "maya:2", kind="pain", text="No mobile app")
    assert dismissed.is_error and "is dismissed already" in dismissed.text
    maya = store.get(ws, "maya")
    assert maya is not None and [ln.key for ln in maya.lines if ln.kind == "goal"] == [
        "goal-1", "goal-2",
    ]  # fmt: skip
