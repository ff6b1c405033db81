"""The bot's TeamsActivityHandler: what happens after CloudAdapter authenticated an activity.

- every activity: the conversation reference is stored (install, uninstall, messages);
- message: the bot's @mention stripped, typed commands and "what would Maya think about …?";
  slow commands post the core's placeholder ("Asking Maya…") at once and update it when the
  answer is ready (tracked BackgroundTasks, so the HTTP request returns quickly);
- message with `value` (Action.Submit, clients without Universal Actions) and invoke
  `adaptiveCard/action` (Action.Execute): the core's action; the clicked card is refreshed
  in place (invoke response with the new card, or update_activity);
- invoke task/fetch and task/submit: the core's forms as dialogs (adapters/teams/forms.py);
- installationUpdate remove: the reference is marked inactive;
- a message or invoke delivered twice (Bot Framework retries) is acted on once, and one
  whose turn died is acted on again (adapters/teams/redelivery.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

from botbuilder.core import InvokeResponse, TurnContext
from botbuilder.core.serializer_helper import deserializer_helper
from botbuilder.core.teams import TeamsActivityHandler
from botbuilder.schema import Activity, ActivityTypes, ChannelAccount
from botbuilder.schema.teams import MessagingExtensionAction
from msrest.serialization import Model

from adapters.teams import forms
from adapters.teams.inbound import action_inbound, is_personal, message_inbound
from adapters.teams.message_action import MessageActions
from adapters.teams.render import invoke_card_response, invoke_message_response
from bot.commands import Core, Turn
from bot.messages import Address, Inbound, Reply
from bot.tasks import BackgroundTasks
from bot.turn import deliver, run_turn, show_placeholder

log = logging.getLogger(__name__)

MESSAGE_ACTION_INVOKES = ("composeExtension/fetchTask", "composeExtension/submitAction")
INVOKE_BUDGET_SECONDS = 4.0  # Teams waits about 5 s for an invoke response

Send = Callable[[Address, Reply], Awaitable[str]]
Update = Callable[[Address, str, Reply], Awaitable[None]]
OnTurn = Callable[[TurnContext, str], Awaitable[None]]
Once = Callable[[TurnContext, bool], AbstractAsyncContextManager[bool]]
Release = Callable[[Activity], Awaitable[None]]


@contextlib.asynccontextmanager
async def _always(turn_context: TurnContext, blind: bool = False) -> AsyncIterator[bool]:
    yield True


async def _keep(activity: Activity) -> None:
    return None


class InvokeBody(Model):
    """An `adaptiveCard/action` response body (CloudAdapter serialises msrest Models)."""

    _attribute_map = {  # noqa: RUF012 (msrest's convention)
        "status_code": {"key": "statusCode", "type": "int"},
        "type": {"key": "type", "type": "str"},
        "value": {"key": "value", "type": "object"},
    }

    def __init__(self, body: dict[str, Any]) -> None:
        super().__init__()
        self.status_code = body["statusCode"]
        self.type = body["type"]
        self.value = body["value"]


def invoke_response(body: dict[str, Any]) -> InvokeResponse:
    return InvokeResponse(status=200, body=InvokeBody(body))


def json_body(body: dict[str, Any]) -> Model:
    """Any JSON object as the msrest Model CloudAdapter serialises (each top-level key kept
    as it is): the bodies of message extension invokes (`task`, `composeExtension`)."""
    attributes = {key: {"key": key, "type": "object"} for key in body}
    model = type("JsonBody", (Model,), {"_attribute_map": attributes})()
    for key, value in body.items():
        setattr(model, key, value)
    return model


class PersonaTeamsBot(TeamsActivityHandler):
    def __init__(
        self,
        core: Core,
        tasks: BackgroundTasks,
        *,
        send: Send,
        update: Update,
        remember: OnTurn,
        once: Once = _always,
        release: Release = _keep,
    ) -> None:
        self.core = core
        self.tasks = tasks
        self.send = send
        self.update = update
        self.remember = remember  # stores the conversation reference ("seen", "installed", …)
        self.once = once  # `async with once(turn, blind) as first`: False for a redelivery
        self.release = release  # leave no record of an activity (a typed anonymous vote)
        self.message_actions = MessageActions(core, tasks, self.outbox)

    # -- every activity ------------------------------------------------------------------
    async def on_turn(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        event = "seen"
        if activity.type == ActivityTypes.installation_update:
            event = "removed" if (activity.action or "").startswith("remove") else "installed"
        elif activity.type == ActivityTypes.conversation_update:
            bot_id = activity.recipient.id if activity.recipient else None
            if any(m.id == bot_id for m in activity.members_added or []):
                event = "installed"
            elif any(m.id == bot_id for m in activity.members_removed or []):
                event = "removed"
        try:
            await self.remember(turn_context, event)
        except Exception:  # never lose the user's turn over bookkeeping
            log.exception("storing the Teams conversation reference failed")
        await super().on_turn(turn_context)

    async def on_teams_members_added_dispatch(  # type: ignore[override]
        self, members_added: list[Any], team_info: Any, turn_context: TurnContext
    ) -> None:
        # The default fetches every new member's profile from the Bot Connector (one HTTP
        # call each, failing the turn when that fails); the bot needs none of it.
        await self.on_teams_members_added(members_added, team_info, turn_context)

    async def on_teams_members_added(  # type: ignore[override]
        self, members_added: list[Any], team_info: Any, turn_context: TurnContext
    ) -> None:
        bot_id = turn_context.activity.recipient.id
        if any(m.id == bot_id for m in members_added):
            log.info("added to Teams conversation %s", turn_context.activity.conversation.id)

    async def on_installation_update_add(self, turn_context: TurnContext) -> None:
        log.info("installed in Teams conversation %s", turn_context.activity.conversation.id)

    async def on_installation_update_remove(self, turn_context: TurnContext) -> None:
        log.info("removed from Teams conversation %s", turn_context.activity.conversation.id)

    async def on_members_added_activity(
        self, members_added: list[ChannelAccount], turn_context: TurnContext
    ) -> None:
        return

    # -- messages ------------------------------------------------------------------------
    async def on_message_activity(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        submitted = isinstance(activity.value, dict) and not (activity.text or "").strip()
        click = action_inbound(activity, activity.value) if submitted else None
        async with self.once(turn_context, self._private(click)) as first:
            if first:
                await self._message(turn_context)

    def _private(self, click: Inbound | None) -> bool:
        """Whether a click is one adapters keep no readable, dated record of (a vote)."""
        spec = self.core.registry.find_action(click.action_id or "") if click else None
        return spec is not None and spec.private

    async def _message(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        if isinstance(activity.value, dict) and not (activity.text or "").strip():
            await self._submit(turn_context, activity.value)
            return
        turn = await self.core.prepare(message_inbound(activity))
        placeholder = await show_placeholder(turn, self.outbox(turn.inbound.address))
        self.tasks.spawn(self.answer(turn, placeholder, activity), name="teams-message")

    def outbox(self, address: Address, *, shared: bool = False) -> TeamsOutbox:
        return TeamsOutbox(self.send, self.update, address, shared=shared)

    async def answer(
        self, turn: Turn, placeholder: str | None = None, activity: Activity | None = None
    ) -> None:
        """After the HTTP response: the answer, replacing the placeholder when there is one.
        A typed anonymous vote (a private reply) leaves no record of its activity."""
        replies = await self.core.execute(turn)
        if activity is not None and any(r.private for r in replies):
            await self.release(activity)
        await deliver(self.core, replies, self.outbox(turn.inbound.address), placeholder)

    # -- Action.Submit (message with value) ----------------------------------------------
    async def _submit(self, turn_context: TurnContext, value: dict[str, Any]) -> None:
        activity = turn_context.activity
        inbound = action_inbound(activity, value)
        if inbound is None:
            log.info("ignoring a card submit without an action id")
            return
        shared = not is_personal(activity)
        self.tasks.spawn(self._after_action(inbound, shared=shared), name="teams-submit")

    async def _after_action(self, inbound: Inbound, *, shared: bool) -> None:
        """A click answered after the HTTP response."""
        turn = await self.core.prepare(inbound)
        await run_turn(self.core, turn, self.outbox(inbound.address, shared=shared))

    # -- "Ask the personas" on a message (message extension action command) -----------------
    async def _message_action(self, turn_context: TurnContext) -> InvokeResponse:
        """composeExtension/fetchTask and /submitAction, answered here: botbuilder's own
        dispatch serialises the response body twice (CloudAdapter serialises it again)."""
        activity = turn_context.activity
        action = deserializer_helper(MessagingExtensionAction, activity.value)
        actions = self.message_actions
        if activity.name == "composeExtension/fetchTask":
            body = await actions.fetch_task(activity, action)
        else:
            body = await actions.submit(activity, action)
        return InvokeResponse(status=200, body=json_body(body))

    # -- Action.Execute (invoke adaptiveCard/action) -------------------------------------
    async def on_invoke_activity(self, turn_context: TurnContext) -> InvokeResponse | None:
        if turn_context.activity.name in MESSAGE_ACTION_INVOKES:
            return await self._message_action(turn_context)
        if turn_context.activity.name in ("task/fetch", "task/submit"):
            return await self._task(turn_context)
        if turn_context.activity.name != "adaptiveCard/action":
            return await super().on_invoke_activity(turn_context)
        activity = turn_context.activity
        value = activity.value if isinstance(activity.value, dict) else {}
        action = value.get("action") or {}
        data = action.get("data") if isinstance(action.get("data"), dict) else {}
        click = action_inbound(activity, data, str(action.get("verb") or ""))
        async with self.once(turn_context, self._private(click)) as first:
            if not first:
                return invoke_response(invoke_message_response("Done."))
            return await self._action_invoke(activity, click)

    async def _action_invoke(self, activity: Any, inbound: Inbound | None) -> InvokeResponse:
        if inbound is None:
            return invoke_response(invoke_message_response("Nothing to do."))
        shared = not is_personal(activity)
        return invoke_response(await self.execute(inbound, activity.reply_to_id, shared=shared))

    async def execute(
        self, inbound: Inbound, card_id: str | None, *, shared: bool = False
    ) -> dict[str, Any]:
        """Run an action within the invoke budget and pick the invoke response: the
        refreshed card when the core updates the clicked message, a short message to the
        clicker for private replies; anything else is posted in the conversation."""
        turn = await self.core.prepare(inbound)
        outbox = self.outbox(inbound.address, shared=shared)
        if turn.placeholder is not None:
            # the invoke response says so at once; the placeholder message is then replaced
            self.tasks.spawn(run_turn(self.core, turn, outbox), name="teams-invoke-slow")
            return invoke_message_response(turn.placeholder.text)
        work = asyncio.ensure_future(self.core.execute(turn))
        done, _ = await asyncio.wait({work}, timeout=INVOKE_BUDGET_SECONDS)
        if not done:
            self.tasks.spawn(self._late(outbox, work), name="teams-invoke-late")
            return invoke_message_response("Working on it…")
        replies = work.result()
        refresh = next(
            (r for r in replies if card_id and r.replaces == card_id),
            None,
        )
        rest = [r for r in replies if r is not refresh]
        # Teams has no "only you can see this" message: short private acks go back in the
        # invoke response (shown to the clicker under the card), cards are posted.
        private = [r for r in rest if r.ephemeral and not r.cards]
        public = [r for r in rest if r not in private]
        if public:
            self.tasks.spawn(deliver(self.core, public, outbox), name="teams-invoke-post")
        if refresh is not None:
            return invoke_card_response(refresh)
        if private:
            return invoke_message_response("\n".join(r.text for r in private))
        return invoke_message_response("Done.")

    async def _late(self, outbox: TeamsOutbox, work: asyncio.Future[list[Reply]]) -> None:
        await deliver(self.core, await work, outbox)

    # -- task modules: the core's forms (adapters/teams/forms.py) --------------------------
    async def _task(self, turn_context: TurnContext) -> InvokeResponse:
        """task/fetch and task/submit, answered with a body CloudAdapter serialises once
        (TeamsActivityHandler's own path serialises it twice and fails)."""
        activity = turn_context.activity
        value = activity.value if isinstance(activity.value, dict) else {}
        if activity.name == "task/fetch":
            return InvokeResponse(status=200, body=await forms.fetch(self.core, activity, value))
        answer, public, inbound = await forms.submit(self.core, activity, value)
        if public and inbound is not None:
            outbox = self.outbox(inbound.address, shared=not is_personal(activity))
            self.tasks.spawn(deliver(self.core, public, outbox), name="teams-form-post")
        return InvokeResponse(status=200, body=answer)


class TeamsOutbox:
    """One Teams turn's transport: a new activity, or update_activity in place. Teams has
    no "only you can see this" message: in a shared chat or channel a short private reply
    (a vote's "Thanks! Your answer: Yes") is not posted, since everyone would see it and an
    anonymous survey would not stay anonymous."""

    def __init__(self, send: Send, update: Update, address: Address, *, shared: bool) -> None:
        self._send = send
        self._update = update
        self.address = address
        self.shared = shared

    async def show_placeholder(self, reply: Reply) -> str | None:
        return await self._send(self.address, reply) or None

    async def deliver(self, reply: Reply, *, replaces: str | None, first: bool) -> str | None:
        if self.shared and reply.ephemeral and not reply.cards:
            return None
        if replaces:
            await self._update(self.address, replaces, reply)
            return replaces
        return await self._send(self.address, reply)
