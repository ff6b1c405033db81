"""A fake Bot Connector (the Bot Framework REST API Teams exposes at an activity's serviceUrl),
served by aiohttp on 127.0.0.1 so botbuilder's real ConnectorClient talks HTTP to it.

Records `POST /v3/conversations/{id}/activities`, `POST …/activities/{replyToId}`,
`PUT …/activities/{id}` and `POST /v3/conversations` (create a 1:1 chat). Failures can be
scripted per route: `fail_next("send", 429, n=1)`, `fail_next("update", 403, code=...)`.
With `authorize` set (e.g. MicrosoftLogin.accepts), a call whose Authorization header it
refuses gets 401 and is not recorded, as the real service answers a bot without a valid token.
Every Adaptive Card attachment is checked against the official schema and Teams' rules
(tests/adaptive_cards.py): a card Teams would refuse gets a 400 and is listed in `rejected`,
which the Teams test environment asserts empty at teardown.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.adaptive_cards import AdaptiveCardError, check_card, handled_verbs, validator

CARD = "application/vnd.microsoft.card.adaptive"


@dataclass
class Call:
    method: str  # "send" | "reply" | "update" | "create" | "members"
    conversation_id: str
    activity_id: str | None
    body: dict[str, Any]
    authorization: str | None


@dataclass
class Failure:
    status: int
    code: str
    remaining: int
    retry_after: str = "0"  # the Retry-After header of a 429


@dataclass
class BotConnector:
    calls: list[Call] = field(default_factory=list)
    failures: dict[str, list[Failure]] = field(default_factory=dict)
    attempts: dict[str, int] = field(default_factory=dict)
    attempted_at: dict[str, list[float]] = field(default_factory=dict)  # time.monotonic()
    delay: float = 0.0
    authorize: Callable[[str | None], bool] | None = None
    unauthorized: list[str | None] = field(default_factory=list)  # refused Authorization headers
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))
    _runner: web.AppRunner | None = None
    url: str = ""
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    rejected: list[str] = field(default_factory=list)  # why Teams would have refused a card
    # GET /v3/conversations/{conv}/members: conversation -> its members' ids (a conversation
    # not here is answered 404 NotFound)
    rosters: dict[str, list[str]] = field(default_factory=dict)

    def fail_next(
        self, method: str, status: int, *, n: int = 1, code: str = "", retry_after: str = "0"
    ) -> None:
        if not code:
            code = {
                403: "ConversationBlockedByUser",
                429: "TooManyRequests",
                412: "PreconditionFailed",
                502: "BadGateway",
                504: "GatewayTimeout",
            }.get(status, "ServiceError")
        self.failures.setdefault(method, []).append(Failure(status, code, n, retry_after))

    # -- recorded traffic ------------------------------------------------------------------
    def of(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    @property
    def posted(self) -> list[Call]:
        """Every new activity (send and reply)."""
        return [c for c in self.calls if c.method in ("send", "reply")]

    async def wait_for(self, predicate: Any, timeout: float = 10.0) -> None:
        async def poll() -> None:
            while not predicate():
                self.changed.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.changed.wait(), 0.2)

        await asyncio.wait_for(poll(), timeout)

    # -- server ----------------------------------------------------------------------------
    async def start(self) -> str:
        # Load the card schema and the bot's verbs now, not while a test's bot waits on us.
        handled_verbs()
        validator()
        app = web.Application()
        app.router.add_post("/v3/conversations", self._create)
        app.router.add_post("/v3/conversations/{conv}/activities", self._send)
        app.router.add_post("/v3/conversations/{conv}/activities/{aid}", self._reply)
        app.router.add_put("/v3/conversations/{conv}/activities/{aid}", self._update)
        app.router.add_get("/v3/conversations/{conv}/members", self._members)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}/"
        return self.url

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def _failure(self, method: str, request: web.Request) -> web.Response | None:
        self.attempts[method] = self.attempts.get(method, 0) + 1
        self.attempted_at.setdefault(method, []).append(time.monotonic())
        header = request.headers.get("Authorization")
        if self.authorize is not None and not self.authorize(header):
            self.unauthorized.append(header)
            self.changed.set()
            body = {"error": {"code": "Unauthorized", "message": "Authorization has been denied"}}
            return web.json_response(body, status=401)
        queue = self.failures.get(method) or []
        if not queue:
            return None
        failure = queue[0]
        failure.remaining -= 1
        if failure.remaining <= 0:
            queue.pop(0)
        body: dict[str, Any] = {"error": {"code": failure.code, "message": "scripted failure"}}
        if failure.status == 403:
            body["subCode"] = "MessageWritesBlocked"
        headers = {"Retry-After": failure.retry_after} if failure.status == 429 else None
        return web.json_response(body, status=failure.status, headers=headers)

    async def _record(
        self, request: web.Request, method: str, activity_id: str | None
    ) -> dict[str, Any]:
        body = await request.json()
        if self.delay:
            await asyncio.sleep(self.delay)
        self.calls.append(
            Call(
                method,
                request.match_info.get("conv", ""),
                activity_id,
                body,
                request.headers.get("Authorization"),
            )
        )
        self.changed.set()
        return body

    def _refused(self, body: dict[str, Any]) -> web.Response | None:
        """The 400 Teams answers for a card it cannot render, or None when every card is fine."""
        for attachment in body.get("attachments") or []:
            if attachment.get("contentType") != CARD:
                continue
            try:
                check_card(attachment.get("content"), verbs=handled_verbs())
            except AdaptiveCardError as exc:
                self.rejected.append(str(exc))
                error = {"code": "BadArgument", "message": f"invalid card: {exc}"}
                return web.json_response({"error": error}, status=400)
        return None

    async def _send(self, request: web.Request) -> web.Response:
        if (failed := self._failure("send", request)) is not None:
            return failed
        if (refused := self._refused(await self._record(request, "send", None))) is not None:
            return refused
        return web.json_response({"id": f"act-{next(self._ids)}"}, status=201)

    async def _reply(self, request: web.Request) -> web.Response:
        if (failed := self._failure("send", request)) is not None:
            return failed
        body = await self._record(request, "reply", request.match_info["aid"])
        if (refused := self._refused(body)) is not None:
            return refused
        return web.json_response({"id": f"act-{next(self._ids)}"}, status=201)

    async def _update(self, request: web.Request) -> web.Response:
        if (failed := self._failure("update", request)) is not None:
            return failed
        aid = request.match_info["aid"]
        if (refused := self._refused(await self._record(request, "update", aid))) is not None:
            return refused
        return web.json_response({"id": aid}, status=200)

    async def _members(self, request: web.Request) -> web.Response:
        if (failed := self._failure("members", request)) is not None:
            return failed
        conv = request.match_info["conv"]
        self.calls.append(Call("members", conv, None, {}, request.headers.get("Authorization")))
        self.changed.set()
        if conv not in self.rosters:
            body = {"error": {"code": "NotFound", "message": "conversation not found"}}
            return web.json_response(body, status=404)
        return web.json_response([{"id": m, "name": m} for m in self.rosters[conv]])

    async def _create(self, request: web.Request) -> web.Response:
        if (failed := self._failure("create", request)) is not None:
            return failed
        body = await request.json()
        conv = f"a:dm-{next(self._ids)}"
        self.calls.append(Call("create", conv, None, body, request.headers.get("Authorization")))
        self.changed.set()
        return web.json_response({"id": conv, "serviceUrl": self.url}, status=201)
