"""Every example `help` shows works where it is shown: run each one through the core on the
playground ("web") and in Slack, against the sample personas, and none is refused."""

from __future__ import annotations

import pytest

from bot.commands import Core
from bot.features import build_registry
from bot.messages import Address, Inbound
from persona_store import Store
from persona_store.personas.files import load_samples_if_empty
from tests.conftest import make_deps

SHOWN_PER_COMMAND = 2  # help shows the first two examples of each command


def shown_examples() -> list[str]:
    registry = build_registry()
    return [
        e
        for spec in registry.commands.values()
        if not spec.hidden
        for e in spec.examples[:SHOWN_PER_COMMAND]
    ]


@pytest.mark.parametrize("platform", ["web", "slack"])
async def test_every_example_help_shows_works_there(sqlite_store: Store, platform: str) -> None:
    load_samples_if_empty(sqlite_store, sqlite_store.workspace_id(platform, "T0"))
    deps = make_deps(sqlite_store)

    async def admin(workspace: str, user_id: str) -> bool:
        return True  # owner/reviewed examples are for owners and admins (SECURITY.md)

    deps.admin_checks["slack"] = admin
    core = Core(deps, build_registry())
    address = Address(platform, "T0", "C0GENERAL")
    # the `gaps` examples name gap 1: a question Maya's profile doesn't cover makes it
    uncovered = Inbound("command", "ask maya Does Maya use quantum ledgers?", "U0A", address)
    await core.handle(uncovered)
    refused = []
    for example in shown_examples():
        # as the persona's owner: changing owners or marking reviewed is theirs to do
        inbound = Inbound("command", example, "U0MAYAOWNR", address)
        replies = await core.handle(inbound)
        refused += [f"{example!r}: {r.text}" for r in replies if r.is_error]
    assert refused == []
