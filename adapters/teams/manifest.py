"""The Teams app package (`persona-bot manifest teams --app-id ID --out persona-bot.zip`):
manifest.json (app manifest schema v1.22), a 192x192 color icon and a 32x32 outline icon.
Upload the zip in Teams (Apps > Manage your apps > Upload an app) or in the Developer Portal.

The icons are drawn here (a tiny PNG encoder), so the package needs no image files or
imaging library.
"""

from __future__ import annotations

import json
import re
import struct
import zipfile
import zlib
from pathlib import Path
from typing import Any

from adapters.teams.forms import ASK_COMMAND

MANIFEST_VERSION = "1.22"
SCHEMA = (
    f"https://developer.microsoft.com/json-schemas/teams/v{MANIFEST_VERSION}/"
    "MicrosoftTeams.schema.json"
)
ACCENT = (0x4F, 0x46, 0xE5)  # indigo, the web playground's accent
GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
MAX_COMMANDS = 10  # Teams shows at most 10 commands per command list
SCOPES = ("personal", "team", "groupChat")

Pixel = tuple[int, int, int, int]


# -- icons ---------------------------------------------------------------------------------


def png(width: int, height: int, pixel: Any) -> bytes:
    """An RGBA PNG where `pixel(x, y)` gives each pixel."""
    rows = bytearray()
    for y in range(height):
        rows.append(0)  # filter: none
        for x in range(width):
            rows.extend(pixel(x, y))

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(bytes(rows), 9))
        + chunk(b"IEND", b"")
    )


def _in_person(x: float, y: float, size: int) -> bool:
    """A head and shoulders (the persona) centred in a `size` square."""
    cx, s = size / 2, size
    head = (x - cx) ** 2 + (y - 0.36 * s) ** 2 <= (0.16 * s) ** 2
    body = (x - cx) ** 2 / (0.3 * s) ** 2 + (y - 0.86 * s) ** 2 / (0.3 * s) ** 2 <= 1
    return head or (body and y <= 0.8 * s)


def color_icon(size: int = 192) -> bytes:
    """Full-bleed accent square with a white person (Teams' color icon: 192x192)."""

    def pixel(x: int, y: int) -> Pixel:
        if _in_person(x + 0.5, y + 0.5, size):
            return (255, 255, 255, 255)
        return (*ACCENT, 255)

    return png(size, size, pixel)


def outline_icon(size: int = 32) -> bytes:
    """White person on transparent (Teams' outline icon: 32x32, white and transparent only)."""

    def pixel(x: int, y: int) -> Pixel:
        return (255, 255, 255, 255) if _in_person(x + 0.5, y + 0.5, size) else (0, 0, 0, 0)

    return png(size, size, pixel)


# -- manifest ------------------------------------------------------------------------------


def bot_commands() -> list[dict[str, str]]:
    """The core's visible commands (title <= 32, description <= 128 characters)."""
    from bot.features import build_registry

    registry = build_registry()
    commands = [c for c in registry.commands.values() if not c.hidden]
    return [{"title": c.name[:32], "description": c.summary[:128]} for c in commands[:MAX_COMMANDS]]


def manifest(
    app_id: str,
    *,
    name: str = "Persona Bot",
    version: str = "1.0.0",
    website: str = "https://github.com/persona-bot/persona-bot",
    commands: list[dict[str, str]] | None = None,
) -> dict[str, Any]:
    if not GUID.match(app_id):
        raise ValueError(
            f"{app_id!r} is not a Microsoft App ID (a GUID like "
            "00000000-0000-0000-0000-000000000000 from the Azure Bot's Configuration page)"
        )
    commands = bot_commands() if commands is None else commands
    return {
        "$schema": SCHEMA,
        "manifestVersion": MANIFEST_VERSION,
        "version": version,
        "id": app_id,
        "developer": {
            "name": "Persona Bot",
            "websiteUrl": website,
            "privacyUrl": f"{website}#privacy",
            "termsOfUseUrl": f"{website}#terms",
        },
        "name": {"short": name[:30], "full": f"{name}: customer personas in the conversation"},
        "description": {
            "short": "What would Maya think? Your customer personas, in the conversation.",
            "full": (
                "Persona Bot keeps your customer personas visible in day-to-day decisions. "
                "Ask \u201cwhat would Maya think about \u2026?\u201d and get an answer grounded "
                "in her profile, with citations; put a proposal to every persona at once with "
                "`panel`; run one-click micro-surveys whose results become evidence; get a "
                "persona of the week and quarterly reminders to keep profiles fresh."
            ),
        },
        "icons": {"color": "color.png", "outline": "outline.png"},
        "accentColor": "#{:02X}{:02X}{:02X}".format(*ACCENT),
        "bots": [
            {
                "botId": app_id,
                "scopes": list(SCOPES),
                "supportsFiles": False,
                "isNotificationOnly": False,
                "commandLists": [{"scopes": list(SCOPES), "commands": commands}],
            }
        ],
        # "Ask the personas" in the … menu of any message (a message extension action)
        "composeExtensions": [
            {
                "botId": app_id,
                "commands": [
                    {
                        "id": ASK_COMMAND,
                        "type": "action",
                        "context": ["message"],
                        "title": "Ask the personas",
                        "description": "What would your personas think of this message?",
                        "fetchTask": True,
                    }
                ],
            }
        ],
        "permissions": ["identity", "messageTeamMembers"],
        "validDomains": [],
    }


def write_app_package(app_id: str, out: Path, *, name: str = "Persona Bot") -> Path:
    """Write the Teams app package (.zip with manifest.json and both icons at its root)."""
    data = manifest(app_id, name=name)
    out = Path(out)
    if out.parent and not out.parent.exists():
        out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("manifest.json", json.dumps(data, indent=2, ensure_ascii=False) + "\n")
        zf.writestr("color.png", color_icon())
        zf.writestr("outline.png", outline_icon())
    return out
