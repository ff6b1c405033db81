"""The `persona-bot clock` process: APScheduler wiring only (no business logic here).

Two in-memory jobs (no job store is shared between processes; schedules are data in the
database): every minute `sweep_once` (digests due, surveys to close, refresh reminders), and
every 2 s `flush_tallies` (live survey tallies left dirty by the rate limit).

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
from bot.schedule import DEFAULT_GRACE, Plan, period_key, plan
from persona_store.schedules import MAX_ATTEMPTS, DeliveryStore, SubscriptionView
from persona_store.survey_recovery import (
    RESULTS_KIND,
    RESULTS_PERIOD,
    SurveyRecovery,
    results_target,
)
from persona_store.survey_views import SurveyView

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
    status: str  # sent | duplicate | empty | no-adapter | permanent | transient
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
    deliveries = DeliveryStore.of(deps.store)
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


async def sweep_digests(
    deps: Deps, adapters: Mapping[str, ChatAdapter], now: datetime, report: SweepReport,
    grace: timedelta, concurrency: int = DELIVERY_CONCURRENCY,
) -> None:  # fmt: skip
    """Every due digest, up to `concurrency` channels at a time (each is independent: its
    own delivery key, rotation and schedule), so a fan-out to many channels is not paced
    by one slow platform call after another."""
    from bot.features.digest import digests

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
    from bot.features.digest import address_of, build_digest, digests, record_posted
    from bot.features.survey_render import TRACK_KIND
    from bot.features.surveys import on_posted, surveys

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


async def sweep_surveys(
    deps: Deps, adapters: Mapping[str, ChatAdapter], now: datetime, report: SweepReport
) -> None:
    """Post the final results still owed, then close the surveys that are due and post
    theirs. Owed: closed from chat in another conversation than the survey's own, closed by
    a clock that died before posting, or a post that failed or was left unfinished. Each
    close (evidence, prediction score, the owed post) is one transaction, so after a crash
    only the post is left, and only the post is done here; the owed ones go first, so a
    post failing in this sweep waits for the next one."""
    from bot.features.surveys import finish_survey, surveys

    store = surveys(deps)
    owed = await deps.db(
        SurveyRecovery.of(deps.store).results_to_post, now, platforms=tuple(adapters)
    )
    for workspace_id, survey_id in owed:
        survey = await deps.db(store.get, workspace_id, survey_id)
        if survey is not None:
            await _post_results(deps, adapters, report, survey)
    for workspace_id, survey_id in await deps.db(store.due_to_close, now):
        try:
            closed = await finish_survey(deps, workspace_id, survey_id, now=now)
        except Exception:
            log.exception("closing survey %s failed", survey_id)
            continue
        if closed is None:
            continue
        report.closed.append(survey_id)
        if closed.total or closed.message_id:  # else the close owes nothing
            await _post_results(deps, adapters, report, closed)


async def _post_results(
    deps: Deps, adapters: Mapping[str, ChatAdapter], report: SweepReport, closed: SurveyView
) -> None:
    """The final results post of a closed survey (under the delivery key its close wrote),
    then the survey message updated to its closed state, by the one caller that held the
    key. A survey without answers gets no results post, only the message update."""
    from bot.features.survey_render import results_reply, tally_update
    from bot.features.surveys import address_of

    address = address_of(closed.place)

    async def final() -> Reply | None:
        return results_reply(closed) if closed.total else None

    outcome = await deliver(
        deps, adapters, report, kind=RESULTS_KIND, target=results_target(closed.id),
        period=RESULTS_PERIOD, address=address, build=final,
    )  # fmt: skip
    # Held: posted, nothing to post, or its post failed (the next attempt updates again).
    # Not held: done before, another clock is on it, or no adapter for its platform.
    held = outcome.status == "empty" or outcome.reply is not None
    adapter = adapters.get(address.platform)
    if held and closed.message_id and adapter is not None:
        try:
            await adapter.update(address, closed.message_id, tally_update(closed))
        except Exception:
            log.warning("could not update survey %s message", closed.id, exc_info=True)


async def flush_tallies(
    deps: Deps,
    adapters: Mapping[str, ChatAdapter] | Iterable[ChatAdapter],
    now: datetime | None = None,
) -> int:
    """Update survey messages whose tally changed while the 2-second slot was taken."""
    from bot.features.survey_render import tally_update
    from bot.features.surveys import address_of, surveys

    adapters = as_mapping(adapters)
    now = now or deps.now()
    store = surveys(deps)
    updated = 0
    for workspace_id, survey_id in await deps.db(store.dirty_tallies, now):
        if not await deps.db(store.claim_tally_update, survey_id, now):
            continue
        survey = await deps.db(store.get, workspace_id, survey_id)
        if survey is None or survey.message_id is None:
            continue
        address = address_of(survey.place)
        adapter = adapters.get(address.platform)
        if adapter is None:
            continue
        try:
            await adapter.update(address, survey.message_id, tally_update(survey))
            updated += 1
        except Exception:
            log.warning("tally update of survey %s failed", survey_id, exc_info=True)
    return updated


async def sweep_once(
    deps: Deps,
    adapters: Mapping[str, ChatAdapter] | Iterable[ChatAdapter],
    now: datetime | None = None,
    *,
    grace: timedelta = DEFAULT_GRACE,
) -> SweepReport:
    """One pass over every kind of due work. Safe to run twice, or in two clocks at once."""
    by_platform = as_mapping(adapters)
    now = now or deps.now()
    report = SweepReport()
    # Surveys first: a digest's question of the day closes just before the next digest, so
    # after a clock outage the old question is closed (and its results posted) before the
    # new one opens.
    await _step("surveys", sweep_surveys(deps, by_platform, now, report))
    await _step("digests", sweep_digests(deps, by_platform, now, report, grace))
    try:
        from bot.features.reminders import sweep_reviews
    except ImportError:  # pragma: no cover - reminders are optional
        sweep_reviews = None
    if sweep_reviews is not None:
        await _step("reminders", sweep_reviews(deps, by_platform, now, report, deliver))
    if report.posted or report.failed or report.closed:
        log.info(
            "sweep at %s: %d posted, %d skipped, %d failed, %d surveys closed",
            now.isoformat(timespec="seconds"), len(report.posted), len(report.skipped),
            len(report.failed), len(report.closed),
        )  # fmt: skip
    return report


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
        await sweep_once(deps, by_platform, grace=grace)

    async def tallies() -> None:
        try:
            await flush_tallies(deps, by_platform)
        except Exception:
            log.exception("tally flush failed")

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
