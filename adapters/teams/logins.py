"""Calls to the Microsoft identity platform, made in a worker thread with a deadline.

botbuilder 4.17.1 and MSAL fetch with synchronous `requests` and no timeout: Bot Framework's
signing keys (OpenID metadata, then its JWKS) when botbuilder's day-old copy is stale or a
token names a key it does not know, and the bot's app token (client credentials) when MSAL's
cache has none it would still serve. On the event loop each fetch stalled the whole web
process (Slack, the playground, /healthz, the clock's sends) for as long as the login server
took, for ever if it hung. Here such a fetch runs in a thread, only when botbuilder or MSAL
would fetch (warm caches cost no thread hop); concurrent callers share one fetch; a caller
waits at most `timeout`. An unreachable or silent login server is a
`requests.RequestException`: 503 at /api/messages, a transient DeliveryError for a send
(delivery.py ends the send at once on a LoginTimeout, which the clock's next sweep retries);
a refused app token stays botbuilder's PermissionError (delivery.py: `app_token_refused`).
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Awaitable, Callable, Hashable
from datetime import datetime
from typing import Any
from weakref import WeakKeyDictionary

import requests
from botframework.connector.auth import (
    AuthenticationConstants,
    ChannelValidation,
    GovernmentChannelValidation,
    GovernmentConstants,
    MicrosoftAppCredentials,
)
from botframework.connector.auth.jwt_token_extractor import JwtTokenExtractor, _OpenIdMetadata
from msal import ConfidentialClientApplication

LOGIN_TIMEOUT = 10.0  # seconds a request waits for keys or a token
RENEW_AHEAD = 60.0  # an app token MSAL would stop serving this soon is replaced in the thread
MSAL_EXPIRY_MARGIN = 300  # MSAL refetches an access token with under 5 minutes left

ToThread = Callable[..., Awaitable[Any]]


class LoginTimeout(requests.Timeout):
    """The identity platform did not answer within the timeout."""


class Logins:
    """Runs blocking identity-platform calls off the event loop, one at a time per key."""

    def __init__(self, timeout: float = LOGIN_TIMEOUT, to_thread: ToThread = asyncio.to_thread):
        self.timeout = timeout
        self.to_thread = to_thread
        self.renew_ahead = RENEW_AHEAD
        self._inflight: dict[Hashable, asyncio.Future[Any]] = {}
        self._token_good_until: WeakKeyDictionary[Any, float] = WeakKeyDictionary()

    async def call(self, key: Hashable, fn: Callable[..., Any], *args: Any) -> Any:
        """`fn(*args)` in a worker thread; callers with the same key while it runs share it.
        A caller gives up after `timeout` (the thread ends on requests' own timeout); the
        call goes on, so the next caller waits for it rather than starting another."""
        task = self._inflight.get(key)
        if task is None:
            task = asyncio.ensure_future(self.to_thread(fn, *args))
            self._inflight[key] = task
            task.add_done_callback(lambda done: self._finished(key, done))
        try:
            return await asyncio.wait_for(asyncio.shield(task), self.timeout)
        except TimeoutError as exc:
            raise LoginTimeout(f"{fn.__name__}: no answer within {self.timeout:g}s") from exc

    def _finished(self, key: Hashable, task: asyncio.Future[Any]) -> None:
        if self._inflight.get(key) is task:
            del self._inflight[key]
        if not task.cancelled():
            task.exception()  # retrieved: a caller that timed out no longer awaits it

    async def ensure_app_token(self, credentials: Any) -> None:
        """Before a connector client sends: MSAL's cache holds an app token it will serve for
        a while (fetched or renewed in a thread when not), so botbuilder's `signed_session`
        on the loop is a cache hit. Raises PermissionError when the platform refuses."""
        if not getattr(credentials, "microsoft_app_id", None):
            return  # local testing: botbuilder sends no token
        if time.time() < self._token_good_until.get(credentials, 0.0):
            return
        until = await self.call(
            ("app-token", id(credentials)),
            renew_app_token,
            credentials,
            self.timeout,
            self.renew_ahead,
        )
        self._token_good_until[credentials] = until - self.renew_ahead


def signing_key_urls(configuration: Any) -> tuple[str, ...]:
    """The OpenID metadata URLs botbuilder may check a token against (channel, emulator or
    skill, public or government cloud, or the configuration's own)."""
    urls = (
        getattr(configuration, "TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL", None),
        getattr(configuration, "TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL", None),
        ChannelValidation.open_id_metadata_endpoint,
        GovernmentChannelValidation.OPEN_ID_METADATA_ENDPOINT,
        AuthenticationConstants.TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL,
        AuthenticationConstants.TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL,
        GovernmentConstants.TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL,
        GovernmentConstants.TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL,
    )
    return tuple(dict.fromkeys(url for url in urls if url))


def refresh_signing_keys_off_loop(urls: tuple[str, ...], logins: Logins) -> None:
    """botbuilder keeps one `_OpenIdMetadata` per URL in a process-wide dict and asks it
    for a token's key: each entry becomes one whose refresh runs through `logins` (a few
    dict look-ups per request once done)."""
    cache = JwtTokenExtractor.metadataCache
    for url in urls:
        current = cache.get(url)
        if not (isinstance(current, OffLoopOpenIdMetadata) and current.logins is logins):
            cache[url] = OffLoopOpenIdMetadata(url, logins, current)


class OffLoopOpenIdMetadata(_OpenIdMetadata):
    """botbuilder's cache of one metadata URL's signing keys; botbuilder still decides when
    to refresh it (a day old, or an unknown key id at most hourly), the refresh runs in a
    worker thread."""

    def __init__(self, url: str, logins: Logins, previous: Any = None) -> None:
        super().__init__(url)
        self.logins = logins
        if previous is not None:  # keep what botbuilder already fetched
            self.keys, self.last_updated = previous.keys, previous.last_updated

    def _find(self, key_id: str) -> Any:
        """None for a key id not published: botbuilder's raises IndexError, so its hourly
        second look for a key published since the last refresh (a rotation) never ran."""
        if not any(key.get("kid") == key_id for key in self.keys):
            return None
        return super()._find(key_id)

    async def _refresh(self) -> None:
        await self.logins.call(
            ("signing-keys", self.url), refresh_signing_keys, self, self.logins.timeout
        )


def refresh_signing_keys(metadata: _OpenIdMetadata, timeout: float) -> None:
    """botbuilder's `_OpenIdMetadata._refresh` with a timeout, in a worker thread: the
    metadata, then its JWKS. The keys are stored here, so keys that come after the request
    that wanted them gave up still serve the next one."""
    response = requests.get(metadata.url, timeout=timeout)
    response.raise_for_status()
    keys = requests.get(response.json()["jwks_uri"], timeout=timeout)
    keys.raise_for_status()
    metadata.keys = list(keys.json()["keys"])  # one assignment each: the loop reads either
    metadata.last_updated = datetime.now()  # naive local time, as botbuilder compares it


def renew_app_token(credentials: Any, timeout: float, renew_ahead: float) -> float:
    """In a worker thread: botbuilder's own `get_access_token` (MSAL's cache, else the token
    endpoint), once more after dropping the token when MSAL would stop serving it within
    `renew_ahead` seconds. Returns when MSAL stops serving the token from its cache (epoch
    seconds; 0 when it cannot be told, so the next send asks again)."""
    if isinstance(credentials, MicrosoftAppCredentials) and credentials.app is None:
        # the application botbuilder would build, plus a timeout for its requests (its
        # constructor already fetches the tenant's metadata)
        credentials.app = ConfidentialClientApplication(
            client_id=credentials.microsoft_app_id,
            client_credential=credentials.microsoft_app_password,
            authority=credentials.oauth_endpoint,
            timeout=timeout,
        )
    until = 0.0
    for _ in range(2):
        token = credentials.get_access_token()
        cache = _token_cache(credentials)
        entry = _cached_access_token(cache, token)
        if entry is None:
            return 0.0
        until = min(
            float(entry["expires_on"]) - MSAL_EXPIRY_MARGIN,
            float(entry.get("refresh_on") or math.inf),  # MSAL refreshes "aging" tokens
        )
        if until - time.time() > renew_ahead:
            break
        cache.remove_at(entry)
    return until


def _token_cache(credentials: Any) -> Any:
    """MSAL's cache behind the credentials (a managed identity's is a class attribute)."""
    cache = getattr(getattr(credentials, "app", None), "token_cache", None)
    return cache if cache is not None else getattr(credentials, "global_token_cache", None)


def _cached_access_token(cache: Any, token: str) -> dict[str, Any] | None:
    if cache is None:
        return None
    for entry in cache.search(cache.CredentialType.ACCESS_TOKEN):
        if entry.get("secret") == token:
            return dict(entry)
    return None
