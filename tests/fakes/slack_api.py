"""A fake Slack Web API on 127.0.0.1 (a real aiohttp server), plus a fake Slack that sends
signed requests to the bot, in the shapes Slack documents.

The bot's real slack_sdk client talks to it through `SLACK_API_URL`. It records every call
(chat.postMessage, chat.update, chat.postEphemeral, views.open, views.publish,
conversations.open, …) and every response_url post, and can be told to answer with a 429
(Retry-After) or an `ok: false` error. Blocks and views are checked by Slack's own models
(tests/slack_models.py): what Slack would refuse gets its `invalid_blocks` answer and is listed
in `rejected`, which the test environments assert empty at teardown.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import aiohttp
from aiohttp import web

from tests.slack_models import BlockKitError, check_blocks, check_view

BLOCK_METHODS = ("chat.postMessage", "chat.update", "chat.postEphemeral", "chat.scheduleMessage")
VIEW_METHODS = ("views.open", "views.publish", "views.update", "views.push")


@dataclass
class Call:
    method: str  # "chat.postMessage" … or "response_url"
    args: dict[str, Any]
    key: str = ""  # response_url id
    at: float = field(default_factory=time.perf_counter)  # when it arrived


@dataclass
class Failure:
    status: int = 200
    error: str | None = None
    retry_after: int | None = None


@dataclass
class FakeSlackApi:
    team_id: str = "T0001"
    bot_user_id: str = "UBOT"
    calls: list[Call] = field(default_factory=list)
    failures: dict[str, list[Failure]] = field(default_factory=dict)
    attempts: dict[str, int] = field(default_factory=dict)
    _ts: itertools.count = field(default_factory=lambda: itertools.count(1))
    _runner: web.AppRunner | None = None
    url: str = ""
    _changed: asyncio.Condition | None = None
    sockets: list[web.WebSocketResponse] = field(default_factory=list)
    socket_acks: dict[str, dict[str, Any]] = field(default_factory=dict)
    socket_connected: asyncio.Event = field(default_factory=asyncio.Event)
    admins: set[str] = field(default_factory=set)  # users.info says is_admin for these
    names: dict[str, str] = field(default_factory=dict)  # users.info real_name by user id
    # (method, channel) -> seconds a call waits before it is answered (a slow Slack)
    stalls: dict[tuple[str, str], float] = field(default_factory=dict)
    # method -> calls still to accept (recorded, answered ok) whose connection is then dropped
    # before the answer is sent: a response lost on the way back
    drops: dict[str, int] = field(default_factory=dict)
    _released: asyncio.Event = field(default_factory=asyncio.Event)
    rejected: list[str] = field(default_factory=list)  # why Slack would have refused a call
    # conversations.members: channel -> its members (a channel not here is channel_not_found)
    members: dict[str, list[str]] = field(default_factory=dict)
    members_page: int = 1000  # members per page (a small one makes the bot follow cursors)

    async def start(self) -> FakeSlackApi:
        app = web.Application()
        app.router.add_post("/api/{method}", self._api)
        app.router.add_get("/api/{method}", self._api)  # e.g. users.info is a GET
        app.router.add_post("/response/{key}", self._response_url)
        app.router.add_get("/socket", self._socket)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"
        self._changed = asyncio.Condition()
        return self

    async def stop(self) -> None:
        self._released.set()  # stalled calls end now
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_url(self) -> str:
        return self.url + "/api/"

    def response_url(self, key: str = "r1") -> str:
        return f"{self.url}/response/{key}"

    # -- scripting -----------------------------------------------------------------------
    def fail(
        self,
        method: str,
        *,
        status: int = 200,
        error: str | None = None,
        retry_after: int | None = None,
        times: int = 1,
    ) -> None:
        """The next `times` calls of `method` answer 429 (status=429) or ok:false (error)."""
        self.failures.setdefault(method, []).extend([Failure(status, error, retry_after)] * times)

    def stall(self, method: str, channel: str, seconds: float) -> None:
        """Calls of `method` to `channel` are answered only after `seconds` (or at stop)."""
        self.stalls[(method, channel)] = seconds

    def drop_after_accepting(self, method: str, times: int = 1) -> None:
        """The next `times` calls of `method` are carried out, then the connection is closed
        before the answer goes back (the bot cannot tell whether Slack got them)."""
        self.drops[method] = self.drops.get(method, 0) + times

    def of(self, method: str) -> list[dict[str, Any]]:
        return [c.args for c in self.calls if c.method == method]

    def responses(self, key: str | None = None) -> list[dict[str, Any]]:
        return [c.args for c in self.calls if c.method == "response_url" and key in (None, c.key)]

    async def wait_for(self, method: str, count: int = 1, timeout: float = 10.0) -> list[Any]:
        """Wait until `method` (or "response_url") was called `count` times."""
        assert self._changed is not None

        async def enough() -> None:
            async with self._changed:  # type: ignore[union-attr]
                await self._changed.wait_for(  # type: ignore[union-attr]
                    lambda: len([c for c in self.calls if c.method == method]) >= count
                )

        await asyncio.wait_for(enough(), timeout)
        return [c.args for c in self.calls if c.method == method]

    async def _record(self, call: Call) -> None:
        assert self._changed is not None
        async with self._changed:
            self.calls.append(call)
            self._changed.notify_all()

    # -- handlers ------------------------------------------------------------------------
    async def _args(self, request: web.Request) -> dict[str, Any]:
        raw = await request.text()
        if request.content_type == "application/json" and raw:
            args = json.loads(raw)
        else:
            args = dict(parse_qsl(raw))
            for key in ("blocks", "view", "attachments"):
                if isinstance(args.get(key), str):
                    args[key] = json.loads(args[key])
        args = {**dict(request.query), **args}  # some methods send params in the query
        auth = request.headers.get("Authorization", "")
        if auth:
            args["_token"] = auth.removeprefix("Bearer ")
        return args

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args = await self._args(request)
        self.attempts[method] = self.attempts.get(method, 0) + 1
        queue = self.failures.get(method)
        if queue:
            failure = queue.pop(0)
            if failure.status == 429:
                headers = {}
                if failure.retry_after is not None:
                    headers["Retry-After"] = str(failure.retry_after)
                return web.json_response(
                    {"ok": False, "error": "ratelimited"}, status=429, headers=headers
                )
            return web.json_response({"ok": False, "error": failure.error or "fatal_error"})
        stall = self.stalls.get((method, str(args.get("channel") or "")))
        if stall:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._released.wait(), stall)
        if method != "auth.test":
            await self._record(Call(method, args))
        problem = self._block_kit_problem(method, args)
        if problem:
            self.rejected.append(f"{method}: {problem}")
            return web.json_response({"ok": False, "error": "invalid_blocks", "errors": [problem]})
        answer = self._answer(method, args)
        if self.drops.get(method):
            self.drops[method] -= 1
            assert request.transport is not None
            request.transport.close()  # carried out, and the answer is lost
            raise asyncio.CancelledError
        return web.json_response(answer)

    @staticmethod
    def _block_kit_problem(method: str, args: dict[str, Any]) -> str | None:
        try:
            if method in BLOCK_METHODS and args.get("blocks") is not None:
                check_blocks(args["blocks"])
            if method in VIEW_METHODS:
                check_view(args.get("view") or {})
        except BlockKitError as exc:
            return str(exc)
        return None

    def _answer(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        if method == "auth.test":
            return {
                "ok": True,
                "url": "https://fake.slack.com/",
                "team": "Fake",
                "user": "personabot",
                "team_id": self.team_id,
                "user_id": self.bot_user_id,
                "bot_id": "BBOT",
            }
        if method == "chat.postMessage":
            ts = f"1700000000.{next(self._ts):06d}"
            return {"ok": True, "channel": args.get("channel"), "ts": ts, "message": args}
        if method == "chat.update":
            return {"ok": True, "channel": args.get("channel"), "ts": args.get("ts")}
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": f"1700000000.{next(self._ts):06d}"}
        if method == "chat.getPermalink":
            channel, ts = str(args.get("channel") or ""), str(args.get("message_ts") or "")
            if not channel or not ts:
                return {"ok": False, "error": "message_not_found"}
            link = f"https://fake.slack.com/archives/{channel}/p{ts.replace('.', '')}"
            return {"ok": True, "channel": channel, "permalink": link}
        if method == "conversations.open":
            users = str(args.get("users") or "")
            return {"ok": True, "channel": {"id": "D" + users.lstrip("UW")}}
        if method == "conversations.members":
            return self._members(args)
        if method == "users.info":
            user = str(args.get("user") or "")
            found = {"id": user, "is_admin": user in self.admins}
            if user in self.names:
                found["real_name"] = self.names[user]
            return {"ok": True, "user": found}
        if method == "oauth.v2.access":
            return {
                "ok": True,
                "access_token": "xoxb-installed",
                "token_type": "bot",
                "scope": "commands,chat:write,app_mentions:read",
                "bot_user_id": "UBOT2",
                "app_id": "A0APP",
                "team": {"name": "Other team", "id": "T0OTHER"},
                "enterprise": None,
                "authed_user": {"id": "U0ADMIN"},
                "is_enterprise_install": False,
            }
        if method == "apps.connections.open":
            return {"ok": True, "url": self.url.replace("http", "ws", 1) + "/socket"}
        if method in ("views.open", "views.publish", "views.update", "views.push"):
            return {"ok": True, "view": {"id": "V0001", **(args.get("view") or {})}}
        return {"ok": True}

    def _members(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = str(args.get("channel") or "")
        if channel not in self.members:
            return {"ok": False, "error": "channel_not_found"}
        start = int(args.get("cursor") or 0)
        size = min(int(args.get("limit") or 100), self.members_page)
        page = self.members[channel][start : start + size]
        more = start + size < len(self.members[channel])
        next_cursor = str(start + size) if more else ""
        return {"ok": True, "members": page, "response_metadata": {"next_cursor": next_cursor}}

    # -- Socket Mode -----------------------------------------------------------------------
    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self.sockets.append(ws)
        await ws.send_json({"type": "hello", "num_connections": 1, "debug_info": {}})
        self.socket_connected.set()
        async for msg in ws:
            if msg.type == aiohttp.WSMsgType.TEXT:
                data = json.loads(msg.data)
                if "envelope_id" in data:
                    self.socket_acks[data["envelope_id"]] = data
        return ws

    async def push(self, kind: str, payload: dict[str, Any], timeout: float = 5.0) -> dict:
        """Send one Socket Mode envelope (events_api, slash_commands, interactive) and wait
        for the app's ack on the WebSocket."""
        envelope_id = f"env-{next(self._ts)}"
        await self.sockets[-1].send_json(
            {
                "envelope_id": envelope_id,
                "type": kind,
                "payload": payload,
                "accepts_response_payload": kind != "events_api",
                "retry_attempt": 0,
                "retry_reason": "",
            }
        )
        deadline = time.monotonic() + timeout
        while envelope_id not in self.socket_acks:
            assert time.monotonic() < deadline, "no ack on the socket"
            await asyncio.sleep(0.01)
        return self.socket_acks[envelope_id]

    async def _response_url(self, request: web.Request) -> web.Response:
        body = json.loads(await request.text())
        await self._record(Call("response_url", body, request.match_info["key"]))
        problem = self._block_kit_problem("chat.postMessage", body)
        if problem:
            self.rejected.append(f"response_url: {problem}")
            return web.Response(status=400, text="invalid_blocks")
        return web.Response(text="ok")


from tests.fakes.slack_requests import FakeSlack, signature  # noqa: E402  (re-exported)

__all__ = ["Call", "Failure", "FakeSlack", "FakeSlackApi", "signature"]
