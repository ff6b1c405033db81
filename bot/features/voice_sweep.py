"""The clock's customer's-voice jobs: recurring surveys and the one nudge per survey.

- Recurring surveys (`--every week|month`): once a period has passed since the last one of
  a series was posted, the next (same question, options and flags) is posted under a
  delivery key (kind `survey-repeat`, target the series, period the due date), so a second
  clock, a restart or a retried sweep never posts it twice; a next survey whose post failed
  is reused by the retry, never made twice.
- Nudges: the people who opted in (`survey nudge on`) in a survey's channel and have not
  answered it get one DM, a day after it was posted: at most one per person and survey,
  ever (a delivery key whose target holds their voter key, salted on an anonymous survey),
  and at most MAX_NUDGES_PER_SWEEP per sweep: never a DM storm. Someone the platform says
  has left the channel (a `Roster` adapter: Slack conversations.members, the Teams roster)
  is skipped and their opt-in forgotten.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime, timedelta

from bot.clock import SweepReport, SweepRun, deliver
from bot.commands import Registry
from bot.deps import Deps
from bot.features.survey_open import DEFAULT_OPEN, address_of, open_survey, surveys
from bot.features.survey_render import TRACK_KIND, survey_reply
from bot.features.surveys import on_posted
from bot.features.voice import voice
from bot.features.voice_render import nudge_reply
from bot.messages import Address, Reply
from bot.ports import ChatAdapter, Roster
from persona_store.surveys.views import SurveyError, SurveyView
from persona_store.surveys.voice import PERIODS, Member, RepeatDue

log = logging.getLogger(__name__)

NUDGE_AFTER = timedelta(hours=24)  # a survey is this old before anyone is reminded of it
MAX_NUDGES_PER_SWEEP = 100
NUDGE_KIND = "survey-nudge"
REPEAT_KIND = "survey-repeat"
REPEAT_AUTHOR = "persona-bot (recurring survey)"
Rosters = dict[tuple[str, str, str], frozenset[str] | None]  # channel -> its members


async def sweep_nudges(
    deps: Deps, adapters: Mapping[str, ChatAdapter], now: datetime, report: SweepReport
) -> int:
    """One DM to each opted-in member who has not answered a survey open for a day."""
    sent = 0
    store = voice(deps)
    rosters: Rosters = {}  # asked once per channel and sweep
    for workspace_id, survey_id in await deps.db(store.to_nudge, now, after=NUDGE_AFTER):
        survey = await deps.db(surveys(deps).get, workspace_id, survey_id)
        if survey is None or not survey.is_open:
            continue
        if survey.closes_at is not None and survey.closes_at - now < timedelta(hours=1):
            continue  # too late to be worth a reminder
        for member in await deps.db(store.unanswered_members, workspace_id, survey_id):
            if sent >= MAX_NUDGES_PER_SWEEP:
                return sent
            if not await still_member(deps, adapters, rosters, workspace_id, member, now):
                continue
            dm = Address(member.platform, member.ext_workspace, member.user_id,
                         service_url=member.service_url)  # fmt: skip

            async def build(s: SurveyView = survey) -> Reply:
                return nudge_reply(s)

            outcome = await deliver(
                deps, adapters, report, kind=NUDGE_KIND,
                target=f"survey:{survey_id}:{member.ref}"[:200], period="once",
                address=dm, build=build,
            )  # fmt: skip
            sent += outcome.status == "sent"
    return sent


async def still_member(
    deps: Deps, adapters: Mapping[str, ChatAdapter], rosters: Rosters, workspace_id: int,
    member: Member, now: datetime,
) -> bool:  # fmt: skip
    """Whether the opted-in person is still in the channel, as far as its platform can tell
    (asked once per channel and sweep). Someone who left is not nudged, and their opt-in
    is forgotten (joining again, they opt in again)."""
    adapter = adapters.get(member.platform)
    if not isinstance(adapter, Roster):
        return True
    channel = (member.platform, member.ext_workspace, member.conversation_id)
    if channel not in rosters:
        address = Address(member.platform, member.ext_workspace, member.conversation_id,
                          service_url=member.service_url)  # fmt: skip
        rosters[channel] = await adapter.members(address)
    members = rosters[channel]
    if members is None or member.user_id in members:
        return True
    await deps.db(
        voice(deps).set_nudges, workspace_id, platform=member.platform,
        ext_workspace=member.ext_workspace, conversation_id=member.conversation_id,
        user_id=member.user_id, on=False, now=now,
    )  # fmt: skip
    log.info("%s left %s: no nudge, opt-in forgotten", member.user_id, member.conversation_id)
    return False


async def sweep_repeats(
    deps: Deps, adapters: Mapping[str, ChatAdapter], now: datetime, report: SweepReport
) -> None:
    """The next survey of every recurring series that is due."""
    for due in await deps.db(voice(deps).repeats_due, now):
        try:
            await _repeat(deps, adapters, now, report, due)
        except Exception:
            log.exception("recurring survey series %s failed; the sweep carries on", due.series_id)


async def _repeat(
    deps: Deps, adapters: Mapping[str, ChatAdapter], now: datetime, report: SweepReport,
    due: RepeatDue,
) -> None:  # fmt: skip
    last = await deps.db(surveys(deps).get, due.workspace_id, due.survey_id)
    if last is None:
        return
    address = address_of(last.place)

    async def build() -> Reply | None:
        again = await deps.db(
            voice(deps).unposted_next, due.workspace_id, due.series_id, due.survey_id
        )
        if again is not None:  # an earlier attempt made it and its post failed
            found = await deps.db(surveys(deps).get, due.workspace_id, again)
            if found is not None:
                return survey_reply(found)
        persona = await deps.db(deps.store.get, due.workspace_id, last.persona_slug)
        if persona is None:
            return None
        period = PERIODS.get(last.every or "", DEFAULT_OPEN)
        try:
            survey = await open_survey(
                deps, due.workspace_id, persona, last.question, last.options,
                place=last.place, created_by=REPEAT_AUTHOR, now=now,
                closes_at=now + min(DEFAULT_OPEN, period), anonymous=last.anonymous,
                line_key=last.line_key if persona.line(last.line_key or "") else None,
                open_text=last.open_text, every=last.every,
            )  # fmt: skip
        except SurveyError as exc:
            log.warning("series %s: the next survey cannot be made: %s", due.series_id, exc)
            return None
        await deps.db(voice(deps).join_series, due.workspace_id, survey.id, due.series_id)
        return survey_reply(survey)

    outcome = await deliver(
        deps, adapters, report, kind=REPEAT_KIND, target=f"series:{due.series_id}",
        period=due.period, address=address, build=build,
    )  # fmt: skip
    track = outcome.reply.track if outcome.reply else None
    if outcome.message_id and track is not None and track.kind == TRACK_KIND:
        await on_posted(deps, due.workspace_id, track.ref, address, outcome.message_id)


async def sweep(run: SweepRun) -> None:
    await sweep_repeats(run.deps, run.adapters, run.now, run.report)
    await sweep_nudges(run.deps, run.adapters, run.now, run.report)


def register(registry: Registry) -> None:
    registry.clock.sweep("survey-voice", order=15)(sweep)  # after the surveys close (10)
