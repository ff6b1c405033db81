"""What an authenticated activity must hold before the bot acts on it. Teams always sends a
conversation id, a service URL and, for messages and invokes, who wrote to whom; without
them the turn used to be accepted (201) and fail later in the background. Checked after
CloudAdapter authenticated the request, so a caller without a valid token still learns only
"401"."""

from __future__ import annotations

import logging

from botbuilder.core import Bot, TurnContext
from botbuilder.schema import Activity, ActivityTypes

log = logging.getLogger(__name__)

_ADDRESSED = {ActivityTypes.message, ActivityTypes.invoke}


class InvalidActivity(ValueError):
    """The adapter answers 400 (handle_request turns a ValueError into a 400)."""


def problem_of(activity: Activity) -> str | None:
    """Why the bot cannot act on the activity, or None."""
    conversation = activity.conversation
    if conversation is None or not isinstance(conversation.id, str) or not conversation.id:
        return "no conversation id"
    if not isinstance(activity.service_url, str) or not activity.service_url:
        return "no serviceUrl"
    if activity.type in _ADDRESSED:
        sender = activity.from_property
        if sender is None or not isinstance(sender.id, str) or not sender.id:
            return "no sender (from.id)"
        if activity.recipient is None or not activity.recipient.id:
            return "no recipient"
    return None


class Validated(Bot):
    """Wraps the bot: an activity it could not act on raises InvalidActivity (logged)."""

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def on_turn(self, context: TurnContext) -> None:
        problem = problem_of(context.activity)
        if problem is not None:
            log.warning("refused a Teams %s activity: %s", context.activity.type, problem)
            raise InvalidActivity(problem)
        await self.bot.on_turn(context)
