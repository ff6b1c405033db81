"""The Teams app package's command list comes from the core's registry: the scheduling and
survey commands (survey, digest, owner, reviewed) are offered next to help/ask/panel, with
the registry's own summaries, and nothing Teams would reject."""

from __future__ import annotations

from adapters.teams.manifest import MAX_COMMANDS, manifest
from bot.features import build_registry

APP_ID = "6f1c2b7e-3a54-4d0e-9b1a-2c3d4e5f6a7b"


def _commands() -> list[dict[str, str]]:
    [bot] = manifest(APP_ID)["bots"]
    [command_list] = bot["commandLists"]
    assert command_list["scopes"] == ["personal", "team", "groupChat"]
    return command_list["commands"]


def test_command_list_includes_survey_digest_owner_reviewed() -> None:
    titles = [c["title"] for c in _commands()]
    assert {"help", "ask", "panel", "survey", "digest", "owner", "reviewed"} <= set(titles)
    assert len(titles) == len(set(titles)) <= MAX_COMMANDS


def test_commands_are_the_registrys_visible_ones_with_their_summaries() -> None:
    registry = build_registry()
    for command in _commands():
        spec = registry.commands[command["title"]]
        assert not spec.hidden
        assert command["description"] == spec.summary[:128]
    assert "home" not in {c["title"] for c in _commands()}  # hidden: App Home only
