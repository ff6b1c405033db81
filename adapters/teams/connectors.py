"""Bot Connector clients reused per serviceUrl.

botbuilder builds a new ConnectorClient for every inbound activity and every proactive turn;
each one builds msrest's retry policy and serializers (about 8 ms of CPU apiece here), which
under 50 concurrent invokes was most of the latency. The clients are stateless apart from
their credentials (which cache and refresh their own token), so one per (app id, serviceUrl,
audience) is kept. msrest's own retries are switched off: delivery.py retries with jitter
and never retries a 403.

A token botbuilder cannot verify is a PermissionError (401 at /api/messages): botbuilder
4.17.1 raises IndexError for a key id missing from the published keys and a bare Exception
for a key not endorsed for the activity's channel, which would otherwise be a 500.

Blocking fetches from the identity platform run in a worker thread (logins.py): the signing
keys when botbuilder refreshes them, and the app token before a proactive turn (every send
is one: the handler and the clock send through delivery.py) whose client has no token MSAL
would still serve. An inbound turn's client sends nothing, so it fetches no token.
"""

from __future__ import annotations

import asyncio
from typing import Any

import requests
from botbuilder.integration.aiohttp import ConfigurationBotFrameworkAuthentication
from botframework.connector.auth import (
    AuthenticateRequestResult,
    ClaimsIdentity,
    ConnectorFactory,
)
from botframework.connector.auth._built_in_bot_framework_authentication import (
    _BuiltinBotFrameworkAuthentication,
)

from adapters.teams.logins import (
    LOGIN_TIMEOUT,
    Logins,
    ToThread,
    refresh_signing_keys_off_loop,
    signing_key_urls,
)

MAX_CLIENTS = 256


CONNECTOR_TIMEOUT_S = 15  # a Bot Connector call (msrest's default is 100 s)


def without_retries(client: Any) -> Any:
    policy = client.config.retry_policy
    policy.retries = 0
    policy.policy.status_forcelist = set()  # statuses come back to us as errors
    client.config.connection.timeout = CONNECTOR_TIMEOUT_S
    return client


class CachedConnectorFactory(ConnectorFactory):
    def __init__(
        self,
        inner: ConnectorFactory,
        cache: dict[tuple[Any, ...], Any],
        logins: Logins | None = None,  # given: the client's app token is made ready first
    ) -> None:
        self._inner = inner
        self._cache = cache
        self._logins = logins

    async def create(self, service_url: str, audience: str = None) -> Any:  # type: ignore[assignment]
        key = (getattr(self._inner, "_app_id", None), service_url, audience)
        client = self._cache.get(key)
        if client is None:
            client = without_retries(await self._inner.create(service_url, audience))
            if len(self._cache) >= MAX_CLIENTS:
                self._cache.clear()
            self._cache[key] = client
        if self._logins is not None:
            await self._logins.ensure_app_token(client.config.credentials)
        return client


class CachingBotFrameworkAuthentication(ConfigurationBotFrameworkAuthentication):
    """ConfigurationBotFrameworkAuthentication whose connector factories share clients."""

    def __init__(
        self,
        configuration: Any,
        *,
        login_timeout: float = LOGIN_TIMEOUT,
        to_thread: ToThread = asyncio.to_thread,
        **kwargs: Any,
    ) -> None:
        super().__init__(configuration, **kwargs)
        self._clients: dict[tuple[Any, ...], Any] = {}
        self.logins = Logins(login_timeout, to_thread)
        self._key_urls = signing_key_urls(configuration)

    async def authenticate_request(
        self, activity: Any, auth_header: str
    ) -> AuthenticateRequestResult:
        if auth_header:
            refresh_signing_keys_off_loop(self._key_urls, self.logins)
        try:
            result = await super().authenticate_request(activity, auth_header)
        except (PermissionError, requests.RequestException):  # 401, or keys unreachable (503)
            raise
        except Exception as exc:
            raise PermissionError(f"Bot Framework token not verified: {exc!r}") from exc
        result.connector_factory = CachedConnectorFactory(result.connector_factory, self._clients)
        return result

    async def create_user_token_client(self, claims_identity: ClaimsIdentity) -> Any:
        """Built for every turn too (it is unused unless the bot signs users in)."""
        key = ("user-token", _BuiltinBotFrameworkAuthentication.get_app_id(claims_identity))
        client = self._clients.get(key)
        if client is None:
            client = await super().create_user_token_client(claims_identity)
            self._clients[key] = client
        return client

    def create_connector_factory(self, claims_identity: ClaimsIdentity) -> ConnectorFactory:
        """For proactive turns (continue_conversation, create_conversation): they send."""
        inner = super().create_connector_factory(claims_identity)
        return CachedConnectorFactory(inner, self._clients, self.logins)
