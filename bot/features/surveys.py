"""Micro-surveys: `survey PERSONA "Question?" A | B | C [--anonymous] [--closes 48h]`,
`survey close ID`, `survey results ID`, `survey vote ID N` and the vote buttons.

Message ids: the create handler returns a Reply with `track=Track("survey", ID)`; adapters
call `await core.posted(reply, address, message_id)` after sending it, and the hook below
stores the id so tally updates can `adapter.update(address, message_id, reply)`.
Live tally: a vote returns the re-rendered card (`Reply.replaces`) only when this
process wins the 2-second slot in the database; otherwise the message stays dirty and the
clock's tally flush updates it.
"""

from __future__ import annotations

import logging
from datetime import datetime

from bot.commands import Context, Registry
from bot.deps import Deps
from bot.features.access import is_admin
from bot.features.edit import is_owner
from bot.features.gap_render import closed_survey_card
from bot.features.gap_survey import open_gap_survey
from bot.features.resolve import resolve_persona
from bot.features.survey_open import DEFAULT_OPEN, open_survey, place_of, surveys
from bot.features.survey_parse import USAGE, parse_create, pick_option
from bot.features.survey_render import (
    RESULTS_ACTION,
    TRACK_KIND,
    VOTE_ACTION,
    survey_reply,
    tally_update,
    vote_ack,
)
from bot.features.voice import answer_command, nudge_command, results_for
from bot.messages import Address, Reply, error_reply
from bot.numbers import is_number
from persona_store.surveys.repository import (
    PredictionRecord,
    SurveyError,
    SurveyView,
    validate_options,
)
from persona_store.surveys.voice import check_open_text

log = logging.getLogger(__name__)

# -- service functions (also used by the clock) ----------------------------------------------


async def finish_survey(
    deps: Deps,
    workspace_id: int,
    survey_id: int,
    *,
    author: str = "persona-bot",
    now: datetime | None = None,
    shown_here: bool = False,
) -> SurveyView | None:
    """Close the survey; in the same transaction its results are saved on the persona as
    evidence, the prediction is scored and the final results post is owed to the survey's
    channel, for the clock to post (`persona_store.surveys.close`). `shown_here`: the caller
    shows the results in the survey's conversation itself, so nothing is owed. Exactly one
    caller gets the closed view; later callers (second clock, repeated command) get None."""
    now = now or deps.now()
    closed = await deps.db(
        surveys(deps).close, workspace_id, survey_id, now=now, author=author,
        shown_here=shown_here,
    )  # fmt: skip
    if closed is not None:
        log.info("survey %s closed: n=%s counts=%s", closed.id, closed.total, closed.counts)
    return closed


async def on_posted(
    deps: Deps, workspace_id: int, ref: str, address: Address, message_id: str
) -> None:
    if is_number(ref):
        await deps.db(
            surveys(deps).set_message, workspace_id, int(ref), message_id, place_of(address)
        )


# -- handlers --------------------------------------------------------------------------------


async def survey_command(ctx: Context) -> Reply | list[Reply]:
    head, _, rest = ctx.args.strip().partition(" ")
    sub = head.lower()
    # `survey answer 12 …` (an open-text survey) and `survey nudge on|off`: bot.features.voice
    # (not a new survey about a persona called "answer", which would need a quoted question)
    if sub == "answer" and not any(c in rest for c in '"|\u201c'):
        return await answer_command(ctx, rest)
    if sub == "nudge" and not any(c in rest for c in '"|\u201c'):
        return await nudge_command(ctx, rest)
    parts = rest.replace("#", "").split()
    if sub in ("close", "results", "vote") and parts and is_number(parts[0]):
        survey_id = int(parts[0])  # the store answers "no survey" past INTEGER ids
        if sub == "close":
            return await close_command(ctx, survey_id)
        if sub == "results":
            return await show_results(ctx, survey_id)
        if len(parts) < 2 or not is_number(parts[1]):
            return error_reply(f"Usage: survey vote {survey_id} NUMBER (1 = first option)")
        return await vote(ctx, survey_id, int(parts[1]) - 1)
    if sub in ("close", "results", "vote") and not any(c in rest for c in '"|\u201c'):
        # `survey close`, `survey results abc`: not a new survey about a persona "close"
        example = f"survey {sub} 12 2" if sub == "vote" else f"survey {sub} 12"
        return error_reply(
            f"Which survey? Give its number (shown on the survey as Survey #12), e.g. `{example}`."
        )
    return await create(ctx)


async def create(ctx: Context) -> Reply:
    deps = ctx.deps
    now = deps.now()
    try:
        parsed = parse_create(ctx.args, now, deps.settings.timezone)
    except SurveyError as exc:
        return error_reply(str(exc))
    persona = await resolve_persona(ctx, parsed["persona"])
    if isinstance(persona, Reply):
        return persona
    if parsed["line_key"] and persona.line(parsed["line_key"]) is None:
        return error_reply(f"{persona.name} has no profile line '{parsed['line_key']}'.")
    gap = None
    if parsed["gap"] is not None:  # `--gap 3`: the survey a gap's "Ask the team" drafted
        gap = await deps.db(deps.repos.gaps.get, ctx.workspace_id, persona.id, parsed["gap"])
        if gap is None:
            number = parsed["gap"]
            return error_reply(f"{persona.name} has no gap {number} (`gaps {persona.slug}`).")
    try:
        options = (
            check_open_text(parsed["options"])
            if parsed["open_text"]
            else validate_options(parsed["options"])
        )
        if parsed["closes_at"] is not None and parsed["closes_at"] <= now:
            raise SurveyError("The close time is in the past; pick a time in the future.")
        if gap is not None:  # linked to the gap, and posted in the persona's home channel
            return await open_gap_survey(
                ctx, persona, gap, parsed["question"], options,
                closes_at=parsed["closes_at"] or now + DEFAULT_OPEN,
                anonymous=parsed["anonymous"],
            )  # fmt: skip
        survey = await open_survey(
            deps,
            ctx.workspace_id,
            persona,
            parsed["question"],
            options,
            place=place_of(ctx.inbound.address),
            created_by=ctx.author,
            now=now,
            anonymous=parsed["anonymous"],
            closes_at=parsed["closes_at"] or now + DEFAULT_OPEN,
            line_key=parsed["line_key"],
            open_text=parsed["open_text"],
            every=parsed["every"],
        )
    except SurveyError as exc:
        return error_reply(str(exc))
    log.info("survey %s created on %s by %s", survey.id, persona.slug, ctx.author)
    return survey_reply(survey)


async def vote(ctx: Context, survey_id: int, option: int) -> Reply | list[Reply]:
    deps = ctx.deps
    store = surveys(deps)
    address = ctx.inbound.address
    try:
        # one store call: the vote, the tally slot and (with the slot) the counts
        answered = await deps.db(
            store.answer,
            ctx.workspace_id,
            survey_id,
            option,
            platform=address.platform,
            user_id=ctx.user_id,
            now=deps.now(),
        )
    except SurveyError as exc:
        return error_reply(str(exc))
    result = answered.result
    replies: list[Reply] = [vote_ack(answered.survey, result.option, result.outcome)]
    if answered.tally is not None:
        replies.append(tally_update(answered.tally))
    elif result.outcome != "same" and deps.tally_followup is not None:
        deps.tally_followup(ctx.workspace_id, survey_id)  # the slot was taken: send it later
    return replies


def _vote_target(ctx: Context) -> tuple[int, int] | None:
    """Vote buttons carry "ID:INDEX" in value, or action_id "survey.vote:ID" + value INDEX."""
    action_id = ctx.inbound.action_id or ""
    raw = ctx.args.strip()
    if ":" in action_id and is_number(raw):
        first, second = action_id.split(":", 1)[1], raw
    else:
        first, _, second = raw.partition(":")
    if is_number(first) and is_number(second):
        return int(first), int(second)
    return None


async def vote_action(ctx: Context) -> Reply | list[Reply]:
    target = _vote_target(ctx)
    if target is None:
        return error_reply("That button no longer matches a survey.")
    return await vote(ctx, *target)


async def show_results(ctx: Context, survey_id: int) -> Reply:
    survey = await ctx.deps.db(surveys(ctx.deps).get, ctx.workspace_id, survey_id)
    if survey is None:
        return error_reply(f"There is no survey #{survey_id}.")
    reply = await results_for(ctx.deps, ctx.workspace_id, survey)
    return Reply(text=reply.text, cards=reply.cards, ephemeral=True, meta=reply.meta)


async def results_action(ctx: Context) -> Reply:
    ref = ctx.args.strip().lstrip("#")
    if not is_number(ref):
        return error_reply("That button no longer matches a survey.")
    return await show_results(ctx, int(ref))


async def close_command(ctx: Context, survey_id: int) -> Reply | list[Reply]:
    deps = ctx.deps
    survey = await deps.db(surveys(deps).get, ctx.workspace_id, survey_id)
    if survey is None:
        return error_reply(f"There is no survey #{survey_id}.")
    if not survey.is_open:
        return error_reply(f"Survey #{survey_id} is already closed.")
    persona = await deps.db(deps.store.get, ctx.workspace_id, survey.persona_slug)
    creator = ctx.author == survey.created_by
    if not creator and not (persona and is_owner(persona, ctx.author)) and not await is_admin(ctx):
        return error_reply(
            "Only the person who created this survey, the persona's owners and workspace "
            "admins can close it."
        )
    here = ctx.inbound.address
    # Typed in the survey's own conversation, the reply is its results post there. Anywhere
    # else the person gets the results as the reply, and the clock posts them in the
    # survey's channel and updates its message (a handler only answers where it was asked).
    own = (here.platform, here.conversation_id) == (
        survey.place.platform,
        survey.place.conversation_id,
    )
    closed = await finish_survey(
        deps, ctx.workspace_id, survey_id, author=ctx.author, shown_here=own
    )
    if closed is None:
        return error_reply(f"Survey #{survey_id} is already closed.")
    replies = [await results_for(deps, ctx.workspace_id, closed)]
    if own and closed.message_id:
        replies.append(tally_update(closed))  # the posted survey shows it is closed
    if persona is not None:  # a gap's survey: what its owner can do with the result
        gap = await deps.db(deps.repos.gaps.of_survey, ctx.workspace_id, survey_id)
        if gap is not None and gap.status == "answered":
            replies.append(closed_survey_card(persona, gap))
    return replies


__all__ = [
    "finish_survey",
    "on_posted",
    "open_survey",
    "parse_create",
    "prediction_records",
    "pick_option",
    "register",
]


def register(registry: Registry) -> None:
    registry.command(
        "survey",
        summary="A micro-survey about a persona: buttons in the channel, results saved as "
        "evidence.",
        usage=USAGE + " (closes after 7 days unless --closes) | survey results ID | "
        "survey close ID | survey vote ID N | survey answer ID TEXT | survey nudge on|off",
        examples=(
            'survey maya "Is price still the #1 objection?" Yes | No | Not sure --closes 48h',
            'survey sam "Do you use keyboard shortcuts daily?" Yes | No --anonymous',
            'survey maya "What almost stopped you from buying?" --open --every month',
            "survey results 12",
            "survey close 12",
        ),
    )(survey_command)
    # Adapters keep no dated or readable record of a vote click (it could date an
    # anonymous vote and so line it up with who was active then).
    registry.action(VOTE_ACTION, private=True)(vote_action)
    registry.action(RESULTS_ACTION)(results_action)
    registry.on_posted(TRACK_KIND)(on_posted)


async def prediction_records(
    deps: Deps, workspace_id: int, persona_ids: list[int]
) -> dict[int, PredictionRecord]:
    """How often each persona's predicted survey answers were right (gallery, reminders)."""

    def read() -> dict[int, PredictionRecord]:
        store = surveys(deps)
        return {pid: store.prediction_record(workspace_id, pid) for pid in persona_ids}

    return await deps.db(read)
