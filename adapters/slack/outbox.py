"""Where one Slack turn's replies go (the `bot.turn.Outbox` of Slack): transport only.

- `reply.replaces`: chat.update of that message (a survey's live tally), coalesced.
- `reply.track`: posted with chat.postMessage so its ts is known (the turn runner then tells
  the core); a channel the bot is not in gets it through the response_url, without updates.
- a mention or DM: answered in the conversation (thread), replacing the placeholder;
  ephemeral replies in a channel reach only the asker (chat.postEphemeral).
- a slash command: answered through its response_url; ephemeral and shareable replies
  privately (shareable with "Share in channel"), others in the channel.
- a button: private replies through the response_url, others in the conversation.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

from adapters.slack.coalesce import UpdateCoalescer
from adapters.slack.delivery import Delivery
from adapters.slack.render import to_message
from bot.messages import Address, Inbound, Reply
from bot.ports import DeliveryError

log = logging.getLogger(__name__)

NOT_A_MEMBER = ("not_in_channel", "channel_not_found")


@dataclass
class Origin:
    """Where a request came from, and so how its replies are shown."""

    inbound: Inbound
    ws: int
    response_url: str = ""
    placeholder_ts: str | None = None  # public placeholder (mention, DM, button) to replace
    placeholder_url: bool = False  # private placeholder behind the response_url to replace
    ephemeral_origin: bool = True  # what the response_url's "original" message is
    event_id: str = ""  # the claimed Events API id of a mention or DM

    @property
    def address(self) -> Address:
        return self.inbound.address


class SlackOutbox:
    def __init__(self, origin: Origin, delivery: Delivery, tallies: UpdateCoalescer) -> None:
        self.origin = origin
        self.delivery = delivery
        self.tallies = tallies

    @property
    def address(self) -> Address:
        return self.origin.address

    async def show_placeholder(self, reply: Reply) -> str | None:
        """In place of the clicked message (a "Try again"), privately behind the
        response_url (a slash command), or as a new message (mention, DM)."""
        o = self.origin
        if o.placeholder_ts:
            await self.delivery.update(o.address, o.placeholder_ts, to_message(reply))
            return o.placeholder_ts
        if o.response_url and o.inbound.kind != "message":
            await self.delivery.respond(
                o.response_url,
                replace(reply, ephemeral=True),
                o.ws,
                replace_original=o.placeholder_url,
            )
            o.placeholder_url = True
            return None
        o.placeholder_ts = await self.delivery.post(o.address, to_message(reply))
        return o.placeholder_ts

    async def deliver(self, reply: Reply, *, replaces: str | None, first: bool) -> str | None:
        o = self.origin
        address, user, ws = o.address, o.inbound.user_id, o.ws
        if reply.replaces:
            target = reply.replaces
            await self.tallies.update(
                (address.conversation_id, target),
                to_message(reply),
                lambda body: self.delivery.update(address, target, body),
            )
            await self._drop_url_placeholder(first)
            return target
        if reply.track is not None:
            return await self._post_tracked(reply, replaces, first)
        if o.inbound.kind == "message" or not o.response_url:
            return await self.delivery.in_conversation(
                address, user, reply, ws, replace_ts=replaces
            )
        private = reply.ephemeral or reply.shareable
        replace_original = first and o.placeholder_url
        if o.inbound.kind == "action" and not private and not replace_original:
            return await self.delivery.in_conversation(address, user, reply, ws)
        await self.delivery.respond(
            o.response_url,
            reply,
            ws,
            replace_original=replace_original,
            original_ephemeral=o.ephemeral_origin,
        )
        return None

    async def _post_tracked(self, reply: Reply, replaces: str | None, first: bool) -> str | None:
        """A message the core will update later (live tally): it needs a known ts."""
        o = self.origin
        message = to_message(reply)
        if replaces:
            await self.delivery.update(o.address, replaces, message)
            return replaces
        try:
            ts = await self.delivery.post(o.address, message)
        except DeliveryError as exc:
            if not o.response_url or exc.reason not in NOT_A_MEMBER:
                raise
            log.warning(
                "bot is not in %s: posted without live updates (invite the bot)",
                o.address.conversation_id,
            )
            body = {**message, "response_type": "in_channel", "replace_original": False}
            await self.delivery.post_url(o.response_url, body)
            return None
        await self._drop_url_placeholder(first)
        return ts

    async def _drop_url_placeholder(self, first: bool) -> None:
        if first and self.origin.placeholder_url:
            await self.delivery.post_url(self.origin.response_url, {"delete_original": True})
