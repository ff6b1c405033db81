"""The core's `Form` as a Teams task module (an Adaptive Card with inputs) and its submitted
data back as the core's form values (pure, golden-tested).

The message the form is about rides in the submit action's data too (`quoted`, `length`):
the submitAction invoke of a message action repeats `messagePayload`, but nothing in the
card depends on it.
"""

from __future__ import annotations

from typing import Any

from adapters.teams.render import CONTENT_TYPE, SCHEMA, VERSION, neutralise, truncate
from bot.answering.critique import MAX_TEXT_CHARS
from bot.messages import Form, FormField, Quoted

ASK_COMMAND = "askPersonas"  # the message extension's command id (manifest)
RESERVED = frozenset({"action_id", "quoted", "length", "msteams"})


def _input(field: FormField) -> dict[str, Any]:
    if field.kind in ("pick_one", "pick_many"):
        element: dict[str, Any] = {
            "type": "Input.ChoiceSet",
            "id": field.name,
            "label": field.label,
            "choices": [{"title": o.label, "value": o.value} for o in field.options],
            "isMultiSelect": field.kind == "pick_many",
            "style": "expanded" if field.kind == "pick_many" else "compact",
        }
        if field.initial:
            element["value"] = ",".join(field.initial)
    else:
        element = {
            "type": "Input.Text",
            "id": field.name,
            "label": field.label,
            "isMultiline": field.kind == "multiline",
        }
        if field.initial and field.initial[0]:
            element["value"] = field.initial[0]
        if field.max_length:
            element["maxLength"] = field.max_length
    element["isRequired"] = not field.optional
    if field.hint and element["type"] == "Input.Text":
        element["placeholder"] = field.hint
    return element


def form_card(form: Form, quoted: Quoted | None) -> dict[str, Any]:
    body: list[dict[str, Any]] = []
    if form.intro:
        body.append(
            {
                "type": "TextBlock",
                "text": neutralise(truncate(form.intro, 400)),
                "wrap": True,
                "isSubtle": True,
            }
        )
    body += [_input(f) for f in form.fields if f.kind not in ("pick_one", "pick_many") or f.options]
    data: dict[str, Any] = {"action_id": form.action_id}
    if quoted is not None:  # no more than the core reads, so the card stays small
        data.update(quoted=quoted.text[:MAX_TEXT_CHARS], length=quoted.full_length)
    return {
        "type": "AdaptiveCard",
        "$schema": SCHEMA,
        "version": VERSION,
        "body": body,
        "actions": [{"type": "Action.Submit", "title": form.submit, "data": data}],
    }


def task_module(form: Form, quoted: Quoted | None) -> dict[str, Any]:
    """The fetchTask response: a task module showing the form."""
    return {
        "task": {
            "type": "continue",
            "value": {
                "title": form.title,
                "height": "large",
                "width": "medium",
                "card": {"contentType": CONTENT_TYPE, "content": form_card(form, quoted)},
            },
        }
    }


def task_message(text: str) -> dict[str, Any]:
    """A task module that only says something (why there is no form)."""
    return {"task": {"type": "message", "value": text}}


def submitted(data: Any) -> tuple[tuple[tuple[str, str], ...], Quoted | None]:
    """A submitAction's `data`: the form values by field name (a multi-select arrives
    comma-joined, as the core wants it) and the message carried in the card."""
    if not isinstance(data, dict):
        return (), None
    values = tuple(
        (str(k), "" if v is None else str(v)) for k, v in data.items() if k not in RESERVED
    )
    quoted = None
    if isinstance(data.get("quoted"), str):
        length = data.get("length")
        quoted = Quoted(data["quoted"], length if isinstance(length, int) else 0)
    return values, quoted
