"""The digest sweep (registered with the clock): every due persona-of-the-week post, under
its delivery key, the schedule advanced, a failing channel disabled."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from datetime import datetime, timedelta

from bot.clock import DELIVERY_CONCURRENCY, SweepReport, SweepRun, deliver, plan_due
from bot.commands import Registry
from bot.deps import Deps
from bot.features.digest import address_of, build_digest, digests, record_posted
from bot.features.survey_render import TRACK_KIND
from bot.features.surveys import on_posted, surveys
from bot.ports import ChatAdapter
from bot.schedule import Plan, period_key
from persona_store.scheduling.schedules import SubscriptionView

log = logging.getLogger(__name__)


async def sweep_digests(
    deps: Deps, adapters: Mapping[str, ChatAdapter], now: datetime, report: SweepReport,
    grace: timedelta, concurrency: int = DELIVERY_CONCURRENCY,
) -> None:  # fmt: skip
    """Every due digest, up to `concurrency` channels at a time (each is independent: its
    own delivery key, rotation and schedule), so a fan-out to many channels is not paced
    by one slow platform call after another."""
    store = digests(deps)
    gate = asyncio.Semaphore(concurrency)

    async def one(sub: SubscriptionView, p: Plan | Exception) -> None:
        async with gate:
            try:
                await _digest(deps, adapters, now, report, grace, sub, p)
            except Exception:
                log.exception("digest %s failed; the sweep carries on", sub.id)

    plans = plan_due(await deps.db(store.due, now), now, grace)
    await asyncio.gather(*(one(sub, p) for sub, p in plans))


async def _digest(
    deps: Deps, adapters: Mapping[str, ChatAdapter], now: datetime, report: SweepReport,
    grace: timedelta, sub: SubscriptionView, p: Plan | Exception,
) -> None:  # fmt: skip
    store = digests(deps)
    if isinstance(p, Exception):
        log.error("digest %s has a bad schedule (%s); disabling it", sub.id, p)
        await deps.db(store.disable, sub.id, f"bad schedule: {p}")
        return
    for missed in p.skipped:
        log.warning(
            "digest %s -> %s: skipped the run of %s (missed by more than %s)",
            sub.id, sub.target, period_key(missed), grace,
        )  # fmt: skip
        report.skipped.append(f"digest -> {sub.target} [{period_key(missed)}]: too late")
    if p.fire is None:
        await deps.db(store.advance, sub.id, p.next_run)
        return
    fire = p.fire
    outcome = await deliver(
        deps, adapters, report,
        kind="digest", target=sub.target, period=period_key(fire, sub.cron, sub.timezone),
        address=address_of(sub), build=lambda: build_digest(deps, sub, now, run_since=fire),
    )  # fmt: skip
    track = outcome.reply.track if outcome.reply else None
    survey = track.ref if track is not None and track.kind == TRACK_KIND else None
    if outcome.status == "permanent" and survey is not None:
        # The question of the week will never reach the channel: drop it. After a transient
        # failure it is kept for the retry of this run to reuse (`build_digest`).
        await deps.db(surveys(deps).discard, sub.workspace_id, int(survey))
    if outcome.status == "transient":
        await deps.db(store.advance, sub.id, p.fire)  # retried by the next sweep
        return
    await deps.db(store.advance, sub.id, p.next_run, ran_at=now)
    if outcome.status == "sent" and outcome.reply is not None:
        await record_posted(deps, sub, outcome.reply, now)
    if outcome.status == "permanent":
        await deps.db(store.disable, sub.id, f"delivery failed: {outcome.reason}")
        log.warning("digest %s disabled: %s", sub.id, outcome.reason)
    if outcome.message_id and survey is not None:
        # The question of the week is a survey: remember its message for tally updates.
        await on_posted(deps, sub.workspace_id, survey, address_of(sub),
                        outcome.message_id)  # fmt: skip


async def sweep(run: SweepRun) -> None:
    await sweep_digests(run.deps, run.adapters, run.now, run.report, run.grace)


def register(registry: Registry) -> None:
    # after the surveys: a digest's question of the day closes just before the next
    # digest, so after a clock outage the old question is closed before the new one opens
    registry.clock.sweep("digests", order=20)(sweep)
