"""Slack Web API and response_url clients with the retries Slack asks for.

Every Web API call goes to `SLACK_API_URL` (tests, GovSlack), retries 429s honouring
Retry-After, and retries dropped connections. response_url posts get the same treatment.
"""

from __future__ import annotations

import logging
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.ports import DeliveryError

log = logging.getLogger(__name__)

CALL_TIMEOUT_S = 15  # one Web API or response_url call, connect to last byte
CONNECT_TIMEOUT_S = 5


# Errors that retrying will not fix: the clock disables the target instead.
PERMANENT_ERRORS = frozenset(
    {
        "channel_not_found",
        "not_in_channel",
        "is_archived",
        "account_inactive",
        "user_not_found",
        "user_disabled",
        "cannot_dm_bot",
        "invalid_auth",
        "not_authed",
        "token_revoked",
        "team_access_not_granted",
        "message_not_found",
        "cant_update_message",
    }
)


# Calls that change nothing more when repeated. Anything else (chat.postMessage,
# chat.postEphemeral, views.open, response_url posts) is sent again only when it provably
# never left: a second post after a lost answer is a second message in the channel.
IDEMPOTENT_METHODS = frozenset(
    {
        "auth.test",
        "chat.delete",
        "chat.update",
        "conversations.history",
        "conversations.info",
        "conversations.open",
        "users.info",
        "views.publish",
        "views.update",
    }
)


def idempotent(url: str) -> bool:
    return url.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1] in IDEMPOTENT_METHODS


def never_sent(error: BaseException | None) -> bool:
    """The connection was never made, so the request never reached Slack."""
    return isinstance(error, (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError))


class SafeConnectionErrorRetryHandler(AsyncConnectionErrorRetryHandler):
    """Retries a dropped connection only when repeating the call is harmless."""

    async def _can_retry_async(self, *, state: RetryState, request: HttpRequest,
                                response: HttpResponse | None = None,
                                error: Exception | None = None) -> bool:  # fmt: skip
        if not await super()._can_retry_async(
            state=state, request=request, response=response, error=error
        ):
            return False
        return idempotent(request.url) or never_sent(error)


class SafeServerErrorRetryHandler(AsyncServerErrorRetryHandler):
    """A 5xx may come after Slack carried the call out: retried for idempotent calls only."""

    async def _can_retry_async(self, *, state: RetryState, request: HttpRequest,
                                response: HttpResponse | None = None,
                                error: Exception | None = None) -> bool:  # fmt: skip
        return idempotent(request.url) and await super()._can_retry_async(
            state=state, request=request, response=response, error=error
        )


def retry_handlers() -> list[AsyncRetryHandler]:
    return [
        AsyncRateLimitErrorRetryHandler(max_retry_count=3),  # a 429 did nothing
        SafeConnectionErrorRetryHandler(max_retry_count=2),
        SafeServerErrorRetryHandler(max_retry_count=1),
    ]


def transport_error(exc: aiohttp.ClientError | TimeoutError) -> DeliveryError:
    """A call that got no answer. Unless it never left, Slack may have carried it out:
    `uncertain`, so the clock does not post it again."""
    if never_sent(exc):
        return DeliveryError("connection_failed", permanent=False)
    return DeliveryError("outcome_unknown", permanent=False, uncertain=True)


def web_client(
    api_url: str, token: str | None = None, *, timeout: int = CALL_TIMEOUT_S
) -> AsyncWebClient:
    base = api_url if api_url.endswith("/") else api_url + "/"
    return AsyncWebClient(
        token=token, base_url=base, timeout=timeout, retry_handlers=retry_handlers()
    )


def delivery_error(exc: SlackApiError) -> DeliveryError:
    reason = str(exc.response.get("error") or "unknown_error")
    return DeliveryError(reason, permanent=reason in PERMANENT_ERRORS)


def shared_session(timeout: float = CALL_TIMEOUT_S) -> aiohttp.ClientSession:
    """One connection pool for every Web API and response_url call of the process (a new
    TCP connection per call costs more than the call under a burst). Its timeout is the
    only one that applies: slack_sdk passes its own `timeout` only to sessions it creates,
    and without one aiohttp waits 300 s on a Slack that does not answer."""
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=100),
        timeout=aiohttp.ClientTimeout(total=timeout, connect=min(CONNECT_TIMEOUT_S, timeout)),
    )


async def post_response_url(
    url: str, body: dict[str, Any], session: aiohttp.ClientSession | None = None
) -> bool:
    """POST to an interaction's response_url (valid 30 minutes, 5 times)."""
    client = AsyncWebhookClient(
        url, timeout=CALL_TIMEOUT_S, retry_handlers=retry_handlers(), session=session
    )
    resp = await client.send_dict(body)
    if resp.status_code != 200:
        log.warning("response_url answered %s: %s", resp.status_code, resp.body[:200])
        return False
    return True
