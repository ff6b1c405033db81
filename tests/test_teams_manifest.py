"""The Teams app package: a zip with manifest.json (current schema) and both icons, bot
scopes personal/team/groupChat, the core's commands; also through the CLI."""

from __future__ import annotations

import json
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from adapters.teams.manifest import MANIFEST_VERSION, manifest, write_app_package

APP_ID = "6f1c2b7e-3a54-4d0e-9b1a-2c3d4e5f6a7b"


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def test_package_has_manifest_and_icons(tmp_path: Path) -> None:
    out = write_app_package(APP_ID, tmp_path / "persona-bot.zip")
    with zipfile.ZipFile(out) as zf:
        assert sorted(zf.namelist()) == ["color.png", "manifest.json", "outline.png"]
        data = json.loads(zf.read("manifest.json"))
        assert png_size(zf.read("color.png")) == (192, 192)
        assert png_size(zf.read("outline.png")) == (32, 32)
    assert data["manifestVersion"] == MANIFEST_VERSION
    assert f"v{MANIFEST_VERSION}/MicrosoftTeams.schema.json" in data["$schema"]
    assert data["id"] == APP_ID
    [bot] = data["bots"]
    assert bot["botId"] == APP_ID
    assert bot["scopes"] == ["personal", "team", "groupChat"]
    commands = bot["commandLists"][0]["commands"]
    titles = [c["title"] for c in commands]
    assert {"help", "ask", "panel"} <= set(titles) and len(commands) <= 10
    assert all(len(c["title"]) <= 32 and 0 < len(c["description"]) <= 128 for c in commands)
    assert len(data["name"]["short"]) <= 30 and len(data["description"]["short"]) <= 80
    assert len(data["description"]["full"]) <= 4000
    assert data["icons"] == {"color": "color.png", "outline": "outline.png"}


def test_app_id_must_be_a_guid() -> None:
    with pytest.raises(ValueError, match="Microsoft App ID"):
        manifest("not-a-guid", commands=[])


def test_cli_writes_the_package(tmp_path: Path) -> None:
    out = tmp_path / "pkg" / "persona-bot.zip"
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "manifest", "teams", "--app-id", APP_ID, "--out", str(out)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert zipfile.ZipFile(out).testzip() is None


def test_the_ask_the_personas_message_action_is_declared() -> None:
    from adapters.teams.manifest import manifest

    app_id = "6f1c2b7e-3a54-4d0e-9b1a-2c3d4e5f6a7b"
    [extension] = manifest(app_id)["composeExtensions"]
    assert extension["botId"] == app_id
    [command] = extension["commands"]
    assert command["id"] == "askPersonas" and command["type"] == "action"
    assert command["context"] == ["message"] and command["fetchTask"] is True
    assert len(command["title"]) <= 32 and len(command["description"]) <= 128
