"""The core's forms (`Reply.form`) as Teams task modules (dialogs).

A button that opens a form is an `Action.Submit` with `msteams: {type: task/fetch}`: Teams
sends a `task/fetch` invoke, the core's action answers with a form, and it is shown as an
Adaptive Card in a dialog only the clicker sees. Its `Action.Submit` sends `task/submit`
with the inputs; the core checks them: problems show the form again (each under its
field), anything else closes the dialog with a short message and the core's public replies
are posted in the conversation. Also `permalink`: the Teams link to a message.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any
from urllib.parse import quote, urlencode

from botbuilder.schema import Activity
from msrest.serialization import Model

from adapters.teams.inbound import action_inbound
from adapters.teams.render import CONTENT_TYPE, SCHEMA, VERSION, neutralise, truncate
from bot.commands import Core
from bot.messages import Address, Form, FormField, Inbound, Reply

log = logging.getLogger(__name__)

ASK_COMMAND = "askPersonas"  # the "Ask the personas" message extension command (manifest)
RESERVED = ("action_id", "value", "msteams", "quoted", "length")
MAX_INPUT = 4000
TEAMS_LINK = "https://teams.microsoft.com/l/message/"


def _input(f: FormField, error: str | None) -> list[dict[str, Any]]:
    label = truncate(f.label, 200)
    element: dict[str, Any]
    if f.kind in ("choice", "choices"):
        several = f.kind == "choices"  # the values come back joined by ","
        element = {
            "type": "Input.ChoiceSet",
            "id": f.name,
            "label": label,
            "style": "expanded" if several else "compact",
            "choices": [{"title": truncate(t, 200), "value": v} for v, t in f.options[:100]],
        }
        if several:
            element["isMultiSelect"] = True
        if f.value:
            element["value"] = f.value
    else:
        element = {"type": "Input.Text", "id": f.name, "label": label}
        if f.kind == "multiline":
            element["isMultiline"] = True
        if f.value:
            element["value"] = f.value[:MAX_INPUT]
        if f.hint:
            element["placeholder"] = truncate(f.hint, 200)
        if f.max_length:
            element["maxLength"] = f.max_length
    element["isRequired"] = not f.optional
    if not f.optional:
        element["errorMessage"] = f"{label} is required"
    items = [element]
    if error:
        items.append(
            {"type": "TextBlock", "text": neutralise(error), "wrap": True, "color": "Attention",
             "size": "Small", "spacing": "None"}
        )  # fmt: skip
    return items


def form_card(form: Form) -> dict[str, Any]:
    """The Adaptive Card of a form (pure, golden-tested)."""
    errors: dict[str, str] = {}
    for name, message in form.errors:
        errors.setdefault(name, message)
    body: list[dict[str, Any]] = []
    if form.text:
        body.append({"type": "TextBlock", "text": neutralise(form.text), "wrap": True})
    for f in form.fields:
        body += _input(f, errors.get(f.name))
    data = {"action_id": form.action_id, "value": form.value}
    return {
        "type": "AdaptiveCard",
        "$schema": SCHEMA,
        "version": VERSION,
        "body": body,
        "actions": [
            {"type": "Action.Submit", "title": truncate(form.submit_label, 60), "data": data}
        ],
    }


class TaskModuleResponse(Model):
    """A task/fetch or task/submit invoke response body, `{"task": …}` (CloudAdapter
    serialises msrest Models; botbuilder's own task module models carry a card as an
    Attachment its serialiser cannot write)."""

    _attribute_map = {"task": {"key": "task", "type": "object"}}  # noqa: RUF012 (msrest)

    def __init__(self, task: dict[str, Any]) -> None:
        super().__init__()
        self.task = task


def task_form(form: Form) -> TaskModuleResponse:
    card = {"contentType": CONTENT_TYPE, "content": form_card(form)}
    info = {"title": truncate(form.title, 100), "card": card, "height": "medium",
            "width": "medium"}  # fmt: skip
    return TaskModuleResponse({"type": "continue", "value": info})


def task_message(text: str) -> TaskModuleResponse:
    return TaskModuleResponse({"type": "message", "value": truncate(text, 1000)})


def submitted_fields(data: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    """The inputs of a submitted form (Teams merges them into the submit action's data)."""
    return tuple(
        (str(k), str(v)[:MAX_INPUT])
        for k, v in data.items()
        if k not in RESERVED and isinstance(v, str | int | float)
    )


def _data(value: dict[str, Any]) -> dict[str, Any]:
    """The invoke's `value.data`: the clicked action's data (and, on submit, the inputs)."""
    data = value.get("data")
    return data if isinstance(data, dict) else {}


async def fetch(core: Core, activity: Activity, request: dict[str, Any]) -> TaskModuleResponse:
    """task/fetch: the core's answer to the click; its form, or what it says instead."""
    inbound = action_inbound(activity, _data(request))
    if inbound is None:
        return task_message("Nothing to do.")
    replies = await core.handle(inbound)
    form = next((r.form for r in replies if r.form is not None), None)
    if form is not None:
        return task_form(form)
    return task_message("\n".join(r.text for r in replies) or "Done.")


async def submit(
    core: Core, activity: Activity, request: dict[str, Any]
) -> tuple[TaskModuleResponse, list[Reply], Inbound | None]:
    """task/submit: (the dialog's answer, the replies to post in the conversation)."""
    data = _data(request)
    inbound = action_inbound(activity, data)
    if inbound is None:
        return task_message("Nothing to do."), [], None
    inbound = replace(inbound, fields=submitted_fields(data))
    replies = await core.handle(inbound)
    again = next((r.form for r in replies if r.form is not None and r.form.errors), None)
    if again is not None:
        return task_form(again), [], inbound
    public = [r for r in replies if r.form is None and not (r.is_error and r.ephemeral)]
    first = replies[0].text.split("\n", 1)[0] if replies else "Done."
    return task_message(first), public, inbound


async def permalink(address: Address, message_id: str) -> str | None:
    """The Teams link to a message (no call needed): a reply in a channel thread names its
    thread's root as parent."""
    query = {"tenantId": address.workspace}
    if address.thread_id:
        query["parentMessageId"] = address.thread_id
    conversation = quote(address.conversation_id, safe="")
    return f"{TEAMS_LINK}{conversation}/{quote(message_id, safe='')}?{urlencode(query)}"
