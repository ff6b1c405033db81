"""The core's forms (`Reply.form`) as Slack modals: a click whose answer is a form opens it
with views.open (the click's trigger_id); its view_submission becomes the form's action,
with the fields filled in (`Inbound.fields`). The core checks them: problems go back in
the ack (`response_action: errors`, each next to its field), anything else is delivered in
the conversation (the thread of the message the form was opened from).

Also `permalink`: chat.getPermalink for the core's "where it was decided".
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from slack_sdk.errors import SlackApiError

from adapters.slack.flows import Flows, Origin
from adapters.slack.inbound import team_of
from adapters.slack.modals import _value
from adapters.slack.render import truncate
from bot.messages import Address, Form, FormField, Inbound, Reply

log = logging.getLogger(__name__)

FORM_CALLBACK = "persona.form"
SUBMIT_BUDGET_SECONDS = 2.0  # Slack waits 3 s for the ack that may carry the errors
PERMALINK_TIMEOUT_S = 3
MAX_METADATA = 3000


def _label(text: str, limit: int) -> dict[str, str]:
    return {"type": "plain_text", "text": truncate(text, limit) or " "}


def _element(f: FormField) -> dict[str, Any]:
    if f.kind == "choice":
        options = [
            {"text": _label(label, 75), "value": value[:150]} for value, label in f.options[:100]
        ]
        element: dict[str, Any] = {
            "type": "static_select",
            "action_id": "value",
            "options": options,
        }
        chosen = [o for o in options if o["value"] == f.value]
        if chosen:
            element["initial_option"] = chosen[0]
        return element
    element = {"type": "plain_text_input", "action_id": "value", "multiline": f.kind == "multiline"}
    if f.value:
        element["initial_value"] = f.value[:3000]
    if f.max_length:
        element["max_length"] = min(f.max_length, 3000)
    return element


def form_view(form: Form, channel: str, thread: str | None) -> dict[str, Any]:
    """The modal for `form` (pure, golden-tested); `private_metadata` carries what the
    submission needs: the core action, its value, and where to answer."""
    blocks: list[dict[str, Any]] = []
    if form.text:
        blocks.append({"type": "section", "text": _label(form.text, 3000)})
    for f in form.fields:
        block: dict[str, Any] = {
            "type": "input",
            "block_id": f.name,
            "label": _label(f.label, 2000),
            "element": _element(f),
            "optional": f.optional,
        }
        if f.hint:
            block["hint"] = _label(f.hint, 2000)
        blocks.append(block)
    meta = {"a": form.action_id, "v": form.value, "c": channel, "t": thread}
    return {
        "type": "modal",
        "callback_id": FORM_CALLBACK,
        "private_metadata": json.dumps(meta)[:MAX_METADATA],
        "title": _label(form.title, 24),
        "submit": _label(form.submit_label, 24),
        "close": _label("Cancel", 24),
        "blocks": blocks,
    }


def form_errors(form: Form) -> dict[str, str]:
    """The first problem of each field, as Slack shows them (150 characters)."""
    names = {f.name for f in form.fields}
    errors: dict[str, str] = {}
    for name, message in form.errors:
        errors.setdefault(name if name in names else form.fields[0].name, message[:150])
    return errors


def thread_of(body: dict[str, Any]) -> str | None:
    """The thread a form opened from a message answers in: the message's own thread, or a
    new one under it. A private (ephemeral) message can't have a thread: the channel."""
    container = body.get("container") or {}
    if container.get("is_ephemeral"):
        return None
    message = body.get("message") or {}
    return message.get("thread_ts") or container.get("message_ts") or None


class SlackForms:
    def __init__(self, flows: Flows) -> None:
        self.flows = flows

    async def open(self, inbound: Inbound, trigger_id: str, form: Form, body: dict) -> None:
        view = form_view(form, inbound.address.conversation_id, thread_of(body))
        token = await self.flows.delivery.token_for(inbound.address.workspace)
        try:
            await self.flows.delivery.client.views_open(
                trigger_id=trigger_id, view=view, token=token
            )
        except SlackApiError as exc:
            log.warning("views.open failed: %s", exc.response.get("error"))

    async def submit(self, ack: Any, body: dict[str, Any], view: dict[str, Any]) -> None:
        try:
            meta = json.loads(view.get("private_metadata") or "{}")
        except ValueError:
            meta = {}
        if not isinstance(meta, dict) or not meta.get("a"):
            await ack()
            log.warning("a form submission without its action")
            return
        values = (view.get("state") or {}).get("values") or {}
        user = body.get("user") or {}
        user_id = str(user.get("id") or "")
        team = team_of(body)
        channel = str(meta.get("c") or user_id)
        thread = str(meta["t"]) if meta.get("t") else None
        inbound = Inbound(
            kind="action",
            text="",
            user_id=user_id,
            user_name=user.get("username") or user.get("name"),
            address=Address("slack", team, channel, thread_id=thread),
            action_id=str(meta["a"]),
            value=str(meta.get("v") or ""),
            fields=tuple((str(name), str(_value(values, name) or "")) for name in values),
            message_id=thread,
        )
        work = asyncio.ensure_future(self.flows.core.handle(inbound))
        done, _ = await asyncio.wait({work}, timeout=SUBMIT_BUDGET_SECONDS)
        if not done:
            await ack()
            self.flows.tasks.spawn(self._late(inbound, work), name="slack-form-late")
            return
        replies = work.result()
        again = next((r.form for r in replies if r.form is not None and r.form.errors), None)
        if again is not None:
            await ack(response_action="errors", errors=form_errors(again))
            return
        await ack()
        self.flows.tasks.spawn(self._deliver(inbound, replies), name="slack-form-deliver")

    async def _late(self, inbound: Inbound, work: asyncio.Future[list[Reply]]) -> None:
        await self._deliver(inbound, await work)

    async def _deliver(self, inbound: Inbound, replies: list[Reply]) -> None:
        ws = await self.flows.workspace(inbound.address.workspace)
        # no response_url from a modal: in the conversation (privately for ephemeral ones)
        origin = Origin(Inbound("message", "", inbound.user_id, inbound.address), ws)
        await self.flows.deliver(origin, [r for r in replies if r.form is None or r.form.errors])

    async def permalink(self, address: Address, message_id: str) -> str | None:
        """chat.getPermalink of a message (None when Slack can't link it, e.g. ephemeral)."""
        token = await self.flows.delivery.token_for(address.workspace)
        try:
            resp = await asyncio.wait_for(
                self.flows.delivery.client.chat_getPermalink(
                    channel=address.conversation_id, message_ts=message_id, token=token
                ),
                PERMALINK_TIMEOUT_S,
            )
        except (SlackApiError, TimeoutError) as exc:
            log.info("no permalink for %s: %s", address.conversation_id, exc)
            return None
        link = resp.get("permalink")
        return str(link) if isinstance(link, str) and link.startswith("https://") else None
