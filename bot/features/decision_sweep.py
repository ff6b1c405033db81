"""The clock's upkeep of the decision log: answer records are kept for ANSWER_RETENTION,
long enough for any "Log decision" click or `decide` in a thread; decisions keep their own
copy of the personas and lines they cited, so nothing a decision shows is lost."""

from __future__ import annotations

import logging
from datetime import timedelta

from bot.clock import SweepRun
from bot.commands import Registry

log = logging.getLogger(__name__)

ANSWER_RETENTION = timedelta(days=180)


async def sweep(run: SweepRun) -> None:
    repo = run.deps.repos.decisions
    gone = await run.deps.db(repo.prune_answers, run.now - ANSWER_RETENTION)
    if gone:
        log.info("forgot %d answer records older than %d days", gone, ANSWER_RETENTION.days)


def register(registry: Registry) -> None:
    registry.clock.sweep("answer-records", order=90)(sweep)
