"""Registry and parsing: command names, aliases, natural phrasing, dispatch order."""

from __future__ import annotations

import pytest

from bot.commands import Context, Registry, strip_command_prefix
from bot.features import build_registry
from bot.messages import Reply


async def _noop(ctx: Context) -> Reply:
    return Reply(text=ctx.args)


def test_duplicate_command_or_alias_fails_loudly() -> None:
    registry = Registry()
    registry.command("ask", summary="s", usage="u", aliases=("q",))(_noop)
    with pytest.raises(ValueError, match="registered twice"):
        registry.command("ask", summary="s", usage="u")(_noop)
    with pytest.raises(ValueError, match="registered twice"):
        registry.command("other", summary="s", usage="u", aliases=("q",))(_noop)
    registry.action("vote")(_noop)
    with pytest.raises(ValueError, match="registered twice"):
        registry.action("vote")(_noop)


@pytest.mark.parametrize(
    ("text", "persona", "question"),
    [
        ("what would Maya think about dropping the free tier?", "Maya", "dropping the free tier"),
        ("What would maya think of a 20% price rise", "maya", "a 20% price rise"),
        ("WHAT WOULD MAYA CHEN THINK ABOUT SSO?", "MAYA CHEN", "SSO"),
        ("how would Sam feel about dark mode?", "Sam", "dark mode"),
        ("/persona what does Ines think: weekly billing?", "Ines", "weekly billing"),
        ("what would maya think", "maya", ""),
        ("🙂🚀 what would maya think about emoji pricing?", "maya", "emoji pricing"),
        ("Hey, what would Sam think of usage-based pricing", "Sam", "usage-based pricing"),
        ("ok team, what would Priya think about SSO?", "Priya", "SSO"),
    ],
)
def test_natural_phrasing_extracts_persona_and_question(
    text: str, persona: str, question: str
) -> None:
    parsed = build_registry().parse(text)
    assert parsed is not None
    spec, args = parsed
    assert spec.name == "ask"
    assert args.split("\t") == [persona, question]


@pytest.mark.parametrize(
    ("text", "command", "args"),
    [
        ("/persona ask maya Should we?", "ask", "maya Should we?"),
        ("persona list", "list", ""),
        ("LIST", "list", ""),
        ("personas", "list", ""),
        ("show   maya", "show", "maya"),
        ("help", "help", ""),
        ("panel Drop the free tier", "panel", "Drop the free tier"),
    ],
)
def test_commands_and_aliases(text: str, command: str, args: str) -> None:
    parsed = build_registry().parse(text)
    assert parsed is not None
    assert (parsed[0].name, parsed[1]) == (command, args)


def test_unknown_text_does_not_match() -> None:
    assert build_registry().parse("frobnicate maya") is None
    assert build_registry().parse("what is the weather") is None


def test_action_lookup_by_prefix() -> None:
    registry = Registry()
    registry.action("survey.vote")(_noop)
    found = registry.find_action("survey.vote:42")
    assert found is not None and found.action_id == "survey.vote"
    assert registry.find_action("survey.close") is None


def test_strip_command_prefix() -> None:
    assert strip_command_prefix("  /persona   ask  maya ") == "ask maya"
    assert strip_command_prefix("personality test") == "personality test"
