"""The "Ask the personas" shortcuts: on a message (`message_action`) and global (`shortcut`).

The shortcut is acked at once; the core's `ask.form` turn says what form to show (or why
not), and it opens as a modal (adapters/slack/forms.py) that carries the message. Its
submission is answered in the message's thread, or in a DM with the bot for the global
shortcut. Transport only: the message's text made plain (people by name, links kept).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import Any

from adapters.slack.flows import Flows, Origin
from adapters.slack.forms import form_view
from adapters.slack.inbound import team_of
from adapters.slack.message_text import mentioned_users, message_text
from bot.features.ask_message import FORM_ACTION
from bot.messages import Address, Inbound, Quoted

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
        inbound = Inbound(
            "action",
            "",
            user,
            address,
            action_id=FORM_ACTION,
            quoted=quoted,
            message_id=address.thread_id,
        )
        ws = await self.flows.workspace(team)
        [reply, *_] = await self.flows.core.handle(inbound)
        if reply.form is None:  # no personas, an empty message: said privately
            origin = Origin(inbound, ws, str(body.get("response_url") or ""))
            await self.flows.deliver(origin, [reply])
            return
        view = form_view(reply.form, address.conversation_id, address.thread_id, quoted)
        await self.flows.delivery.open_view(team, str(body.get("trigger_id") or ""), view)
