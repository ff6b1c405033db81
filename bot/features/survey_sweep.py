"""The survey jobs (registered with the clock): close the surveys that are due and post
their final results (and any still owed), and every few seconds flush the live tallies the
rate limit left dirty."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Literal

from bot.clock import SweepReport, SweepRun, as_mapping, deliver
from bot.commands import Registry
from bot.deps import Deps
from bot.features.survey_open import address_of, surveys
from bot.features.survey_render import tally_update
from bot.features.surveys import finish_survey
from bot.features.voice import results_for
from bot.messages import Reply
from bot.ports import ChatAdapter
from persona_store.surveys.recovery import (
    RESULTS_KIND,
    RESULTS_PERIOD,
    results_target,
)
from persona_store.surveys.views import SurveyView

log = logging.getLogger(__name__)


async def sweep_surveys(
    deps: Deps, adapters: Mapping[str, ChatAdapter], now: datetime, report: SweepReport
) -> None:
    """Post the final results still owed, then close the surveys that are due and post
    theirs. Owed: closed from chat in another conversation than the survey's own, closed by
    a clock that died before posting, or a post that failed or was left unfinished. Each
    close (evidence, prediction score, the owed post) is one transaction, so after a crash
    only the post is left, and only the post is done here; the owed ones go first, so a
    post failing in this sweep waits for the next one."""
    store = surveys(deps)
    owed = await deps.db(deps.repos.survey_recovery.results_to_post, now, platforms=tuple(adapters))
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
    address = address_of(closed.place)

    async def final() -> Reply | None:
        return await results_for(deps, closed.workspace_id, closed) if closed.total else None

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


TallyFlush = Literal["busy", "updated", "unchanged"]


async def flush_tally(
    deps: Deps,
    adapters: Mapping[str, ChatAdapter],
    workspace_id: int,
    survey_id: int,
    now: datetime | None = None,
) -> TallyFlush:
    """Update one survey's posted tally if the 2-second slot is free: "busy" when another
    update holds the slot, "updated", or "unchanged" (slot taken, nothing sent)."""
    store = surveys(deps)
    if not await deps.db(store.claim_tally_update, survey_id, now or deps.now()):
        return "busy"
    survey = await deps.db(store.get, workspace_id, survey_id)
    if survey is None or survey.message_id is None:
        return "unchanged"
    address = address_of(survey.place)
    adapter = adapters.get(address.platform)
    if adapter is None:
        return "unchanged"
    try:
        await adapter.update(address, survey.message_id, tally_update(survey))
    except Exception:
        log.warning("tally update of survey %s failed", survey_id, exc_info=True)
        return "unchanged"
    return "updated"


async def flush_tallies(
    deps: Deps,
    adapters: Mapping[str, ChatAdapter] | Iterable[ChatAdapter],
    now: datetime | None = None,
) -> int:
    """Update survey messages whose tally changed while the 2-second slot was taken."""
    adapters = as_mapping(adapters)
    now = now or deps.now()
    updated = 0
    for workspace_id, survey_id in await deps.db(surveys(deps).dirty_tallies, now):
        flushed = await flush_tally(deps, adapters, workspace_id, survey_id, now)
        updated += flushed == "updated"
    return updated


async def sweep(run: SweepRun) -> None:
    await sweep_surveys(run.deps, run.adapters, run.now, run.report)


async def tick(deps: Deps, adapters: Mapping[str, ChatAdapter]) -> int:
    return await flush_tallies(deps, adapters)


def register(registry: Registry) -> None:
    registry.clock.sweep("surveys", order=10)(sweep)
    registry.clock.tick("tallies")(tick)
