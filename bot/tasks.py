"""Tracked background tasks: slow work (LLM answers) runs after the platform's ack.

Every task is kept until it finishes, its failure is logged, and `drain()` awaits the rest
on shutdown, so no answer is silently dropped when the web process stops.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Coroutine
from typing import Any

log = logging.getLogger(__name__)


class BackgroundTasks:
    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()

    def spawn(self, coro: Coroutine[Any, Any, Any], *, name: str) -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._done)
        return task

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if task.cancelled():
            log.warning("background task %s was cancelled", task.get_name())
        elif (exc := task.exception()) is not None:
            log.error("background task %s failed", task.get_name(), exc_info=exc)

    def __len__(self) -> int:
        return len(self._tasks)

    async def drain(self, timeout: float = 30.0) -> None:
        """Wait for running tasks (on shutdown); cancel whatever is left after `timeout`."""
        if not self._tasks:
            return
        pending = set(self._tasks)
        log.info("waiting for %d background task(s) to finish", len(pending))
        _, still = await asyncio.wait(pending, timeout=timeout)
        for task in still:
            task.cancel()
        if still:
            await asyncio.gather(*still, return_exceptions=True)


class AckFirst:
    """Acks before slow work: a request handler counts itself in (`serving`), and work
    spawned after an ack waits (`quiet`) while other requests still wait for theirs, at
    most `max_wait`, so a burst of 100 commands is acked as fast as a bare app would,
    and the answers follow. A burst arrives with gaps between requests: work waits until
    no request came in for `settle` seconds, so it does not start in such a gap."""

    def __init__(self, max_wait: float = 0.5, settle: float = 0.02) -> None:
        self.max_wait = max_wait
        self.settle = settle
        self.in_flight = 0
        self._last_entry = -settle
        self._idle = asyncio.Event()
        self._idle.set()

    def busy(self) -> bool:
        """Another request is waiting for its ack (the caller counts itself)."""
        return self.in_flight > 1

    def enter(self) -> None:
        self.in_flight += 1
        self._last_entry = time.monotonic()
        self._idle.clear()

    def leave(self) -> None:
        self.in_flight -= 1
        if self.in_flight <= 0:
            self.in_flight = 0
            self._idle.set()

    def _settled(self) -> bool:
        return self._idle.is_set() and time.monotonic() - self._last_entry >= self.settle

    async def quiet(self) -> None:
        if self._settled():
            return
        # a steady stream of requests: slow work may not wait forever
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._until_settled(), self.max_wait)

    async def _until_settled(self) -> None:
        while not self._settled():
            await self._idle.wait()
            await asyncio.sleep(max(0.0, self._last_entry + self.settle - time.monotonic()))
