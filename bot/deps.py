"""Deps: everything a handler needs, passed explicitly (no globals)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import ParamSpec, TypeVar

from bot.answering.base import Answerer
from bot.answering.critique import Critic, critic_for
from bot.messages import Address
from bot.settings import Settings, normalise_database_url
from persona_store.repositories import Repositories
from persona_store.store import Store

P = ParamSpec("P")
# (workspace external id, user id) -> is this person a workspace admin? A platform fact,
# registered by the adapter that can tell (Slack's users.info); see bot.features.access.
AdminCheck = Callable[[str, str], Awaitable[bool]]
T = TypeVar("T")
# (address of the conversation, platform message id) -> a link to that message (Slack's
# chat.getPermalink, a Teams message link), or None. A platform fact, registered by the
# adapter; the decision log keeps it as "where it was decided".
Permalink = Callable[[Address, str], Awaitable[str | None]]


def utc_now() -> datetime:
    return datetime.now(UTC)


def db_workers(database_url: str) -> int:
    """Threads for database work. SQLite takes one writer at a time, and each connection
    re-reads the pages another one changed: beyond a few threads, more only add contention
    (bench_teams_invoke: p99 and CPU per invoke lower with 4 than with 8). PostgreSQL works
    in parallel and its calls wait on the network."""
    return 4 if normalise_database_url(database_url).startswith("sqlite") else 8


@dataclass
class Deps:
    store: Store
    answerer: Answerer
    settings: Settings
    now: Callable[[], datetime] = utc_now
    # Bounded pool for blocking database work so it never stalls the event loop; its size
    # suits the database (`db_workers`).
    executor: ThreadPoolExecutor = field(init=False, repr=False)
    panel_concurrency: int = 4
    # the core's repositories, built once over the store's sessions
    repos: Repositories = field(init=False, repr=False)
    # Set in the web process (adapters/server.py): called with (workspace id, survey id)
    # after a vote left the posted tally behind, to send it once the rate limit allows.
    tally_followup: Callable[[int, int], None] | None = None
    admin_checks: dict[str, AdminCheck] = field(default_factory=dict)
    # critique and rewrite: the model's when the answerer is the LLM one, else offline
    critic: Critic | None = None
    permalinks: dict[str, Permalink] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.critic is None:
            self.critic = critic_for(self.answerer)
        self.repos = Repositories.over(self.store.sessions)
        workers = db_workers(self.settings.database_url)
        self.executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="db")

    async def db(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run a blocking store call in the bounded pool."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.executor, lambda: fn(*args, **kwargs))

    # (platform, external id) -> (workspace id, expires at, monotonic). The mapping only
    # changes through `persona-bot workspaces link`; a short TTL lets that take effect soon
    # in every web process while sparing a database write transaction per request.
    _workspace_cache: dict[tuple[str, str], tuple[int, float]] = field(default_factory=dict)
    workspace_cache_seconds: float = 60.0

    async def workspace(self, platform: str, external_id: str) -> int:
        """`workspace_id` from the event loop: a cached mapping is answered on the loop,
        without a trip through the pool (every click and command asks)."""
        cached = self._cached_workspace(platform, external_id)
        if cached is not None:
            return cached
        return await self.db(self.workspace_id, platform, external_id)

    def workspace_id(self, platform: str, external_id: str) -> int:
        cached = self._cached_workspace(platform, external_id)
        if cached is not None:
            return cached
        ws = self.store.workspace_id(platform, external_id)
        expires = time.monotonic() + self.workspace_cache_seconds
        self._workspace_cache[(platform, external_id)] = (ws, expires)
        return ws

    def _cached_workspace(self, platform: str, external_id: str) -> int | None:
        cached = self._workspace_cache.get((platform, external_id))
        return cached[0] if cached is not None and cached[1] > time.monotonic() else None
