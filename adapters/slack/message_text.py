"""A message as Slack sends it with a shortcut, made into what the core reads (pure): its
markup as plain text (people by name, links kept), and its text carried through a modal's
`private_metadata` (at most 3,000 characters), which Slack sends back without the message:
compressed, and when even that does not fit only its start (the core then says how much of
the message was read).
"""

from __future__ import annotations

import base64
import json
import re
import zlib
from collections.abc import Mapping
from typing import Any

from bot.messages import Quoted

MAX_METADATA = 3000
MAX_UNPACKED = 64_000  # bytes of a message's text unpacked from private_metadata


# -- the message's round trip through the modal ------------------------------------------------


def _packed(text: str) -> str:
    return base64.b64encode(zlib.compress(text.encode("utf-8"), 9)).decode("ascii")


def pack_metadata(meta: Mapping[str, Any], quoted: Quoted | None) -> str:
    """`meta` (the form's action and value, where to answer) and the message, within
    Slack's 3,000 characters."""
    data: dict[str, Any] = {k: v for k, v in meta.items() if v}
    if quoted is None:
        return json.dumps(data)
    data["n"] = quoted.full_length
    text = quoted.text
    while True:
        data["z"] = _packed(text)
        packed = json.dumps(data)
        if len(packed) <= MAX_METADATA or not text:
            return packed
        text = text[: int(len(text) * 0.8)]


def unpack_metadata(raw: str) -> tuple[dict[str, Any], Quoted | None]:
    try:
        data = json.loads(raw or "{}")
    except ValueError:
        return {}, None
    if not isinstance(data, dict):
        return {}, None
    quoted = None
    packed_text = data.pop("z", None)
    if isinstance(packed_text, str):
        try:
            packed = base64.b64decode(packed_text)
            # never more than a message could hold, whatever the metadata says
            text = zlib.decompressobj().decompress(packed, MAX_UNPACKED).decode("utf-8")
        except (ValueError, zlib.error, UnicodeDecodeError):
            text = ""
        length = data.pop("n", 0)
        quoted = Quoted(text, length if isinstance(length, int) else 0)
    return data, quoted


# -- a message's text, as people read it ----------------------------------------------------------

_ANGLE = re.compile(r"<([^<>]*)>")
_USER = re.compile(r"^@([UW][A-Z0-9]+)$")


def message_text(text: str, names: Mapping[str, str]) -> str:
    """Slack's message markup as plain text: people by name (`names`: user id -> name),
    channels by name, links kept ("label (url)"), `&amp;` and friends unescaped."""

    def replace(m: re.Match[str]) -> str:
        target, _, label = m.group(1).partition("|")
        if target.startswith("@"):
            return "@" + (label or names.get(target[1:], target[1:]))
        if target.startswith("#"):
            return "#" + (label or target[1:])
        if target.startswith("!"):
            return "@" + (label or target[1:].split("^")[0])
        url = target.removeprefix("mailto:")
        return f"{label} ({url})" if label and label != url else url

    plain = _ANGLE.sub(replace, text)
    plain = plain.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return "\n".join(" ".join(line.split()) for line in plain.splitlines()).strip()


def mentioned_users(text: str) -> list[str]:
    """The user ids a message mentions without a name label (<@U123>)."""
    ids = []
    for m in _ANGLE.finditer(text):
        target, _, label = m.group(1).partition("|")
        found = _USER.match(target)
        if found and not label and found.group(1) not in ids:
            ids.append(found.group(1))
    return ids
