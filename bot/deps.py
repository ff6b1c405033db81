"""Deps: everything a handler needs, passed explicitly (no globals)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import ParamSpec, TypeVar

from bot.answering.base import Answerer
from bot.settings import Settings
from persona_store.store import Store

P = ParamSpec("P")
T = TypeVar("T")


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Deps:
    store: Store
    answerer: Answerer
    settings: Settings
    now: Callable[[], datetime] = utc_now
    # Bounded pool for blocking database work so it never stalls the event loop.
    executor: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(max_workers=8, thread_name_prefix="db")
    )
    panel_concurrency: int = 4

    async def db(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run a blocking store call in the bounded pool."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.executor, lambda: fn(*args, **kwargs))

    def workspace_id(self, platform: str, external_id: str) -> int:
        return self.store.workspace_id(platform, external_id)
