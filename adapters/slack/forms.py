"""The core's forms (`Reply.form`) as Slack modals: a click whose answer is a form opens it
with views.open (the click's trigger_id); its view_submission becomes the form's action,
with the fields filled in (`Inbound.fields`). The core checks them: problems go back in
the ack (`response_action: errors`, each next to its field), anything else is delivered in
the conversation (the thread of the message the form was opened from).

A form about a message (Ask the personas) carries the message in `private_metadata` too
(adapters/slack/message_text.py). A slow form (the core shows a placeholder for it, such as
"Asking the panel…") is acked at once and answered like a mention: the placeholder in the
thread, then the answer in its place; where the bot may not post there (a private channel
it was not invited to), in a DM with the person, saying why.

Also `permalink`: chat.getPermalink for the core's "where it was decided".
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from typing import Any

from slack_sdk.errors import SlackApiError

from adapters.slack.flows import Flows, Origin
from adapters.slack.inbound import team_of
from adapters.slack.message_text import pack_metadata, unpack_metadata
from adapters.slack.modals import _value
from adapters.slack.outbox import NOT_A_MEMBER
from adapters.slack.render import truncate
from bot.commands import Turn
from bot.messages import Address, Form, FormField, Inbound, Quoted, Reply, text_reply
from bot.ports import DeliveryError
from bot.turn import show_placeholder

log = logging.getLogger(__name__)

FORM_CALLBACK = "persona.form"
# the "Ask the personas" shortcuts, as declared in the manifest
MESSAGE_SHORTCUT = "ask_personas"
GLOBAL_SHORTCUT = "ask_personas_global"
MAX_CHECKBOXES = 10  # Slack's checkboxes; more options are a multi-select menu
NOT_IN_CHANNEL = (
    "I'm not in that channel, so I can't answer in the message's thread: here is the answer "
    "for you. Invite me there (/invite) to answer in threads."
)
SUBMIT_BUDGET_SECONDS = 2.0  # Slack waits 3 s for the ack that may carry the errors
PERMALINK_TIMEOUT_S = 3


def _label(text: str, limit: int) -> dict[str, str]:
    return {"type": "plain_text", "text": truncate(text, limit) or " "}


def _element(f: FormField) -> dict[str, Any]:
    if f.kind == "choices":
        options = [
            {"text": _label(label, 75), "value": value[:150]} for value, label in f.options[:100]
        ]
        kind = "checkboxes" if len(options) <= MAX_CHECKBOXES else "multi_static_select"
        element: dict[str, Any] = {"type": kind, "action_id": "value", "options": options}
        picked = set(f.value.split(","))
        initial = [o for o in options if o["value"] in picked]
        if initial:
            element["initial_options"] = initial
        return element
    if f.kind == "choice":
        options = [
            {"text": _label(label, 75), "value": value[:150]} for value, label in f.options[:100]
        ]
        element = {
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


def form_view(
    form: Form, channel: str, thread: str | None, quoted: Quoted | None = None
) -> dict[str, Any]:
    """The modal for `form` (pure, golden-tested); `private_metadata` carries what the
    submission needs: the core action, its value, where to answer, and the message the
    form is about."""
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
        "private_metadata": pack_metadata(meta, quoted),
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


def _filled(value: Any) -> str:
    """A submitted element's value as the core reads it (several picks joined by ",")."""
    if isinstance(value, list):
        return ",".join(str(v) for v in value if v)
    return str(value or "")


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
        await self.flows.delivery.open_view(inbound.address.workspace, trigger_id, view)

    async def submit(self, ack: Any, body: dict[str, Any], view: dict[str, Any]) -> None:
        meta, quoted = unpack_metadata(str(view.get("private_metadata") or ""))
        if not meta.get("a"):
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
            fields=tuple((str(name), _filled(_value(values, name))) for name in values),
            message_id=thread,
            quoted=quoted,
        )
        turn = await self.flows.core.prepare(inbound)
        if turn.placeholder is not None:  # slow (the panel): answered like a mention
            await ack()
            self.flows.tasks.spawn(self._answer(turn), name="slack-form-answer")
            return
        work = asyncio.ensure_future(self.flows.core.execute(turn))
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

    async def _answer(self, turn: Turn) -> None:
        """The placeholder in the thread, then the answer in its place; in a DM where the
        bot may not post in that channel."""
        ws = await self.flows.workspace(turn.inbound.address.workspace)
        origin = Origin(turn.inbound, ws)
        assert turn.placeholder is not None
        try:
            await self.flows.outbox(origin).show_placeholder(turn.placeholder)
        except DeliveryError as exc:
            if exc.reason not in NOT_A_MEMBER:
                log.warning("placeholder refused in %s: %s", origin.address, exc.reason)
            else:
                await self._to_dm(origin, turn)
        await self.flows.answer(origin, turn)

    async def _to_dm(self, origin: Origin, turn: Turn) -> None:
        inbound = origin.inbound
        dm = Address("slack", inbound.address.workspace, inbound.user_id)
        origin.inbound = replace(inbound, address=dm)
        outbox = self.flows.outbox(origin)
        origin.placeholder_ts = None
        await show_placeholder(Turn(origin.inbound, placeholder=text_reply(NOT_IN_CHANNEL)), outbox)
        origin.placeholder_ts = None  # the note stays; the placeholder follows it
        await show_placeholder(turn, outbox)

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
