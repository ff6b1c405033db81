"""The "Ask the personas" message action (a message extension action command, context
"message"): `composeExtension/fetchTask` answers with the core's form as a task module,
`composeExtension/submitAction` runs the core's `ask.message` turn and posts the panel as a
reply in the message's thread (the placeholder first, replaced by the panel). Where the
bot cannot post (it is not in that chat), the panel comes back as cards to insert into the
compose box, as Teams allows for message actions. Transport only.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from botbuilder.schema import Activity

from adapters.teams.forms import ASK_COMMAND, submitted_fields, task_form
from adapters.teams.inbound import address_of, is_personal, user_of
from adapters.teams.message_html import payload_text
from adapters.teams.render import CONTENT_TYPE, to_adaptive_card
from bot.answering.critique import MAX_TEXT_CHARS
from bot.commands import Core, Turn
from bot.features.ask_message import FORM_ACTION, SUBMIT_ACTION, answer_follows
from bot.messages import Address, Form, Inbound, Quoted, Reply
from bot.ports import DeliveryError
from bot.tasks import BackgroundTasks
from bot.turn import Outbox, deliver

log = logging.getLogger(__name__)

COMPOSE_BUDGET_SECONDS = 4.0  # Teams waits about 5 s for the invoke response


def task_message(text: str) -> dict[str, Any]:
    """A dialog that only says something."""
    return {"task": {"type": "message", "value": text[:1000]}}


def task_module(form: Form, quoted: Quoted | None) -> dict[str, Any]:
    """The core's form as a task module; the message rides in its submit data too (no more
    of it than the core reads), so nothing depends on the client repeating it."""
    task = task_form(form).task
    if quoted is not None:
        data = task["value"]["card"]["content"]["actions"][0]["data"]
        data.update(quoted=quoted.text[:MAX_TEXT_CHARS], length=quoted.full_length)
    return {"task": task}


def submitted(data: Any) -> tuple[tuple[tuple[str, str], ...], Quoted | None]:
    """A submitAction's `data`: the form's fields (several picks arrive joined by ",", as
    the core reads them) and the message carried in the card."""
    if not isinstance(data, dict):
        return (), None
    quoted = None
    if isinstance(data.get("quoted"), str):
        length = data.get("length")
        quoted = Quoted(data["quoted"], length if isinstance(length, int) else 0)
    return submitted_fields(data), quoted


def message_address(activity: Activity, payload: Any) -> Address:
    """Where the panel goes: the message's thread in a channel (its root post), else the
    chat itself."""
    address = address_of(activity)
    conversation = activity.conversation
    in_channel = conversation is not None and conversation.conversation_type == "channel"
    if in_channel and address.thread_id is None and payload is not None:
        root = getattr(payload, "reply_to_id", None) or getattr(payload, "id", None)
        return address.in_thread(str(root) if root else None)
    return address


def quoted_of(payload: Any) -> Quoted | None:
    body = getattr(payload, "body", None) if payload is not None else None
    return None if body is None else Quoted(payload_text(body))


def compose_result(replies: list[Reply]) -> dict[str, Any]:
    """Cards to insert into the compose box (the message action's card response)."""
    attachments = [
        {
            "contentType": CONTENT_TYPE,
            "content": to_adaptive_card(r),
            "preview": {
                "contentType": "application/vnd.microsoft.card.thumbnail",
                "content": {"title": r.text.split("\n", 1)[0][:80]},
            },
        }
        for r in replies
    ]
    return {
        "composeExtension": {
            "type": "result",
            "attachmentLayout": "list",
            "attachments": attachments,
        }
    }


def unknown_command(action: Any) -> dict[str, Any]:
    command = str(getattr(action, "command_id", "") or "")[:40]
    return task_message(f"Persona Bot has no command '{command}'.")


class MessageActions:
    def __init__(self, core: Core, tasks: BackgroundTasks, outbox: Callable[..., Outbox]) -> None:
        self.core = core
        self.tasks = tasks
        self.outbox = outbox  # (address, shared=...) -> the Teams outbox of that conversation

    def _inbound(
        self,
        activity: Activity,
        action_id: str,
        quoted: Quoted | None,
        form: tuple[tuple[str, str], ...] = (),
        payload: Any = None,
    ) -> Inbound:
        user, name = user_of(activity)
        return Inbound(
            "action",
            "",
            user,
            message_address(activity, payload),
            action_id=action_id,
            user_name=name,
            quoted=quoted,
            fields=form,
            message_id=str(getattr(payload, "id", "") or "") or None,
        )

    async def fetch_task(self, activity: Activity, action: Any) -> dict[str, Any]:
        if getattr(action, "command_id", None) != ASK_COMMAND:
            return unknown_command(action)
        payload = getattr(action, "message_payload", None)
        quoted = quoted_of(payload)
        inbound = self._inbound(activity, FORM_ACTION, quoted, payload=payload)
        [reply, *_] = await self.core.handle(inbound)
        if reply.form is None:
            return task_message(reply.text)
        return task_module(reply.form, quoted)

    async def submit(self, activity: Activity, action: Any) -> dict[str, Any]:
        """The dialog is answered with a short note ("the answer follows…"; a null body
        leaves some clients' dialog open), the panel posted after it."""
        if getattr(action, "command_id", None) != ASK_COMMAND:
            return unknown_command(action)
        payload = getattr(action, "message_payload", None)
        values, carried = submitted(getattr(action, "data", None))
        quoted = quoted_of(payload) or carried
        inbound = self._inbound(activity, SUBMIT_ACTION, quoted, values, payload)
        turn = await self.core.prepare(inbound)
        outbox = self.outbox(inbound.address, shared=not is_personal(activity))
        if turn.placeholder is None:  # refused (nobody picked, no text): said in the dialog
            replies = await self.core.execute(turn)
            again = next((r.form for r in replies if r.form is not None), None)
            if again is not None:  # the form again, each problem under its field
                return task_module(again, quoted)
            if all(r.is_error for r in replies):
                return task_message("\n".join(r.text for r in replies))
            self.tasks.spawn(deliver(self.core, replies, outbox), name="teams-ask-message")
            return task_message(answer_follows(bool(inbound.address.thread_id)))
        try:
            placeholder = await outbox.show_placeholder(turn.placeholder)
        except DeliveryError as exc:  # the bot is not in this chat: cards to insert instead
            log.info(
                "cannot post in %s (%s): panel returned as cards",
                inbound.address.conversation_id,
                exc.reason,
            )
            return await self._as_cards(turn)
        self.tasks.spawn(self._answer(turn, outbox, placeholder), name="teams-ask-message")
        return task_message(answer_follows(bool(inbound.address.thread_id)))

    async def _answer(self, turn: Turn, outbox: Outbox, placeholder: str | None) -> None:
        await deliver(self.core, await self.core.execute(turn), outbox, placeholder)

    async def _as_cards(self, turn: Turn) -> dict[str, Any]:
        try:
            async with asyncio.timeout(COMPOSE_BUDGET_SECONDS):
                replies = await self.core.execute(turn)
        except TimeoutError:
            return task_message(
                "The personas are taking too long here; add the bot to this "
                "chat to get their answer as a reply."
            )
        return compose_result(replies)
