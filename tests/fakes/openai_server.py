"""A fake OpenAI-compatible server on 127.0.0.1 (a real aiohttp server) speaking the Chat
Completions wire format, so the real `openai.AsyncOpenAI` client runs end to end.

`POST /v1/chat/completions` answers with a `chat.completion` object. Each test scripts what
comes next (`server.script(...)`): a valid JSON answer, any raw content, a slow reply, an HTTP
error such as a 429 with Retry-After or a 500. Unscripted requests get the default reply.
Every request is recorded (`server.requests`) with its JSON body and headers.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web


@dataclass
class Step:
    """One scripted response."""

    content: str | None = None  # message content; None -> the default valid answer
    status: int = 200
    delay: float = 0.0  # seconds before answering (the client may time out first)
    headers: dict[str, str] = field(default_factory=dict)
    error: dict[str, Any] | None = None  # OpenAI error body for non-200 replies
    refusal: str | None = None
    raw_body: str | None = None  # sent as-is (with raw_type) instead of a chat.completion
    raw_type: str = "text/html"


def answer_json(
    stance: str = "oppose",
    summary: str = "Maya would push back on a price rise.",
    reasons: list[dict[str, Any]] | None = None,
    concerns: list[dict[str, Any]] | None = None,
    win_over: list[str] | None = None,
    confidence: float = 0.8,
    out_of_scope: bool = False,
) -> str:
    """A reply in the answer schema, as the model would write it."""
    return json.dumps(
        {
            "stance": stance,
            "summary": summary,
            "reasons": reasons if reasons is not None else [],
            "concerns": concerns
            if concerns is not None
            else [{"text": "Budget is approved once a year", "cites": ["pain-2"]}],
            "win_over": win_over if win_over is not None else ["Keep costs predictable"],
            "confidence": confidence,
            "out_of_scope": out_of_scope,
        }
    )


@dataclass
class Recorded:
    body: dict[str, Any]
    headers: dict[str, str]
    at: float

    @property
    def messages(self) -> list[dict[str, Any]]:
        return list(self.body.get("messages", []))

    def content_of(self, role: str) -> str:
        return "\n".join(str(m.get("content", "")) for m in self.messages if m["role"] == role)


@dataclass
class FakeOpenAI:
    model: str = "fake-model-1"
    requests: list[Recorded] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)
    default: Step = field(default_factory=Step)
    url: str = ""
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))
    _runner: web.AppRunner | None = None
    _closing: asyncio.Event = field(default_factory=asyncio.Event)

    async def start(self) -> FakeOpenAI:
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._completions)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"
        return self

    async def stop(self) -> None:
        self._closing.set()  # slow replies stop waiting, so shutdown is quick
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def base_url(self) -> str:
        """What OPENAI_BASE_URL should be."""
        return self.url + "/v1"

    # -- scripting -----------------------------------------------------------------------
    def script(self, *steps: Step) -> None:
        """Queue responses for the next requests, in order."""
        self.steps.extend(steps)

    def reply(self, content: str) -> None:
        self.script(Step(content=content))

    def rate_limited(self, times: int = 1, retry_after_ms: int = 20) -> None:
        """429s as OpenAI sends them (Retry-After in seconds, and retry-after-ms)."""
        for _ in range(times):
            self.script(
                Step(
                    status=429,
                    headers={"retry-after": "1", "retry-after-ms": str(retry_after_ms)},
                    error={
                        "message": "Rate limit reached for requests",
                        "type": "requests",
                        "param": None,
                        "code": "rate_limit_exceeded",
                    },
                )
            )

    def server_error(self, times: int = 1) -> None:
        for _ in range(times):
            self.script(
                Step(
                    status=500,
                    headers={"retry-after-ms": "10"},
                    error={
                        "message": "The server had an error",
                        "type": "server_error",
                        "param": None,
                        "code": None,
                    },
                )
            )

    # -- wire format ---------------------------------------------------------------------
    async def _completions(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.requests.append(Recorded(body, dict(request.headers), time.perf_counter()))
        step = self.steps.pop(0) if self.steps else self.default
        if step.delay:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closing.wait(), step.delay)
        if step.raw_body is not None:
            return web.Response(text=step.raw_body, status=step.status, content_type=step.raw_type)
        if step.status != 200:
            return web.json_response(
                {"error": step.error or {"message": "error", "type": "error"}},
                status=step.status,
                headers=step.headers,
            )
        content = step.content if step.content is not None else answer_json()
        n = next(self._ids)
        completion = {
            "id": f"chatcmpl-fake{n:04d}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": self.model,
            "system_fingerprint": "fp_fake",
            "choices": [
                {
                    "index": 0,
                    "message": {
                        "role": "assistant",
                        "content": None if step.refusal else content,
                        "refusal": step.refusal,
                    },
                    "logprobs": None,
                    "finish_reason": "stop",
                }
            ],
            "usage": {"prompt_tokens": 100, "completion_tokens": 50, "total_tokens": 150},
        }
        return web.json_response(completion, headers=step.headers)


@pytest.fixture
async def openai_server() -> AsyncIterator[FakeOpenAI]:
    server = await FakeOpenAI().start()
    try:
        yield server
    finally:
        await server.stop()
