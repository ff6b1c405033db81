"""The core's `Form` as a Slack modal and back (pure), and the message a shortcut was used on
as the core's `Quoted`.

A modal's `private_metadata` (at most 3,000 characters) carries where to answer and the
message's text to the submission, which Slack sends without the message: the text is
compressed, and when even that does not fit only its start is carried (the core then says
how much of the message was read).
"""

from __future__ import annotations

import base64
import json
import re
import zlib
from collections.abc import Mapping
from typing import Any

from adapters.slack.render import truncate
from bot.messages import Form, FormField, Quoted

ASK_CALLBACK = "slack.ask.message"
# the "Ask the personas" shortcuts, as declared in the manifest
MESSAGE_SHORTCUT = "ask_personas"
GLOBAL_SHORTCUT = "ask_personas_global"
MAX_METADATA = 3000
MAX_OPTIONS = 100
MAX_CHECKBOXES = 10
MAX_UNPACKED = 64_000  # bytes of a message's text unpacked from private_metadata


def _text(value: str, limit: int) -> dict[str, Any]:
    return {"type": "plain_text", "text": truncate(value, limit) or " "}


def _option(label: str, value: str) -> dict[str, Any]:
    return {"text": _text(label, 75), "value": value[:150]}


def _element(field: FormField) -> dict[str, Any]:
    options = [_option(o.label, o.value) for o in field.options[:MAX_OPTIONS]]
    initial = [o for o in options if o["value"] in field.initial]
    if field.kind == "pick_many":
        kind = "checkboxes" if len(options) <= MAX_CHECKBOXES else "multi_static_select"
        element: dict[str, Any] = {"type": kind, "action_id": "value", "options": options}
        if initial:
            element["initial_options"] = initial
        return element
    if field.kind == "pick_one":
        element = {"type": "static_select", "action_id": "value", "options": options}
        if initial:
            element["initial_option"] = initial[0]
        return element
    element = {"type": "plain_text_input", "action_id": "value"}
    element["multiline"] = field.kind == "multiline"
    if field.initial and field.initial[0]:
        element["initial_value"] = field.initial[0][:3000]
    if field.max_length:
        element["max_length"] = min(field.max_length, 3000)
    return element


def form_view(form: Form, private_metadata: str) -> dict[str, Any]:
    """The modal for `form` (views.open)."""
    blocks: list[dict[str, Any]] = []
    if form.intro:
        intro = {"type": "plain_text", "text": truncate(form.intro, 2000)}
        blocks.append({"type": "context", "elements": [intro]})
    for field in form.fields:
        if field.kind in ("pick_one", "pick_many") and not field.options:
            continue
        block: dict[str, Any] = {
            "type": "input",
            "block_id": field.name,
            "label": _text(field.label, 2000),
            "element": _element(field),
            "optional": field.optional,
        }
        if field.hint:
            block["hint"] = _text(field.hint, 2000)
        blocks.append(block)
    return {
        "type": "modal",
        "callback_id": ASK_CALLBACK,
        "private_metadata": private_metadata,
        "title": _text(form.title, 24),
        "submit": _text(form.submit, 24),
        "close": _text("Cancel", 24),
        "blocks": blocks,
    }


def form_values(values: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    """A view_submission's `view.state.values` as the core's form values by field name
    (several picks joined by ",")."""
    out: list[tuple[str, str]] = []
    for block_id, elements in values.items():
        element = (elements or {}).get("value") or {}
        kind = element.get("type")
        if kind in ("checkboxes", "multi_static_select"):
            picked = [str(o.get("value") or "") for o in element.get("selected_options") or []]
            out.append((str(block_id), ",".join(picked)))
        elif kind == "static_select":
            picked_one = (element.get("selected_option") or {}).get("value")
            out.append((str(block_id), str(picked_one or "")))
        else:
            out.append((str(block_id), str(element.get("value") or "")))
    return tuple(out)


# -- the message's round trip through the modal ------------------------------------------------


def _packed(text: str) -> str:
    return base64.b64encode(zlib.compress(text.encode("utf-8"), 9)).decode("ascii")


def pack_metadata(where: Mapping[str, str | None], quoted: Quoted | None) -> str:
    """`where` (channel, thread) and the message, within Slack's 3,000 characters."""
    data: dict[str, Any] = {k: v for k, v in where.items() if v}
    if quoted is None:
        return json.dumps(data)
    data["n"] = quoted.full_length
    text = quoted.text
    while True:
        data["z"] = _packed(text)
        packed = json.dumps(data)
        if len(packed) <= MAX_METADATA:
            return packed
        text = text[: int(len(text) * 0.8)]


def unpack_metadata(raw: str) -> tuple[dict[str, str], Quoted | None]:
    try:
        data = json.loads(raw or "{}")
    except ValueError:
        return {}, None
    if not isinstance(data, dict):
        return {}, None
    quoted = None
    if isinstance(data.get("z"), str):
        try:
            packed = base64.b64decode(data["z"])
            # never more than a message could hold, whatever the metadata says
            text = zlib.decompressobj().decompress(packed, MAX_UNPACKED).decode("utf-8")
        except (ValueError, zlib.error, UnicodeDecodeError):
            text = ""
        quoted = Quoted(text, int(data.get("n") or 0))
    where = {k: str(v) for k, v in data.items() if k in ("c", "t") and isinstance(v, str)}
    return where, quoted


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
