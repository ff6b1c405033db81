"""What the core needs from the outside world. Adapters implement these; the core receives
them by injection and never imports an adapter."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from bot.messages import Address, Reply


@runtime_checkable
class ChatAdapter(Protocol):
    """One chat platform. `send` returns the platform's message id (Slack ts, Teams activity
    id) so the message can be updated later, e.g. a live survey tally."""

    platform: str

    async def send(self, address: Address, reply: Reply) -> str: ...

    async def update(self, address: Address, message_id: str, reply: Reply) -> None: ...


@runtime_checkable
class Roster(Protocol):
    """A platform that can say who is in a conversation (a nudge skips someone who left).
    `members` is None when it cannot tell (no scope, a timeout): the caller carries on."""

    async def members(self, address: Address) -> frozenset[str] | None: ...


class DeliveryError(Exception):
    """A send failed for a reason that will not go away by retrying (channel gone, bot
    removed, user blocked the bot). The clock disables the target and carries on."""

    def __init__(self, reason: str, *, permanent: bool = True, uncertain: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent
        # The platform may have carried the send out (its answer was lost): sending again
        # could post twice, so the clock does not retry it.
        self.uncertain = uncertain
