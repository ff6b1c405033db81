"""At most one chat.update per second per message, always with the newest content.

A burst of survey votes can produce several tally re-renders in a moment (the core already
limits them to one per 2 s per message across processes, but deliveries can bunch up behind
a backlog). Only the latest pending body is sent; older ones are dropped, never sent late
over a newer tally.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

Key = tuple[str, str]  # (channel, ts)


class UpdateCoalescer:
    def __init__(self, interval: float = 1.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.interval = interval
        self.clock = clock
        self._latest: dict[Key, Any] = {}
        self._sent_at: dict[Key, float] = {}
        self._flushing: set[Key] = set()

    async def update(self, key: Key, body: Any, send: Callable[[Any], Awaitable[None]]) -> None:
        """Queue `body` for the message `key`; the caller that starts a flush sends it (and
        any newer body queued meanwhile), others return at once."""
        self._latest[key] = body
        if key in self._flushing:
            return
        self._flushing.add(key)
        try:
            while key in self._latest:
                wait = self._sent_at.get(key, -1e9) + self.interval - self.clock()
                if wait > 0:
                    await asyncio.sleep(wait)
                latest = self._latest.pop(key)
                self._sent_at[key] = self.clock()
                await send(latest)
        finally:
            self._flushing.discard(key)
            self._forget_old()

    def _forget_old(self) -> None:
        if len(self._sent_at) > 1000:
            horizon = self.clock() - 10 * self.interval
            for key in [k for k, t in self._sent_at.items() if t < horizon]:
                del self._sent_at[key]
