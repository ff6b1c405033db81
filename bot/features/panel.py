"""`panel PROPOSAL`: every persona answers on its own, concurrently (bounded), side by side."""

from __future__ import annotations

import asyncio

from bot.answering.base import Answer
from bot.answering.critique import MAX_TEXT_CHARS
from bot.commands import Context, Registry
from bot.features.answer_card import panel_reply
from bot.features.answer_log import with_log_button
from bot.features.gaps import record_answers
from bot.features.resolve import clean_question
from bot.messages import Reply, error_reply, text_reply
from persona_store.personas.views import PersonaView


async def run_panel(ctx: Context, personas: list[PersonaView], proposal: str) -> list[Answer]:
    """Each persona is asked in isolation (never one shared prompt); at most
    `deps.panel_concurrency` answers run at once. Each answer is counted for the gap loop."""
    gate = asyncio.Semaphore(ctx.deps.panel_concurrency)

    async def one(persona: PersonaView) -> Answer:
        async with gate:
            return await ctx.deps.answerer.answer(persona, proposal)

    answers = list(await asyncio.gather(*(one(p) for p in personas)))
    # a gap per persona that could not answer (the others count as answered)
    await record_answers(ctx, proposal, list(zip(personas, answers, strict=True)))
    return answers


def check_proposal(proposal: str) -> Reply | None:
    if not proposal:
        return error_reply('What should the panel react to? Try: panel "Drop the free tier"')
    if len(proposal) > MAX_TEXT_CHARS:  # a pasted email or spec is a proposal too
        return error_reply(
            f"That proposal is {len(proposal):,} characters long. Please keep it to "
            f"{MAX_TEXT_CHARS:,} characters or fewer."
        )
    return None


async def panel_progress(ctx: Context) -> Reply | None:
    if check_proposal(clean_question(ctx.args)):
        return None
    count = await ctx.deps.db(ctx.deps.store.count, ctx.workspace_id)
    return text_reply(f"Asking the panel ({count} personas)…") if count else None


async def panel(ctx: Context) -> Reply:
    proposal = clean_question(ctx.args)
    problem = check_proposal(proposal)
    if problem:
        return problem
    personas = await ctx.deps.db(ctx.deps.store.list_personas, ctx.workspace_id)
    if not personas:
        return error_reply("There are no personas in this workspace yet.")
    answers = await run_panel(ctx, personas, proposal)
    pairs = list(zip(personas, answers, strict=True))
    reply = panel_reply(proposal, pairs, ctx.deps.now())
    return await with_log_button(ctx, reply, "panel", proposal, pairs)


def register(registry: Registry) -> None:
    registry.command(
        "panel",
        summary="Every persona reacts to a proposal, side by side.",
        usage="panel PROPOSAL",
        examples=('panel "Drop the free tier and add a 14-day trial"',),
        progress=panel_progress,
    )(panel)
