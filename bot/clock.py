"""The `persona-bot clock` process: APScheduler wiring only (no business logic here).

Two in-memory jobs (no job store is shared between processes; schedules are data in the
database): every minute `sweep_once` runs the sweeps features registered (`ClockJobs`:
surveys to close, digests due, refresh reminders), and every 2 s `tick_once` their ticks
(live survey tallies left dirty by the rate limit). The clock imports no feature.

Exactly-once: every post goes through `deliver`, which claims a unique delivery key
(kind, target, period) *before* sending. A failing target never stops the sweep: the error
is logged, a permanent one disables what caused it, a transient one is retried by the next
sweep (at most three attempts in all). A claim its clock never finished (the process was
killed mid-send) is taken over by a later sweep once older than CLAIM_LEASE. That holds for
a survey's final results too: a survey's close writes its results post's key 'pending' in
the close's own transaction, and closed surveys whose post is still owed are looked up
every sweep (`SurveyRecovery.results_to_post`); only the post is ever redone.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from bot.deps import Deps
from bot.messages import Address, Reply
from bot.ports import ChatAdapter, DeliveryError
from bot.schedule import DEFAULT_GRACE, Plan, plan
from persona_store.scheduling.schedules import MAX_ATTEMPTS, SubscriptionView

log = logging.getLogger(__name__)

SWEEP_SECONDS = 60
TALLY_SECONDS = 2
DELIVERY_CONCURRENCY = 8  # channels posted to at once in one sweep


@dataclass
class SweepReport:
    """What one sweep did; also logged line by line."""

    posted: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    closed: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class Outcome:
    status: str  # sent | duplicate | empty | no-adapter | permanent | transient | unknown
    message_id: str | None = None
    reason: str = ""
    reply: Reply | None = None


async def deliver(
    deps: Deps,
    adapters: Mapping[str, ChatAdapter],
    report: SweepReport,
    *,
    kind: str,
    target: str,
    period: str,
    address: Address,
    build: Callable[[], Awaitable[Reply | None]],
) -> Outcome:
    """Claim (kind, target, period), build the reply, send it. Never raises.

    A key still being delivered by another claim (a second clock mid-send, or one that died
    less than CLAIM_LEASE ago) comes back 'transient': not posted yet, so the caller keeps
    the run due and a later sweep looks again; by then it is either finished (and skipped)
    or stale, and then taken over here with a warning. A take-over means at-least-once after
    a crash: a post the platform accepted just before the clock died, before `finish` was
    recorded, goes out a second time (see `DeliveryStore.claim`)."""
    label = f"{kind} -> {target} [{period}]"
    adapter = adapters.get(address.platform)
    if adapter is None:
        # Debug only: it recurs every sweep (e.g. Slack owners while Slack is off); the
        # clock says once at start which platforms it can post to.
        log.debug("skipped %s: no %s adapter is configured", label, address.platform)
        report.skipped.append(f"{label}: no adapter")
        return Outcome("no-adapter")
    deliveries = deps.repos.deliveries
    claim = await deps.db(deliveries.claim, kind, target, period, now=deps.now())
    if claim.state == "busy":
        since = _when(claim.claimed_at)
        log.info("waiting on %s: claimed at %s and not finished yet", label, since)
        report.skipped.append(f"{label}: being delivered (claimed at {since})")
        return Outcome("transient", reason=f"being delivered since {since}")
    if claim.state == "abandoned":
        log.error("gave up %s: left unfinished %d times; marked dead", label, claim.attempt)
        report.failed.append(f"{label}: left unfinished {claim.attempt} times")
        return Outcome("duplicate", reason="given up")
    if not claim:
        # Debug only: overdue reviews meet their key every minute until they are done.
        log.debug("skipped %s: already delivered", label)
        report.skipped.append(f"{label}: already delivered")
        return Outcome("duplicate")
    if claim.state == "resumed":
        log.warning(
            "resuming a delivery left unfinished at %s: %s (attempt %d of %d; posted twice "
            "if the platform had accepted it before the clock stopped)",
            _when(claim.claimed_at), label, claim.attempt, MAX_ATTEMPTS,
        )  # fmt: skip

    async def finish(status: str, **result: str | None) -> None:
        if not await deps.db(deliveries.finish, kind, target, period, status=status,
                             attempt=claim.attempt, **result):  # fmt: skip
            log.warning("%s finished (%s) after its claim was taken over", label, status)

    reply: Reply | None = None
    try:
        reply = await build()
        if reply is None:
            await finish("empty")
            report.skipped.append(f"{label}: nothing to post")
            return Outcome("empty")
        message_id = await adapter.send(address, reply)
    except DeliveryError as exc:
        if exc.uncertain:  # maybe posted: not sent again, so never posted twice
            log.warning("%s may or may not have been posted (%s); not retried", label, exc.reason)
            await finish("unknown", detail=exc.reason)
            report.failed.append(f"{label}: {exc.reason}")
            return Outcome("unknown", reason=exc.reason, reply=reply)
        status = "permanent" if exc.permanent else "transient"
        log.warning("failed %s (%s): %s", label, status, exc.reason)
        await finish("dead" if exc.permanent else "failed", detail=exc.reason)
        report.failed.append(f"{label}: {exc.reason}")
        return Outcome(status, reason=exc.reason, reply=reply)
    except Exception as exc:  # a bug or an outage must not stop the sweep
        log.exception("failed %s", label)
        await finish("failed", detail=repr(exc))
        report.failed.append(f"{label}: {exc!r}")
        return Outcome("transient", reason=repr(exc), reply=reply)
    await finish("sent", message_id=message_id)
    log.info("posted %s (message %s)", label, message_id)
    report.posted.append(label)
    return Outcome("sent", message_id=message_id, reply=reply)


def _when(moment: datetime | None) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%SZ") if moment else "?"


# -- the sweeps ----------------------------------------------------------------------------------


def plan_due(
    subs: Iterable[SubscriptionView], now: datetime, grace: timedelta = DEFAULT_GRACE
) -> list[tuple[SubscriptionView, Plan | Exception]]:
    """The due-work computation of a sweep (pure CPU; benchmarked in bench/bench_sweep.py)."""
    out: list[tuple[SubscriptionView, Plan | Exception]] = []
    # Channels share schedules ("weekly mon 09:00 Europe/Berlin"), so the same plan is
    # computed once per (schedule, due time) per sweep.
    memo: dict[tuple[str, str, datetime | None], Plan | Exception] = {}
    for sub in subs:
        key = (sub.cron, sub.timezone, sub.next_run_at)
        found = memo.get(key)
        if found is None:
            try:
                assert sub.next_run_at is not None
                found = plan(sub.cron, sub.timezone, sub.next_run_at, now, grace)
            except Exception as exc:
                found = exc
            memo[key] = found
        out.append((sub, found))
    return out


@dataclass(frozen=True)
class SweepRun:
    """What a feature's sweep gets: one pass of the clock."""

    deps: Deps
    adapters: Mapping[str, ChatAdapter]
    now: datetime
    report: SweepReport
    grace: timedelta = DEFAULT_GRACE


Sweep = Callable[[SweepRun], Awaitable[None]]
# every TALLY_SECONDS: (deps, adapters) -> how many messages it updated
Tick = Callable[[Deps, Mapping[str, ChatAdapter]], Awaitable[int]]


@dataclass
class ClockJobs:
    """The sweeps and ticks features register (`Registry.clock`); the clock runs them in
    `order` and imports no feature."""

    sweeps: list[tuple[int, str, Sweep]] = field(default_factory=list)
    ticks: list[tuple[str, Tick]] = field(default_factory=list)

    def sweep(self, name: str, *, order: int) -> Callable[[Sweep], Sweep]:
        def decorate(fn: Sweep) -> Sweep:
            if any(n == name for _, n, _ in self.sweeps):
                raise ValueError(f"sweep {name!r} is registered twice")
            self.sweeps.append((order, name, fn))
            self.sweeps.sort(key=lambda entry: entry[0])
            return fn

        return decorate

    def tick(self, name: str) -> Callable[[Tick], Tick]:
        def decorate(fn: Tick) -> Tick:
            self.ticks.append((name, fn))
            return fn

        return decorate


async def sweep_once(
    deps: Deps,
    adapters: Mapping[str, ChatAdapter] | Iterable[ChatAdapter],
    now: datetime | None = None,
    *,
    jobs: ClockJobs,
    grace: timedelta = DEFAULT_GRACE,
) -> SweepReport:
    """One pass over every kind of due work. Safe to run twice, or in two clocks at once."""
    run = SweepRun(deps, as_mapping(adapters), now or deps.now(), SweepReport(), grace)
    for _, name, sweep in jobs.sweeps:
        await _step(name, sweep(run))
    report = run.report
    if report.posted or report.failed or report.closed:
        log.info(
            "sweep at %s: %d posted, %d skipped, %d failed, %d surveys closed",
            run.now.isoformat(timespec="seconds"), len(report.posted), len(report.skipped),
            len(report.failed), len(report.closed),
        )  # fmt: skip
    return report


async def tick_once(
    deps: Deps, adapters: Mapping[str, ChatAdapter] | Iterable[ChatAdapter], *, jobs: ClockJobs
) -> int:
    """Every registered tick (e.g. survey tallies left dirty by the rate limit)."""
    done = 0
    for name, tick in jobs.ticks:
        try:
            done += await tick(deps, as_mapping(adapters))
        except Exception:
            log.exception("the %s tick failed", name)
    return done


async def _step(name: str, work: Awaitable[None]) -> None:
    try:
        await work
    except Exception:
        log.exception("the %s sweep failed; the others carry on", name)


def as_mapping(
    adapters: Mapping[str, ChatAdapter] | Iterable[ChatAdapter] | None,
) -> dict[str, ChatAdapter]:
    if adapters is None:
        return {}
    if isinstance(adapters, Mapping):
        return dict(adapters)
    return {a.platform: a for a in adapters}


# -- the process -----------------------------------------------------------------------------------


async def run_clock_async(
    deps: Deps,
    adapters: Mapping[str, ChatAdapter] | Iterable[ChatAdapter] | None,
    *,
    jobs: ClockJobs,
    stop: asyncio.Event | None = None,
    sweep_seconds: float = SWEEP_SECONDS,
    tally_seconds: float = TALLY_SECONDS,
    grace: timedelta = DEFAULT_GRACE,
) -> None:
    """Run until `stop` is set (or SIGINT/SIGTERM). Sweeps once at start-up."""
    from apscheduler.schedulers.asyncio import AsyncIOScheduler

    by_platform = as_mapping(adapters)
    if not by_platform:
        log.warning("clock: no chat adapter configured; posts are skipped (surveys still close)")
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        # Not possible outside the main thread (tests) or on Windows: stop via `stop`.
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    scheduler = AsyncIOScheduler(timezone="UTC")  # the default in-memory job store only

    async def sweep() -> None:
        await sweep_once(deps, by_platform, jobs=jobs, grace=grace)

    async def tallies() -> None:
        await tick_once(deps, by_platform, jobs=jobs)

    common = {"max_instances": 1, "coalesce": True, "misfire_grace_time": 30}
    scheduler.add_job(sweep, "interval", seconds=sweep_seconds, id="sweep",
                      next_run_time=deps.now(), **common)  # fmt: skip
    scheduler.add_job(tallies, "interval", seconds=tally_seconds, id="tallies", **common)
    scheduler.start()
    log.info(
        "clock started: sweeping every %ss, posting to: %s (other platforms: skipped)",
        sweep_seconds,
        ", ".join(sorted(by_platform)) or "nothing",
    )
    try:
        await stop.wait()
    finally:
        scheduler.shutdown(wait=False)
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.remove_signal_handler(sig)
        log.info("clock stopped")
