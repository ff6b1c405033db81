"""A card's TextInput on Slack (pure): messages cannot hold a text box that sends, so the card
gets a button whose value carries the input's description, and a click opens a modal
(views.open) built here; its submission goes to the core as the input's action, the typed
answer as `Inbound.text` (adapters/slack/answer_form.py)."""

from __future__ import annotations

import json
from typing import Any

from bot.messages import Button, TextInput

FORM_ACTION_ID = "slack.form"  # the button that opens the modal
FORM_CALLBACK = "slack.form.submit"  # the modal's submission
ANSWER_BLOCK = "answer"
MAX_TITLE = 24  # Slack's modal title limit
MAX_INPUT = 3000  # plain_text_input's max_length limit


def form_button(spec: TextInput) -> Button:
    """The button standing in for the text box (value: the spec, compact JSON)."""
    value = json.dumps(
        {"a": spec.action_id, "v": spec.value, "l": spec.label, "s": spec.submit,
         "t": spec.title, "p": spec.placeholder, "m": spec.max_length},
        separators=(",", ":"), ensure_ascii=False,
    )  # fmt: skip
    return Button(spec.title or "Answer", FORM_ACTION_ID, value, style="primary")


def spec_of(value: str) -> TextInput | None:
    """The TextInput a form button carries; None for anything else (a forged value)."""
    try:
        data = json.loads(value)
    except ValueError:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("a"), str) or not data["a"]:
        return None
    try:
        length = max(1, min(int(data.get("m") or MAX_INPUT), MAX_INPUT))
    except (TypeError, ValueError):
        return None
    return TextInput(
        label=str(data.get("l") or "Your answer"), action_id=data["a"][:255],
        value=str(data.get("v") or "")[:255], submit=str(data.get("s") or "Send"),
        title=str(data.get("t") or "Answer"), placeholder=str(data.get("p") or ""),
        max_length=length,
    )  # fmt: skip


def _plain(text: str, limit: int) -> dict[str, Any]:
    text = text if len(text) <= limit else text[: limit - 1] + "\u2026"
    return {"type": "plain_text", "text": text or " "}


def form_modal(spec: TextInput, channel: str, thread_ts: str | None = None) -> dict[str, Any]:
    """The modal with the text box; private_metadata routes the submission back."""
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": "value",
        "multiline": True,
        "max_length": spec.max_length,
    }
    if spec.placeholder:
        element["placeholder"] = _plain(spec.placeholder, 150)
    meta = {"a": spec.action_id, "v": spec.value, "c": channel, "th": thread_ts}
    return {
        "type": "modal",
        "callback_id": FORM_CALLBACK,
        "private_metadata": json.dumps(meta, separators=(",", ":")),
        "title": _plain(spec.title or "Answer", MAX_TITLE),
        "submit": _plain(spec.submit or "Send", MAX_TITLE),
        "close": _plain("Cancel", MAX_TITLE),
        "blocks": [
            {
                "type": "input",
                "block_id": ANSWER_BLOCK,
                "label": _plain(spec.label or "Your answer", 2000),
                "element": element,
            }
        ],
    }


def submitted(view: dict[str, Any]) -> tuple[str, str, str, str | None, str] | None:
    """(action_id, value, channel, thread, answer) of a submitted form modal."""
    try:
        meta = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return None
    if not isinstance(meta, dict) or not isinstance(meta.get("a"), str):
        return None
    values = (view.get("state") or {}).get("values") or {}
    answer = str(((values.get(ANSWER_BLOCK) or {}).get("value") or {}).get("value") or "")
    thread = meta.get("th")
    return (
        meta["a"], str(meta.get("v") or ""), str(meta.get("c") or ""),
        str(thread) if thread else None, answer,
    )  # fmt: skip
