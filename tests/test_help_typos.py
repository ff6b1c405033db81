"""What a new user trips over first: a mistyped command gets "did you mean", and `help`
lists commands in the order people use them, the admin ones last (issue 11, section 4)."""

from __future__ import annotations

import pytest

from bot.commands import Core
from bot.features import build_registry
from bot.features.help import help_reply
from bot.messages import Address, Inbound
from persona_store import Store
from tests.conftest import make_deps
from tests.test_features import ScriptedAnswerer

WEB = Address("web", "local", "playground")


@pytest.mark.parametrize(
    ("typed", "meant"),
    [("lsit", "list"), ("hlep", "help"), ("shwo maya", "show"), ("pannel a free tier", "panel")],
)
async def test_a_mistyped_command_gets_did_you_mean(
    sqlite_store: Store, typed: str, meant: str
) -> None:
    core = Core(make_deps(sqlite_store, ScriptedAnswerer()), build_registry())
    [reply] = await core.handle(Inbound("command", typed, "U1", WEB))
    assert reply.is_error
    assert f"did you mean `{meant}`" in reply.text.lower()


async def test_an_unknown_word_far_from_every_command_gets_no_guess(sqlite_store: Store) -> None:
    core = Core(make_deps(sqlite_store, ScriptedAnswerer()), build_registry())
    [reply] = await core.handle(Inbound("command", "xyzzy", "U1", WEB))
    assert reply.is_error and "did you mean" not in reply.text.lower()
    assert "xyzzy" in reply.text


def test_help_lists_commands_by_use_and_admin_ones_last() -> None:
    reply = help_reply(build_registry())
    [card] = reply.cards
    names = [s.title.split(" — ")[0] for s in card.sections]
    assert names[:7] == ["ask", "panel", "critique", "rewrite", "show", "list", "survey"]
    assert names[-1] == "admin-channel"
    assert names.index("help") > names.index("survey")
