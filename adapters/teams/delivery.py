"""Putting rendered Replies into Teams through the Bot Connector: `continue_conversation`
on a stored reference, then `send_activity` / `update_activity` in that proactive turn.

429, 412, 502 and 504 are retried with exponential backoff and full jitter (3 tries in all);
403 (MessageWritesBlocked: the user blocked the bot, or it was removed) marks the reference
inactive and raises DeliveryError, so the clock stops sending there.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
from collections.abc import Awaitable, Callable
from typing import Any

from botbuilder.core import TurnContext
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import (
    Activity,
    ActivityTypes,
    ChannelAccount,
    ConversationAccount,
    ConversationParameters,
    ConversationReference,
)
from msrest.exceptions import ClientRequestError, HttpOperationError

from adapters.teams.connectors import without_retries
from adapters.teams.inbound import join_thread
from adapters.teams.logins import LoginTimeout
from adapters.teams.render import attachment, summary
from bot.messages import Address, Reply
from bot.ports import DeliveryError
from persona_store.teams_state import ConversationRef, TeamsStore

log = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({412, 429, 502, 504})
TRIES = 3
BASE_DELAY = 0.5
MAX_DELAY = 8.0

Db = Callable[..., Awaitable[Any]]


def to_activity(reply: Reply) -> Activity:
    """A message activity carrying the reply as one Adaptive Card (with a summary for
    notifications and the chat list)."""
    return Activity(
        type=ActivityTypes.message,
        summary=summary(reply),
        attachments=[attachment(reply)],
    )


def status_of(exc: BaseException) -> int | None:
    response = getattr(exc, "response", None)
    status = getattr(response, "status_code", None) or getattr(response, "status", None)
    return int(status) if status else None


def error_code(exc: BaseException) -> str:
    """The Bot Connector's error code (`subCode` MessageWritesBlocked when present)."""
    response = getattr(exc, "response", None)
    try:
        raw = getattr(response, "text", "") if response is not None else ""
        raw = raw() if callable(raw) else raw
        body = json.loads(raw) if raw else {}
    except (ValueError, TypeError, AttributeError):
        body = {}
    if isinstance(body, dict):
        if body.get("subCode"):
            return str(body["subCode"])
        error = body.get("error")
        if isinstance(error, dict) and error.get("code"):
            return str(error["code"])
    return f"http_{status_of(exc)}"


def retry_after(exc: BaseException) -> float | None:
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None) or {}
    try:
        value = headers.get("Retry-After")
        return float(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def own_retries(context: TurnContext) -> Any:
    """The turn's ConnectorClient, with msrest's built-in retries off: this module retries
    (with jitter, and never a 403) so one failure is never retried nine times."""
    return without_retries(context.turn_state[context.adapter.BOT_CONNECTOR_CLIENT_KEY])


class Delivery:
    def __init__(
        self,
        adapter: CloudAdapter,
        state: TeamsStore,
        db: Db,
        workspace_of: Callable[[str], Awaitable[int]],
        *,
        app_id: str = "",
        base_delay: float = BASE_DELAY,
    ) -> None:
        self.adapter = adapter
        self.state = state
        self.db = db
        self.workspace_of = workspace_of
        self.app_id = app_id
        self.base_delay = base_delay
        self.on_inactive: Callable[[int, str], None] = lambda ws, conversation_id: None

    # -- references ----------------------------------------------------------------------
    async def reference(self, address: Address) -> tuple[int, ConversationReference]:
        """The stored reference for an address; a user id ("29:…") means their 1:1 chat
        (created when the bot has none yet)."""
        ws = await self.workspace_of(address.workspace)
        target = join_thread(address.conversation_id, address.thread_id)
        ref = await self.db(self.state.get, ws, target)
        if ref is None and address.conversation_id.startswith("29:"):
            ref = await self.db(self.state.personal_for_user, ws, address.conversation_id)
            if ref is None:
                return ws, await self._create_personal(ws, address)
        if ref is None:
            if not address.service_url:
                raise DeliveryError("conversation_unknown")
            return ws, ConversationReference(
                channel_id="msteams",
                service_url=address.service_url,
                conversation=ConversationAccount(id=target, tenant_id=address.workspace),
                bot=ChannelAccount(id=self.app_id or "bot"),
            )
        if not ref.active:
            raise DeliveryError(f"conversation_inactive:{ref.inactive_reason or 'removed'}")
        return ws, self._deserialize(ref)

    @staticmethod
    def _deserialize(ref: ConversationRef) -> ConversationReference:
        reference = ConversationReference().deserialize(ref.reference)
        reference.service_url = ref.service_url
        return reference

    async def _create_personal(self, ws: int, address: Address) -> ConversationReference:
        """conversations.create for a 1:1 chat with a user the bot has not talked to."""
        service_url = address.service_url or await self.db(
            self.state.any_service_url, ws, address.workspace
        )
        if not service_url:
            raise DeliveryError("no_service_url")
        params = ConversationParameters(
            is_group=False,
            bot=ChannelAccount(id=self.app_id or "bot"),
            members=[ChannelAccount(id=address.conversation_id)],
            tenant_id=address.workspace,
            channel_data={"tenant": {"id": address.workspace}},
        )
        created: list[ConversationReference] = []

        async def capture(context: TurnContext) -> None:
            created.append(TurnContext.get_conversation_reference(context.activity))

        await self._retrying(
            lambda: self.adapter.create_conversation(
                self.app_id, capture, params, "msteams", service_url
            ),
            address,
            ws,
        )
        reference = created[0]
        reference.conversation.tenant_id = address.workspace
        await self.db(
            self.state.save,
            ws,
            tenant_id=address.workspace,
            conversation_id=reference.conversation.id,
            service_url=service_url,
            reference=reference.serialize(),
            conversation_type="personal",
            user_id=address.conversation_id,
        )
        return reference

    # -- sending -------------------------------------------------------------------------
    async def send(self, address: Address, reply: Reply) -> str:
        ws, reference = await self.reference(address)
        sent: list[str] = []

        async def logic(context: TurnContext) -> None:
            # POST /v3/conversations/{id}/activities (a new message, not a reply to the
            # continuation activity's made-up id; channel threads are in the conversation id)
            activity = TurnContext.apply_conversation_reference(to_activity(reply), reference)
            activity.reply_to_id = None
            connector = own_retries(context)
            response = await connector.conversations.send_to_conversation(
                activity.conversation.id, activity
            )
            sent.append(str(response.id) if response and response.id else "")

        await self._retrying(
            lambda: self.adapter.continue_conversation(reference, logic, self.app_id),
            address,
            ws,
            conversation_id=reference.conversation.id,
        )
        return sent[-1] if sent else ""

    async def update(self, address: Address, activity_id: str, reply: Reply) -> None:
        ws, reference = await self.reference(address)

        async def logic(context: TurnContext) -> None:
            activity = to_activity(reply)
            activity.id = activity_id
            activity.conversation = reference.conversation
            own_retries(context)
            await context.update_activity(activity)

        await self._retrying(
            lambda: self.adapter.continue_conversation(reference, logic, self.app_id),
            address,
            ws,
            conversation_id=reference.conversation.id,
        )

    async def _retrying(
        self,
        call: Callable[[], Awaitable[Any]],
        address: Address,
        ws: int,
        *,
        conversation_id: str | None = None,
    ) -> Any:
        for attempt in range(1, TRIES + 1):
            try:
                return await call()
            except HttpOperationError as exc:
                status = status_of(exc)
                if status == 403:
                    code = error_code(exc)
                    target = conversation_id or address.conversation_id
                    await self.db(self.state.deactivate, ws, target, code)
                    self.on_inactive(ws, target)
                    log.warning("Teams refused writes to %s (%s): marked inactive", target, code)
                    raise DeliveryError(code, permanent=True) from exc
                if status == 404:
                    raise DeliveryError("conversation_not_found", permanent=True) from exc
                if status in RETRY_STATUSES and attempt < TRIES:
                    delay = self._delay(attempt, retry_after(exc))
                    log.info("Bot Connector said %s; retrying in %.2fs", status, delay)
                    await asyncio.sleep(delay)
                    continue
                raise DeliveryError(f"http_{status}", permanent=False) from exc
            except LoginTimeout as exc:
                # Each try would wait the whole login timeout again: the next sweep retries.
                raise DeliveryError("login_timeout", permanent=False) from exc
            except PermissionError as exc:
                # The identity platform refused our app credentials: no retry fixes that, and
                # it is not the conversation's fault (permanent would disable the target).
                log.error(
                    "Teams could not get an app token (check MICROSOFT_APP_ID and "
                    "MICROSOFT_APP_PASSWORD): %s",
                    exc,
                )
                raise DeliveryError("app_token_refused", permanent=False) from exc
            except (OSError, TimeoutError, ClientRequestError) as exc:
                if attempt < TRIES:
                    await asyncio.sleep(self._delay(attempt, None))
                    continue
                raise DeliveryError(f"connection_failed: {exc}", permanent=False) from exc
        raise AssertionError("unreachable")

    def _delay(self, attempt: int, hinted: float | None) -> float:
        """Exponential backoff with full jitter; a Retry-After hint sets the floor."""
        ceiling = min(MAX_DELAY, self.base_delay * 2 ** (attempt - 1))
        delay = random.uniform(0, ceiling)
        return max(delay, min(hinted, MAX_DELAY)) if hinted else delay
