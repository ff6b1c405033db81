"""What the web process mounts and starts: the aiohttp side of an adapter (the core's
`ChatAdapter` port in bot/ports.py knows nothing of web frameworks)."""

from __future__ import annotations

from typing import Protocol

from aiohttp import web

from bot.ports import ChatAdapter


class WebMount(Protocol):
    """Routes for the one aiohttp Application, and what to do on startup and cleanup."""

    platform: str

    def routes(self) -> list[web.RouteDef]: ...

    async def start(self) -> None: ...

    async def close(self) -> None: ...


class PlatformAdapter(ChatAdapter, WebMount, Protocol):
    """A platform as the entry point builds it: sends for the core, mounted by the server."""
