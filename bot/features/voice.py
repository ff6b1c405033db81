"""Surveys that gather the customer's voice (the chat side; store: persona_store.surveys.voice).

- Open-text answers: the card's "Answer the survey" button opens a form (a `Form`: Slack
  modal, Teams task module, playground form); the form or `survey answer ID TEXT` come to
  `answer`; one answer per person, changeable until close; the thanks is private. At
  close the answers become evidence quotes.
- `survey results ID` of an open-text survey shows the answers grouped by the profile line
  each matches (bot.answering.line_match).
- `survey nudge on|off`: in a channel, opt in to one reminder (a DM) per survey of that
  channel you have not answered, a day after it was posted (bot.features.voice_sweep).
- Recurring surveys (`--every week|month`): the clock posts the next of the series
  (bot.features.voice_sweep).
"""

from __future__ import annotations

import logging

from bot.answering.line_match import group_by_line
from bot.commands import Context, Registry
from bot.deps import Deps
from bot.features.survey_render import results_reply
from bot.features.voice_render import (
    ANSWER_ACTION,
    ANSWER_FIELD,
    FORM_ACTION,
    answer_ack,
    answer_form,
    answer_form_reply,
    open_results_reply,
)
from bot.messages import Reply, error_reply
from bot.numbers import is_number
from persona_store.surveys.repository import SurveyStore
from persona_store.surveys.views import SurveyError, SurveyView
from persona_store.surveys.voice import VoiceStore

log = logging.getLogger(__name__)


def voice(deps: Deps) -> VoiceStore:
    return deps.repos.voice


def surveys_of(deps: Deps) -> SurveyStore:
    return deps.repos.surveys


async def results_for(deps: Deps, workspace_id: int, survey: SurveyView) -> Reply:
    """A survey's results; an open-text survey's answers grouped by the line each matches."""
    if not survey.open_text:
        return results_reply(survey)
    persona = await deps.db(deps.store.get, workspace_id, survey.persona_slug)
    if persona is None:
        return open_results_reply(survey, [(None, survey.texts)])
    groups = await deps.db(group_by_line, persona, survey.texts)  # CPU: off the event loop
    return open_results_reply(survey, groups)


# -- answers -------------------------------------------------------------------------------


async def answer(ctx: Context, survey_id: int, text: str, *, form: bool = False) -> Reply:
    """Save one typed answer. From the form (`form`), a problem shows the form again with
    what was typed and the problem under the field (on an anonymous survey private: never
    stored or logged, as it holds what the person typed)."""
    deps = ctx.deps
    try:
        done = await deps.db(
            voice(deps).answer_text, ctx.workspace_id, survey_id, text,
            platform=ctx.inbound.address.platform, user_id=ctx.user_id, now=deps.now(),
        )  # fmt: skip
    except SurveyError as exc:
        survey = await deps.db(surveys_of(deps).get, ctx.workspace_id, survey_id)
        if not form or survey is None or not survey.is_open:
            return error_reply(str(exc))
        again = answer_form(survey, typed=text, errors=((ANSWER_FIELD, str(exc)),))
        return Reply(text=f"Please fix: {exc}", form=again, ephemeral=True, is_error=True,
                     private=survey.anonymous)  # fmt: skip
    if done.outcome != "same" and deps.tally_followup is not None:
        deps.tally_followup(ctx.workspace_id, survey_id)  # the posted count, rate-limited
    return answer_ack(survey_id, done.outcome, done.anonymous)


async def answer_action(ctx: Context) -> Reply:
    """The answer form submitted: value = survey id, the answer in the field "answer"."""
    ref = ctx.args.strip().lstrip("#")
    if not is_number(ref):
        return error_reply("That form no longer matches a survey.")
    return await answer(ctx, int(ref), ctx.inbound.filled(ANSWER_FIELD), form=True)


async def form_action(ctx: Context) -> Reply:
    """ "Answer the survey" clicked: the form for that survey, while it takes answers."""
    ref = ctx.args.strip().lstrip("#")
    survey = (
        await ctx.deps.db(surveys_of(ctx.deps).get, ctx.workspace_id, int(ref))
        if is_number(ref)
        else None
    )
    if survey is None:
        return error_reply("That button no longer matches a survey.")
    if not survey.open_text:
        return error_reply(f"Survey #{survey.id} has options: answer with its buttons.")
    if not survey.is_open:
        return error_reply(f"Survey #{survey.id} is closed; answers are no longer taken.")
    return answer_form_reply(survey)


async def answer_command(ctx: Context, rest: str) -> Reply:
    """`survey answer 12 It took too long to set up`."""
    ref, _, text = rest.strip().lstrip("#").partition(" ")
    if not is_number(ref):
        return error_reply("Usage: survey answer ID YOUR ANSWER, e.g. `survey answer 12 The price`")
    return await answer(ctx, int(ref), text)


async def nudge_command(ctx: Context, rest: str) -> Reply:
    """`survey nudge on|off`: one reminder per unanswered survey of this channel."""
    word = rest.strip().lower()
    if word not in ("on", "off"):
        return error_reply(
            "Usage: `survey nudge on` (one reminder per survey of this channel you have not "
            "answered) or `survey nudge off`."
        )
    address = ctx.inbound.address
    changed = await ctx.deps.db(
        voice(ctx.deps).set_nudges, ctx.workspace_id, platform=address.platform,
        ext_workspace=address.workspace, conversation_id=address.conversation_id,
        user_id=ctx.user_id, on=word == "on", service_url=address.service_url,
        now=ctx.deps.now(),
    )  # fmt: skip
    if word == "on":
        text = (
            "Done: you get one reminder about each survey in this channel you have not "
            "answered, a day after it was posted. `survey nudge off` stops them."
            if changed
            else "You already get reminders about this channel's surveys."
        )
    else:
        text = (
            "Done: no more survey reminders from this channel."
            if changed
            else "You were not getting reminders from this channel."
        )
    return Reply(text=text, ephemeral=True)


def register(registry: Registry) -> None:
    # Whoever answers, the adapters keep no readable or dated record of it (anonymity).
    registry.action(ANSWER_ACTION, private=True)(answer_action)
    registry.action(FORM_ACTION)(form_action)
