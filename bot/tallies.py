"""Trailing tally updates in the web process: the last votes of a burst reach the posted
survey message within a few seconds, without waiting for the clock.

A vote updates the message only when it wins the tally slot (one update per message per
`TALLY_INTERVAL`, across processes); the votes that follow only mark the tally dirty. For
those, `TrailingTallies.schedule` runs one flush per survey once the slot is free again:
it takes the slot like any other update (so the rate limit holds) and posts the counts as
they are then, the newest. The clock's `flush_tallies` stays the backstop (a web process
that stops before its flush, a flush whose slot another process took).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping

from bot.deps import Deps
from bot.features.survey_sweep import flush_tally
from bot.ports import ChatAdapter
from bot.tasks import BackgroundTasks
from persona_store.surveys.views import TALLY_INTERVAL

log = logging.getLogger(__name__)

ATTEMPTS = 3  # slot still taken (another process's update): try again, then leave it to the clock


class TrailingTallies:
    """At most one pending trailing flush per survey in this process."""

    def __init__(
        self,
        deps: Deps,
        adapters: Mapping[str, ChatAdapter],
        tasks: BackgroundTasks,
        interval: float = TALLY_INTERVAL.total_seconds() + 0.1,
    ) -> None:
        self.deps = deps
        self.adapters = adapters
        self.tasks = tasks
        self.interval = interval
        self._pending: set[int] = set()

    def schedule(self, workspace_id: int, survey_id: int) -> None:
        """A vote left the posted tally behind: flush it once the slot is free."""
        if survey_id in self._pending:
            return  # the pending flush will read this vote too
        self._pending.add(survey_id)
        self.tasks.spawn(self._flush_later(workspace_id, survey_id), name=f"tally-{survey_id}")

    async def _flush_later(self, workspace_id: int, survey_id: int) -> None:
        try:
            for _ in range(ATTEMPTS):
                await asyncio.sleep(self.interval)
                # from here on a new vote schedules its own flush: it may come after our read
                self._pending.discard(survey_id)
                flushed = await flush_tally(self.deps, self.adapters, workspace_id, survey_id)
                if flushed != "busy":
                    return
                if survey_id in self._pending:
                    return  # a newer vote's flush takes over
                self._pending.add(survey_id)
        finally:
            self._pending.discard(survey_id)
