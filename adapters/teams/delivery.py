"""Putting rendered Replies into Teams through the Bot Connector: `continue_conversation`
on a stored reference, then `send_activity` / `update_activity` in that proactive turn.

429, 412, 502 and 504 and dropped connections are retried by tenacity with exponential
backoff and full jitter, a Retry-After hint setting the floor (3 tries in all); 403
(MessageWritesBlocked: the user blocked the bot, or it was removed) marks the reference
inactive and raises DeliveryError, so the clock stops sending there.
"""

from __future__ import annotations

import json
import logging
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
from tenacity import AsyncRetrying, RetryCallState, stop_after_attempt, wait_random_exponential

from adapters.teams.connectors import without_retries
from adapters.teams.inbound import join_thread
from adapters.teams.logins import LoginTimeout
from adapters.teams.render import attachment, summary
from bot.messages import Address, Reply
from bot.ports import DeliveryError
from persona_store.platforms.teams import ConversationRef, TeamsStore

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

    async def members(self, address: Address) -> frozenset[str] | None:
        """The conversation's roster (GET /v3/conversations/{id}/members), asked once; None
        when Teams cannot tell (no reference, a refusal, a timeout)."""
        found: list[str] = []

        async def logic(context: TurnContext) -> None:
            connector = own_retries(context)
            accounts = await connector.conversations.get_conversation_members(
                reference.conversation.id
            )
            found.extend(str(a.id) for a in accounts or () if a.id)

        try:
            _, reference = await self.reference(address)
            await self.adapter.continue_conversation(reference, logic, self.app_id)
        except Exception as exc:  # a read: never marks the conversation inactive
            log.warning("members of %s unknown: %r", address.conversation_id, exc)
            return None
        return frozenset(found)

    async def _retrying(
        self,
        call: Callable[[], Awaitable[Any]],
        address: Address,
        ws: int,
        *,
        conversation_id: str | None = None,
    ) -> Any:
        retrying = AsyncRetrying(
            retry=lambda state: state.outcome is not None and retryable(state.outcome.exception()),
            stop=stop_after_attempt(TRIES),
            wait=backoff(self.base_delay),
            before_sleep=_log_retry,
            reraise=True,  # the last failure itself, turned into a DeliveryError below
        )
        try:
            async for attempt in retrying:
                with attempt:
                    return await call()
        except Exception as exc:
            failure = await self._failure(exc, address, ws, conversation_id)
            if failure is exc:
                raise
            raise failure from exc
        raise AssertionError("unreachable: tenacity returns or raises")

    async def _failure(
        self, exc: Exception, address: Address, ws: int, conversation_id: str | None
    ) -> Exception:
        """The DeliveryError for a call that failed for good (retries spent or pointless)."""
        if isinstance(exc, HttpOperationError):
            status = status_of(exc)
            if status == 403:
                code = error_code(exc)
                target = conversation_id or address.conversation_id
                await self.db(self.state.deactivate, ws, target, code)
                self.on_inactive(ws, target)
                log.warning("Teams refused writes to %s (%s): marked inactive", target, code)
                return DeliveryError(code, permanent=True)
            if status == 404:
                return DeliveryError("conversation_not_found", permanent=True)
            return DeliveryError(f"http_{status}", permanent=False)
        if isinstance(exc, LoginTimeout):
            # Each try would wait the whole login timeout again: the next sweep retries.
            return DeliveryError("login_timeout", permanent=False)
        if isinstance(exc, PermissionError):
            # The identity platform refused our app credentials: no retry fixes that, and
            # it is not the conversation's fault (permanent would disable the target).
            log.error(
                "Teams could not get an app token (check MICROSOFT_APP_ID and "
                "MICROSOFT_APP_PASSWORD): %s",
                exc,
            )
            return DeliveryError("app_token_refused", permanent=False)
        if isinstance(exc, (OSError, TimeoutError, ClientRequestError)):
            return DeliveryError(f"connection_failed: {exc}", permanent=False)
        return exc


def retryable(exc: BaseException | None) -> bool:
    """What a second try can fix: a busy or briefly failing Bot Connector (429, 412, 502,
    504) or a dropped connection; never a refusal, a login timeout or refused credentials."""
    if isinstance(exc, HttpOperationError):
        return status_of(exc) in RETRY_STATUSES
    if isinstance(exc, (LoginTimeout, PermissionError)):  # both are OSErrors
        return False
    return isinstance(exc, (OSError, TimeoutError, ClientRequestError))


def backoff(base_delay: float) -> Callable[[RetryCallState], float]:
    """Exponential backoff with full jitter (uniform in 0..base*2^(n-1), at most MAX_DELAY);
    a Retry-After hint sets the floor."""
    jitter = wait_random_exponential(multiplier=base_delay, max=MAX_DELAY)

    def wait(state: RetryCallState) -> float:
        delay = jitter(state)
        exc = state.outcome.exception() if state.outcome is not None else None
        hinted = retry_after(exc) if exc is not None else None
        return max(delay, min(hinted, MAX_DELAY)) if hinted else delay

    return wait


def _log_retry(state: RetryCallState) -> None:
    exc = state.outcome.exception() if state.outcome is not None else None
    delay = state.next_action.sleep if state.next_action is not None else 0.0
    reason = status_of(exc) if exc is not None and status_of(exc) else repr(exc)
    log.info("Bot Connector said %s; retrying in %.2fs", reason, delay)
