"""The command core end to end (Inbound -> Core -> Reply) on a real SQLite store."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import pytest

from bot.answering.base import Answer, Reason
from bot.commands import Core
from bot.features import build_registry
from bot.messages import Address, Inbound
from persona_store import Store
from persona_store.personas.spec import PersonaSpec
from persona_store.personas.views import PersonaView
from tests.conftest import make_deps

ADDRESS = Address(platform="web", workspace="local", conversation_id="test")


@dataclass
class ScriptedAnswerer:
    """Answers from a table (slug -> stance) and records every call, one persona each."""

    stances: dict[str, str] = field(default_factory=dict)
    calls: list[tuple[str, str]] = field(default_factory=list)
    running: int = 0
    max_running: int = 0
    name: str = "scripted"

    async def answer(self, persona: PersonaView, question: str) -> Answer:
        self.calls.append((persona.slug, question))
        self.running += 1
        self.max_running = max(self.max_running, self.running)
        await asyncio.sleep(0.01)
        self.running -= 1
        first = persona.lines[0]
        return Answer(
            persona_slug=persona.slug,
            stance=self.stances.get(persona.slug, "mixed"),  # type: ignore[arg-type]
            summary=f"{persona.first_name} on it",
            reasons=(Reason(first.text, (first.key,)),),
            confidence=0.8,
        )


def add(store: Store, name: str, kind: str = "primary", **lines: list[str]) -> None:
    data = {"name": name, "kind": kind, "role": f"{name}'s role", **lines}
    data.setdefault("pains", ["Budget is approved once a year"])
    store.upsert(store.default_workspace_id(), PersonaSpec.from_dict(data), author="test")


async def say(core: Core, text: str) -> list:
    return await core.handle(Inbound(kind="command", text=text, user_id="U1", address=ADDRESS))


@pytest.fixture
def core(sqlite_store: Store) -> tuple[Core, ScriptedAnswerer]:
    add(sqlite_store, "Maya Chen", goals=["Ship on time"])
    add(sqlite_store, "Sam Okafor", "secondary")
    add(sqlite_store, "Marcus Bell", "negative")
    answerer = ScriptedAnswerer()
    return Core(make_deps(sqlite_store, answerer), build_registry()), answerer


async def test_unknown_persona_suggests_and_changes_nothing(core) -> None:  # type: ignore[no-untyped-def]
    c, answerer = core
    [reply] = await say(c, "ask Mya should we raise prices?")
    assert reply.is_error and reply.ephemeral
    assert "I don't know 'Mya' — did you mean Maya Chen?" in reply.text
    assert answerer.calls == []


async def test_ambiguous_prefix_asks_which_one(core) -> None:  # type: ignore[no-untyped-def]
    c, _ = core
    [reply] = await say(c, "show ma")
    assert reply.is_error
    assert "Maya Chen" in reply.text and "Marcus Bell" in reply.text


async def test_over_long_question_is_refused_politely(core) -> None:  # type: ignore[no-untyped-def]
    c, answerer = core
    [reply] = await say(c, "ask maya " + "why " * 300)
    assert reply.is_error and "1,000" in reply.text
    assert answerer.calls == []
    turn = await c.prepare(
        Inbound(kind="command", text="ask maya " + "x" * 1200, user_id="U1", address=ADDRESS)
    )
    assert turn.placeholder is None


async def test_the_limit_the_refusal_names_is_the_limit_applied(core) -> None:  # type: ignore[no-untyped-def]
    """1,000 characters are accepted, so the refusal may not ask for "under 1,000"."""
    c, answerer = core
    [ok] = await say(c, "ask maya " + "x" * 1000)
    assert not ok.is_error and len(answerer.calls) == 1
    [ask] = await say(c, "ask maya " + "x" * 1001)
    assert ask.is_error and "1,000 characters or fewer" in ask.text
    assert "under" not in ask.text
    # a panel reads pasted text (an email, a spec) of up to 4,000 characters
    [panel] = await say(c, "panel " + "x" * 3990)
    assert not panel.is_error


async def test_natural_question_answers_with_citation_and_freshness(core) -> None:  # type: ignore[no-untyped-def]
    c, answerer = core
    inbound = Inbound(
        kind="message",
        text="What would Maya think about a 20% price rise?",
        user_id="U1",
        address=ADDRESS,
    )
    turn = await c.prepare(inbound)
    assert turn.placeholder is not None and turn.placeholder.text == "Asking Maya…"
    [reply] = await c.execute(turn)
    assert answerer.calls == [("maya", "a 20% price rise")]
    assert reply.shareable and not reply.is_error
    card = reply.cards[0]
    assert card.title.startswith("Maya Chen")
    assert any("Last reviewed today" in line for line in card.context)
    cited = [s for s in card.sections if s.title == "Cited from the profile"][0]
    assert (
        cited.bullets[0].endswith("Budget is approved once a year")
        or "Ship on time" in (cited.bullets[0])
    )
    assert "Cited:" in reply.text


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("Does Sam care about keyboard shortcuts?", "sam"),
        ("would maya pay upfront", "maya"),
        ("Is SSO a must-have for Maya Chen?", "maya"),
        ("How does Sam's team onboard?", "sam"),
        ("Marcus, is dark mode worth it?", "marcus"),
    ],
)
async def test_a_question_naming_one_persona_is_asked_of_them(core, text: str, slug: str) -> None:  # type: ignore[no-untyped-def]
    c, answerer = core
    inbound = Inbound(kind="message", text=text, user_id="U1", address=ADDRESS)
    turn = await c.prepare(inbound)
    assert turn.placeholder is not None and turn.placeholder.text.startswith("Asking ")
    [reply] = await c.execute(turn)
    assert not reply.is_error
    assert answerer.calls == [(slug, text.strip())]


@pytest.mark.parametrize(
    "text",
    [
        "Does Sam like it more than Maya?",  # two personas: that's a panel, not a guess
        "Should we raise prices?",  # nobody named
        "Samantha said hi",  # not a question, and 'Samantha' is not Sam
        "Mayan calendars?",  # a question, but no persona's name
    ],
)
async def test_other_text_is_not_guessed_into_an_ask(core, text: str) -> None:  # type: ignore[no-untyped-def]
    c, answerer = core
    [reply] = await say(c, text)
    assert reply.is_error and ("help" in reply.text or f"`panel {text}`" in reply.text)
    assert answerer.calls == []


async def test_a_question_naming_nobody_suggests_ask_or_panel(core) -> None:  # type: ignore[no-untyped-def]
    c, _ = core
    [reply] = await say(c, "Should we raise prices?")
    assert reply.is_error
    assert "`ask NAME Should we raise prices?`" in reply.text
    assert "`panel Should we raise prices?`" in reply.text


async def test_two_word_name_in_ask(core) -> None:  # type: ignore[no-untyped-def]
    c, answerer = core
    await say(c, 'ask Sam Okafor "Is dark mode worth it?"')
    assert answerer.calls == [("sam", "Is dark mode worth it?")]


async def test_panel_asks_each_persona_alone_and_warns_on_negative(core) -> None:  # type: ignore[no-untyped-def]
    c, answerer = core
    answerer.stances = {"maya": "oppose", "sam": "mixed", "marcus": "support"}
    [reply] = await say(c, "panel Unlimited custom contracts")
    assert sorted(slug for slug, _ in answerer.calls) == ["marcus", "maya", "sam"]
    assert all(q == "Unlimited custom contracts" for _, q in answerer.calls)
    assert answerer.max_running <= c.deps.panel_concurrency
    assert "appeals most to Marcus Bell, a negative persona" in reply.text
    assert [card.title for card in reply.cards[1:]] == [
        "Maya Chen: Oppose",
        "Sam Okafor: Mixed",
        "Marcus Bell: Support",
    ]


async def test_panel_without_negative_winner_has_no_warning(core) -> None:  # type: ignore[no-untyped-def]
    c, answerer = core
    answerer.stances = {"maya": "support", "sam": "mixed", "marcus": "oppose"}
    [reply] = await say(c, "panel Faster onboarding")
    assert "negative persona" not in reply.text


async def test_list_show_help_are_ephemeral(core) -> None:  # type: ignore[no-untyped-def]
    c, _ = core
    for text in ("list", "show maya", "help"):
        [reply] = await say(c, text)
        assert reply.ephemeral and not reply.is_error, text
    [listing] = await say(c, "list")
    assert "Maya Chen (maya)" in listing.text and "Negative persona" in listing.text
    titles = [s.title for s in listing.cards[0].sections]
    assert "Primary personas" in titles and "Negative personas" in titles  # one heading style
    negative = next(s for s in listing.cards[0].sections if s.title == "Negative personas")
    assert negative.text == "Not who we build for."
    [helptext] = await say(c, "help")
    for name in ("ask", "panel", "list", "show"):
        assert f"{name}:" in helptext.text


async def test_unknown_command_hints_help(core) -> None:  # type: ignore[no-untyped-def]
    c, _ = core
    [reply] = await say(c, "frobnicate")
    assert reply.is_error and "help" in reply.text


async def test_button_action_routes_to_core(core) -> None:  # type: ignore[no-untyped-def]
    c, _ = core
    [reply] = await c.handle(
        Inbound(
            kind="action",
            text="",
            user_id="U1",
            address=ADDRESS,
            action_id="persona.show",
            value="sam",
        )
    )
    assert reply.cards[0].title == "Sam Okafor"


async def test_workspaces_are_isolated(sqlite_store: Store) -> None:
    add(sqlite_store, "Maya Chen")
    sqlite_store.workspace_id("slack", "T_FIRST")  # first Slack team shares the default
    c = Core(make_deps(sqlite_store, ScriptedAnswerer()), build_registry())
    other = Address(platform="slack", workspace="T_OTHER", conversation_id="C1")
    [reply] = await c.handle(Inbound(kind="command", text="show maya", user_id="U", address=other))
    assert reply.is_error and "no personas" in reply.text
    shared = Address(platform="slack", workspace="T_FIRST", conversation_id="C1")
    [reply] = await c.handle(Inbound(kind="command", text="show maya", user_id="U", address=shared))
    assert not reply.is_error


async def test_edit_outside_slack_says_how(core) -> None:  # type: ignore[no-untyped-def]
    c, _ = core
    [reply] = await say(c, "edit maya")
    assert not reply.is_error and "personas import personas.yaml" in reply.text
    [typo] = await say(c, "edit mya")
    assert typo.is_error and "did you mean" in typo.text
    [helptext] = await say(c, "help")
    assert "edit:" not in helptext.text  # hidden: Slack has the real form


async def test_ask_without_a_question_shows_the_example_as_code(core) -> None:  # type: ignore[no-untyped-def]
    c, _ = core
    [reply] = await say(c, "ask maya")
    assert reply.is_error and "Try: `ask maya Should we drop the free tier?`" in reply.text


@pytest.mark.parametrize(
    ("text", "lookups", "name_reads"),
    [
        ("ask maya Should we raise prices?", 1, 1),  # names: is "maya Should" a full name?
        ("Does Sam care about keyboard shortcuts?", 1, 1),
    ],
)
async def test_one_turn_dispatches_once_and_resolves_the_persona_once(
    core, monkeypatch: pytest.MonkeyPatch, text: str, lookups: int, name_reads: int
) -> None:  # type: ignore[no-untyped-def]
    """The placeholder ("Asking Sam…") and the answer come from one prepared turn: the
    persona is looked up once, and a question naming a persona reads the names once."""
    c, answerer = core
    calls: list[str] = []
    store = c.deps.store
    for method in ("lookup", "persona_names"):
        real = getattr(store, method)

        def counted(*args, _real=real, _name=method, **kwargs):  # type: ignore[no-untyped-def]
            calls.append(_name)
            return _real(*args, **kwargs)

        monkeypatch.setattr(store, method, counted)
    turn = await c.prepare(Inbound(kind="message", text=text, user_id="U1", address=ADDRESS))
    assert turn.placeholder is not None and turn.placeholder.text.startswith("Asking ")
    [reply] = await c.execute(turn)
    assert not reply.is_error and len(answerer.calls) == 1
    assert calls.count("lookup") == lookups and calls.count("persona_names") == name_reads
