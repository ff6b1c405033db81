"""Opening a survey: where it goes (`place_of` / `address_of`), and `open_survey`, the one
path for `survey`, the digest's question of the week and a gap's "Ask the team"."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.deps import Deps
from bot.features.survey_parse import predict
from bot.messages import Address
from persona_store.personas.views import PersonaView
from persona_store.surveys.repository import SurveyPlace, SurveyStore, SurveyView

DEFAULT_OPEN = timedelta(days=7)  # surveys without --closes close after a week


def surveys(deps: Deps) -> SurveyStore:
    return deps.repos.surveys


def place_of(address: Address) -> SurveyPlace:
    return SurveyPlace(
        address.platform,
        address.workspace,
        address.conversation_id,
        address.thread_id,
        address.service_url,
    )


def address_of(place: SurveyPlace) -> Address:
    return Address(
        platform=place.platform,
        workspace=place.ext_workspace,
        conversation_id=place.conversation_id,
        thread_id=place.thread_id,
        service_url=place.service_url,
    )


async def open_survey(
    deps: Deps,
    workspace_id: int,
    persona: PersonaView,
    question: str,
    options: tuple[str, ...],
    *,
    place: SurveyPlace,
    created_by: str,
    now: datetime,
    closes_at: datetime,
    anonymous: bool = False,
    line_key: str | None = None,
    open_text: bool = False,
    every: str | None = None,
) -> SurveyView:
    """Create a survey linked to `persona`, recording the persona's own predicted answer
    (hidden until close, then compared with the result; an open-text survey has none). The
    one path for `survey`, the digest's question of the week, a gap's "Ask the team" and
    recurring surveys. Raises SurveyError on bad input."""
    prediction = None if open_text else await predict(deps, persona, question, options)
    return await deps.db(
        surveys(deps).create,
        workspace_id,
        persona.slug,
        question,
        options,
        place=place,
        created_by=created_by,
        now=now,
        anonymous=anonymous,
        closes_at=closes_at,
        line_key=line_key,
        prediction=prediction,
        open_text=open_text,
        every=every,
    )
