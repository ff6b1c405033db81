"""One turn, one path, for every platform (Slack, Teams, the playground):

    Inbound -> Core.prepare (workspace, parse, persona lookup: once)
            -> placeholder ("Asking Maya…"), when the command is slow
            -> Core.execute (the handler, inside the one error net)
            -> deliver: each Reply is posted, or updates the message it `replaces` (the
               first one replaces the placeholder), and a Reply with a `track` reports its
               message id to the core.

An adapter supplies an `Outbox` (how to post and update in this conversation: transport
only) and never decides what to say. A refused post (channel archived, bot removed, token
revoked) is a `DeliveryError`: logged with its reason, never a crashed task.
"""

from __future__ import annotations

import logging
from typing import Protocol

from bot.commands import Core, Turn
from bot.messages import Address, Reply
from bot.ports import DeliveryError

log = logging.getLogger(__name__)


class Outbox(Protocol):
    """Where one turn's replies go. Raise `DeliveryError` when the platform refuses."""

    @property
    def address(self) -> Address: ...

    async def show_placeholder(self, reply: Reply) -> str | None:
        """Show the placeholder; the message id to replace later (None: nothing to replace,
        or the adapter replaces it by itself, e.g. a Slack response_url)."""
        ...

    async def deliver(self, reply: Reply, *, replaces: str | None, first: bool) -> str | None:
        """Post `reply`, or update the message `replaces` in place; the message id, when
        the platform gives one (needed for tracked replies)."""
        ...


async def show_placeholder(turn: Turn, outbox: Outbox) -> str | None:
    """The placeholder of a slow turn; a refused one is logged and the turn goes on (its
    answer may still get through, e.g. in a DM)."""
    if turn.placeholder is None:
        return None
    try:
        return await outbox.show_placeholder(turn.placeholder)
    except DeliveryError as exc:
        log.warning(
            "placeholder refused in %s (%s): answering without one",
            outbox.address.conversation_id,
            exc.reason,
        )
        return None


async def deliver(
    core: Core, replies: list[Reply], outbox: Outbox, placeholder: str | None = None
) -> None:
    """Each reply to its place; tracked ones reported to the core. Never raises for a
    refused delivery: it is logged, and the other replies still go out."""
    address = outbox.address
    for i, reply in enumerate(replies):
        first = i == 0
        replaces = reply.replaces or (placeholder if first else None)
        try:
            message_id = await outbox.deliver(reply, replaces=replaces, first=first)
        except DeliveryError as exc:
            log.warning("could not deliver a reply in %s: %s", address.conversation_id, exc.reason)
            continue
        if reply.track is not None and message_id:
            await core.posted(reply, address, message_id)


async def finish(core: Core, turn: Turn, outbox: Outbox, placeholder: str | None = None) -> None:
    """The slow part of a turn, after its placeholder: run the handler, deliver."""
    await deliver(core, await core.execute(turn), outbox, placeholder)


async def run_turn(core: Core, turn: Turn, outbox: Outbox) -> None:
    """A prepared turn from placeholder to delivery."""
    placeholder = await show_placeholder(turn, outbox)
    await finish(core, turn, outbox, placeholder)
