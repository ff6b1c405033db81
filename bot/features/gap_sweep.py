"""The clock's part of the gap loop:

- post the surveys "Ask the team" made for a persona's home channel (a click answers only
  where it was made; the clock posts elsewhere), once per survey (a delivery key); its
  message is remembered for the live tally like any survey's;
- once a gap's survey has closed with answers (by the clock or by anyone's `survey close`),
  send each chat owner of the persona the result with *Add as pain / Add as goal / Dismiss*,
  once per owner (a delivery key), within OFFER_WITHIN of the close.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, timedelta

from bot.clock import SweepReport, SweepRun, deliver
from bot.commands import Registry
from bot.deps import Deps
from bot.features.gap_render import closed_survey_card
from bot.features.ownership import CHAT_PLATFORMS
from bot.features.reminders import owner_address, workspace_places
from bot.features.survey_open import address_of, surveys
from bot.features.survey_render import survey_reply
from bot.features.surveys import on_posted
from bot.messages import Reply
from bot.ports import ChatAdapter

log = logging.getLogger(__name__)

KIND = "gap-survey"
PERIOD = "post"
OFFER_KIND = "gap-answered"
OFFER_WITHIN = timedelta(days=3)
DONE = ("sent", "duplicate", "unknown", "empty")


async def sweep_gap_surveys(
    deps: Deps, adapters: Mapping[str, ChatAdapter], now: datetime, report: SweepReport
) -> None:
    gaps = deps.repos.gaps
    for workspace_id, gap_id, survey_id in await deps.db(gaps.owed_surveys):
        survey = await deps.db(surveys(deps).get, workspace_id, survey_id)
        if survey is None or not survey.is_open:
            await deps.db(gaps.survey_done, workspace_id, gap_id, reopen=survey is None)
            continue
        address = address_of(survey.place)
        outcome = await deliver(
            deps, adapters, report, kind=KIND, target=f"survey:{survey_id}", period=PERIOD,
            address=address, build=_built(survey_reply(survey)),
        )  # fmt: skip
        if outcome.message_id:
            await on_posted(deps, workspace_id, str(survey_id), address, outcome.message_id)
        if outcome.status == "permanent":  # e.g. the bot is not in the home channel
            log.warning("gap survey %s could not be posted: %s", survey_id, outcome.reason)
            await deps.db(surveys(deps).discard, workspace_id, survey_id)
            await deps.db(gaps.survey_done, workspace_id, gap_id, reopen=True)
        elif outcome.status in DONE:
            await deps.db(gaps.survey_done, workspace_id, gap_id)


async def offer_answered(
    deps: Deps, adapters: Mapping[str, ChatAdapter], now: datetime, report: SweepReport
) -> None:
    gaps = deps.repos.gaps
    for workspace_id, slug, number in await deps.db(gaps.answered_since, now - OFFER_WITHIN):
        persona = await deps.db(deps.store.get, workspace_id, slug)
        gap = persona and await deps.db(gaps.get, workspace_id, persona.id, number)
        if gap is None or persona is None:
            continue
        owners = [o.ref for o in persona.owners if o.platform in CHAT_PLATFORMS]
        if not owners:
            continue
        places = await workspace_places(deps, workspace_id)
        offer = closed_survey_card(persona, gap)
        for owner in owners:
            await deliver(
                deps, adapters, report, kind=OFFER_KIND, target=f"gap:{gap.id}:{owner}",
                period="offer", address=owner_address(owner, *places), build=_built(offer),
            )  # fmt: skip


def _built(reply: Reply) -> Callable[[], Awaitable[Reply]]:
    async def build() -> Reply:
        return reply

    return build


async def sweep(run: SweepRun) -> None:
    await sweep_gap_surveys(run.deps, run.adapters, run.now, run.report)
    await offer_answered(run.deps, run.adapters, run.now, run.report)


def register(registry: Registry) -> None:
    registry.clock.sweep("gap-surveys", order=15)(sweep)
