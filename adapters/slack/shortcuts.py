"""The "Ask the personas" shortcuts: on a message (`message_action`) and global (`shortcut`).

The shortcut is acked at once; the core's `ask.form` turn says what form to show (or why
not), and this module opens it as a modal. Its view_submission becomes the core's
`ask.message` turn, answered in the message's thread (the placeholder "Asking the panel…"
first, replaced by the panel), or in a DM with the bot for the global shortcut. Transport
only: the text of the message made plain (people by name, links kept), the modal, the thread.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from slack_sdk.errors import SlackApiError

from adapters.slack.flows import Flows, Origin
from adapters.slack.forms import (
    form_values,
    form_view,
    mentioned_users,
    message_text,
    pack_metadata,
    unpack_metadata,
)
from adapters.slack.inbound import team_of
from adapters.slack.outbox import NOT_A_MEMBER
from bot.commands import Turn
from bot.features.ask_message import FORM_ACTION, SUBMIT_ACTION
from bot.messages import Address, Inbound, Quoted, text_reply
from bot.ports import DeliveryError
from bot.turn import show_placeholder

log = logging.getLogger(__name__)

MAX_NAMES = 10  # users.info calls to name the people a message mentions
NAMES_BUDGET_S = 3.0


class Shortcuts:
    def __init__(self, flows: Flows) -> None:
        self.flows = flows

    async def names(self, team_id: str, user_ids: list[str]) -> dict[str, str]:
        """users.info display names of the people mentioned (a missing one keeps its id)."""
        delivery = self.flows.delivery

        async def one(user: str) -> tuple[str, str] | None:
            try:
                token = await delivery.token_for(team_id)
                resp = await delivery.client.users_info(user=user, token=token)
            except Exception:  # a name is a nicety: never fail the shortcut over it
                return None
            found = resp.get("user") or {}
            profile = found.get("profile") or {}
            name = profile.get("display_name") or found.get("real_name") or found.get("name")
            return (user, str(name)) if name else None

        try:
            async with asyncio.timeout(NAMES_BUDGET_S):
                found = await asyncio.gather(*(one(u) for u in user_ids[:MAX_NAMES]))
        except TimeoutError:
            return {}
        return dict(f for f in found if f is not None)

    async def quoted(self, team_id: str, message: Mapping[str, Any]) -> Quoted:
        raw = str(message.get("text") or "")
        names = await self.names(team_id, mentioned_users(raw))
        return Quoted(message_text(raw, names))

    async def open(self, body: dict[str, Any]) -> None:
        """The shortcut was acked: the core's form for this message, opened as a modal."""
        team = team_of(body)
        user = str((body.get("user") or {}).get("id") or "")
        message = body.get("message")
        channel = str((body.get("channel") or {}).get("id") or "")
        if isinstance(message, dict) and channel:
            thread = str(message.get("thread_ts") or message.get("ts") or "") or None
            address = Address("slack", team, channel, thread_id=thread)
            quoted: Quoted | None = await self.quoted(team, message)
        else:  # the global shortcut: the text is pasted into the form, answered in a DM
            address, quoted = Address("slack", team, user), None
        inbound = Inbound("action", "", user, address, action_id=FORM_ACTION, quoted=quoted)
        ws = await self.flows.workspace(team)
        [reply, *_] = await self.flows.core.handle(inbound)
        if reply.form is None:  # no personas, an empty message: said privately
            origin = Origin(inbound, ws, str(body.get("response_url") or ""))
            await self.flows.deliver(origin, [reply])
            return
        where = {"c": address.conversation_id, "t": address.thread_id}
        view = form_view(reply.form, pack_metadata(where, quoted))
        try:
            token = await self.flows.delivery.token_for(team)
            trigger = str(body.get("trigger_id") or "")
            await self.flows.delivery.client.views_open(trigger_id=trigger, view=view, token=token)
        except SlackApiError as exc:
            log.warning("views.open failed: %s", exc.response.get("error"))

    async def submit(self, ack: Any, body: dict[str, Any], view: dict[str, Any]) -> None:
        """The core prepares the turn before the ack, so a refused form (nobody picked, a
        question too long) is shown inside the modal; an accepted one closes it and is
        answered in the thread."""
        where, quoted = unpack_metadata(str(view.get("private_metadata") or ""))
        user = str((body.get("user") or {}).get("id") or "")
        team = team_of(body)  # view.app_installed_team_id: the installing team
        channel = where.get("c") or user
        address = Address("slack", team, channel, thread_id=where.get("t"))
        state = (view.get("state") or {}).get("values") or {}
        inbound = Inbound(
            "action",
            "",
            user,
            address,
            action_id=SUBMIT_ACTION,
            quoted=quoted,
            form=form_values(state),
        )
        turn = await self.flows.core.prepare(inbound)
        if turn.placeholder is None:
            replies = await self.flows.core.execute(turn)
            if replies and all(r.is_error for r in replies):
                field = replies[0].meta.get("field", "")  # the field the core names
                block = field if field in state else next(iter(state), "question")
                await ack(response_action="errors", errors={block: replies[0].text[:150]})
                return
            await ack()
            ws = await self.flows.workspace(team)
            self.flows.tasks.spawn(
                self.flows.deliver(Origin(inbound, ws), replies), name="slack-ask-message"
            )
            return
        await ack()
        self.flows.tasks.spawn(self._answer(turn), name="slack-ask-message")

    async def _answer(self, turn: Turn) -> None:
        """Placeholder in the thread, then the panel in its place (a turn like a mention's).
        Where the bot may not post (a private channel it was not invited to), the answer
        goes to a DM with the person instead, saying why."""
        ws = await self.flows.workspace(turn.inbound.address.workspace)
        origin = Origin(turn.inbound, ws)
        if turn.placeholder is not None:
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
        origin.inbound = replace(
            inbound, address=Address("slack", inbound.address.workspace, inbound.user_id)
        )
        origin.placeholder_ts = None
        note = text_reply(
            "I'm not in that channel, so I can't answer in the message's thread: here is "
            "the answer for you. Invite me there (/invite) to answer in threads."
        )
        outbox = self.flows.outbox(origin)
        await show_placeholder(Turn(origin.inbound, placeholder=note), outbox)
        origin.placeholder_ts = None  # the note stays; the placeholder follows it
        await show_placeholder(turn, outbox)
