"""Bot Framework may deliver an activity twice (a retry after a slow, failed or lost
response): it is acted on once, and a delivery whose turn died is acted on again.

The record that an activity was acted on is written when the turn's own work is done,
just before its HTTP response: a process that dies mid-turn (after the check, before the
vote) leaves no record, so Bot Framework's redelivery of that click is acted on instead of
being ignored. While a turn runs, a second delivery of the same activity to this process is
ignored; one reaching another web process finds the record once the first turn answered
(Bot Framework only redelivers after its request failed or timed out). The record is in the
database (`TeamsActivityLog`), shared by every web process.

A vote click's record is blinded (a hash of its ids, the hour only), and a typed anonymous
vote's record is dropped once the vote is cast (`release`): neither may date a vote.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable

from botbuilder.core import TurnContext
from botbuilder.schema import Activity

from adapters.teams.inbound import tenant_of
from bot.deps import Deps
from bot.tasks import BackgroundTasks
from persona_store.platforms.teams_activities import TeamsActivityLog

log = logging.getLogger(__name__)

PRUNE_EVERY_SECONDS = 3600.0  # old records are dropped about hourly

Key = tuple[int, str, str]  # (workspace id, conversation id, activity id)


class Redeliveries:
    def __init__(
        self,
        deps: Deps,
        tasks: BackgroundTasks,
        workspace: Callable[[str], Awaitable[int]],
        log_store: TeamsActivityLog,
    ) -> None:
        self.deps = deps
        self.tasks = tasks
        self.workspace = workspace
        self.seen = log_store
        self._running: set[Key] = set()
        self._released: set[Key] = set()  # running turns that must leave no record
        self._pruned_at: float | None = None

    @contextlib.asynccontextmanager
    async def once(self, turn_context: TurnContext, blind: bool = False) -> AsyncIterator[bool]:
        """`async with once(turn) as first:` act only when `first`. The activity is recorded
        as acted on when the block ends without an exception; an activity without an id,
        or a database failure, is acted on (a lost click is worse than a rare double).
        `blind`: a vote click, recorded under `TeamsActivityLog.blind`."""
        key = await self._key(turn_context.activity, blind)
        first = key is None or await self._first(key)
        if key is not None and first:
            self._running.add(key)
        try:
            yield first
            if key is not None and first and key not in self._released:
                await self._record(key)
                if key in self._released:  # released while the record was being written
                    await self._drop(key)
        finally:
            if key is not None and first:
                self._running.discard(key)
                self._released.discard(key)

    async def release(self, activity: Activity) -> None:
        """Leave no record of an activity acted on (a typed anonymous vote): its running
        turn writes none, a record already written is deleted. A redelivery after that
        only casts the same vote again."""
        key = await self._key(activity, False)
        if key is None:
            return
        if key in self._running:  # its turn writes no record, or drops the one it wrote
            self._released.add(key)
            return
        await self._drop(key)

    async def _drop(self, key: Key) -> None:
        try:
            await self.deps.db(self.seen.release, *key)
        except Exception:
            log.exception("could not drop the record of Teams activity %s", key[2])

    async def _key(self, activity: Activity, blind: bool) -> Key | None:
        conversation = activity.conversation.id if activity.conversation else None
        if not activity.id or not conversation:
            return None
        try:
            ws = await self.workspace(tenant_of(activity))
        except Exception:
            log.exception("could not check Teams activity %s; acting on it", activity.id)
            return None
        if blind:
            return ws, *TeamsActivityLog.blind(str(conversation), str(activity.id))
        return ws, str(conversation), str(activity.id)

    async def _first(self, key: Key) -> bool:
        if key in self._running:
            log.info("ignoring a redelivered Teams activity %s (still being acted on)", key[2])
            return False
        try:
            done = await self.deps.db(self.seen.seen, *key)
        except Exception:
            log.exception("could not check Teams activity %s; acting on it", key[2])
            return True
        if done:
            log.info("ignoring a redelivered Teams activity %s", key[2])
        return not done

    async def _record(self, key: Key) -> None:
        try:
            if not await self.deps.db(self.seen.claim, *key):
                log.warning("Teams activity %s was acted on twice (two processes)", key[2])
        except Exception:
            log.exception("could not record Teams activity %s", key[2])
        now = time.monotonic()
        if self._pruned_at is None or now - self._pruned_at > PRUNE_EVERY_SECONDS:
            self._pruned_at = now
            self.tasks.spawn(self.deps.db(self.seen.prune), name="teams-prune-activities")
