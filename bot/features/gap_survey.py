"""A survey about a gap ("Ask the team", `gaps maya ask N`, `survey … --gap N`): linked to
the gap, and posted in the persona's home channel when it has one on this platform (by the
clock: a click answers only where it was made), else where it was asked for."""

from __future__ import annotations

import logging
from datetime import datetime

from bot.commands import Context
from bot.features.gap_render import askable, survey_owed
from bot.features.ownership import CHAT_PLATFORMS
from bot.features.survey_open import open_survey, place_of
from bot.features.survey_render import survey_reply
from bot.messages import Address, Reply, error_reply
from persona_store.gaps.repository import GapError
from persona_store.gaps.views import GapView
from persona_store.personas.views import PersonaView
from persona_store.surveys.repository import SurveyError

log = logging.getLogger(__name__)


def home_address(persona: PersonaView, here: Address) -> Address | None:
    """The persona's home channel on this platform (`slack:C123`, or a bare id meaning this
    platform), when it is another conversation than this one."""
    ref = persona.home_channel
    if not ref:
        return None
    platform, sep, rest = ref.partition(":")
    if sep and platform in CHAT_PLATFORMS:
        if platform != here.platform:
            return None
        ref = rest
    if not ref or ref == here.conversation_id:
        return None
    return Address(here.platform, here.workspace, ref, service_url=here.service_url)


async def open_gap_survey(
    ctx: Context,
    persona: PersonaView,
    gap: GapView,
    question: str,
    options: tuple[str, ...],
    *,
    closes_at: datetime,
    anonymous: bool = False,
) -> Reply:
    """The survey on `gap`, or why not (asked already, closed, bad input: nothing changed)."""
    problem = askable(persona, gap)
    if problem:
        return problem
    deps = ctx.deps
    home = home_address(persona, ctx.inbound.address)
    try:
        survey = await open_survey(
            deps, ctx.workspace_id, persona, question, options,
            place=place_of(home or ctx.inbound.address), created_by=ctx.author,
            now=deps.now(), closes_at=closes_at, anonymous=anonymous,
        )  # fmt: skip
    except SurveyError as exc:
        return error_reply(str(exc))
    try:
        await deps.db(
            deps.repos.gaps.set_survey, ctx.workspace_id, gap.id, survey.id, owed=bool(home)
        )
    except GapError as exc:  # another click asked first: this survey never goes out
        await deps.db(deps.repos.surveys.discard, ctx.workspace_id, survey.id)
        return error_reply(str(exc))
    log.info("gap %s of %s: survey %s", gap.number, persona.slug, survey.id)
    if home is not None:
        return survey_owed(persona, gap, survey.id, home.conversation_id)
    return survey_reply(survey)
