"""`ask PERSONA QUESTION` and "what would Maya think about …?"."""

from __future__ import annotations

import re

from bot.answering.base import MAX_QUESTION_CHARS
from bot.commands import Context, Registry
from bot.deps import Deps
from bot.features.answer_card import answer_reply, panel_reply
from bot.features.answer_log import with_log_button
from bot.features.gaps import record_answers
from bot.features.panel import check_proposal, run_panel
from bot.features.resolve import clean_question, named_group, resolve_persona
from bot.messages import Reply, error_reply, text_reply
from persona_store.personas.views import PersonaView

# "what would Maya think about X?", "What does Sam Okafor think of X", "how would maya feel about X"
NATURAL_ASK = (
    # a leading emoji or "hey," / "ok team," is not part of the question
    r"[^\w\s]*\s*(?:(?:hey|hi|so|ok|okay)\b[\s,!]*(?:team[\s,!]+)?)?"
    r"(?:what|how)\s+(?:would|does|do|might|will|could)\s+"
    r"(.+?)\s+(?:think|feel|say)(?:\s+(?:about|of|to|on))?\s*[:,]?\s*(.*?)[\s?]*"
)
USAGE = 'ask PERSONA QUESTION, e.g. ask maya "Should we drop the free tier?"'
# "Does Sam care about keyboard shortcuts?", "Would Maya pay upfront?", "Is SSO a must-have
# for Priya?": a question (a question word first, or a question mark last) naming one persona.
QUESTION_START = re.compile(
    r"(?:does|do|did|is|are|was|were|would|will|can|could|should|might|may|has|have|how|why|"
    r"what|which|who|whom|whose|when|where)\b",
    re.IGNORECASE,
)
WORD = re.compile(r"[^\W\d_][\w-]*")


# "maya: question" / "Maya Chen: question": a colon right after the name (never one inside
# the question, as in "https://example.com")
NAME_COLON = re.compile(r"^(\S+(?: \S+)?):(?=\s)")


async def split_args(ctx: Context) -> tuple[str, str]:
    """(persona name, question) from the command's args.

    Natural phrasing arrives as "name<TAB>question"; `ask` arrives as "name question…",
    where the name may be two words ("Maya Chen") when that is a persona's full name."""
    if "\t" in ctx.args:
        name, _, question = ctx.args.partition("\t")
        return name.strip(), clean_question(question)
    words = NAME_COLON.sub(r"\1 ", ctx.args, count=1).split(" ")
    if len(words) >= 3:
        two = " ".join(words[:2]).lower()
        names = await ctx.deps.db(ctx.deps.store.persona_names, ctx.workspace_id)
        if any(name.lower() == two for _, name in names):
            return " ".join(words[:2]), clean_question(" ".join(words[2:]))
    return words[0], clean_question(" ".join(words[1:]))


def check_question(persona: PersonaView, question: str) -> Reply | None:
    if not question:
        return error_reply(
            f"What should I ask {persona.first_name}? Try: "
            f"`ask {persona.slug} Should we drop the free tier?`"
        )
    if len(question) > MAX_QUESTION_CHARS:
        return error_reply(
            f"That question is {len(question):,} characters long. Please keep it to "
            f"{MAX_QUESTION_CHARS:,} characters or fewer; a sentence or two works best."
        )
    return None


async def group_personas(ctx: Context, names: list[str]) -> list[PersonaView] | Reply:
    """The personas "Maya and Sam" names (every persona for "our personas"), or the error."""
    if not names:
        personas = await ctx.deps.db(ctx.deps.store.list_personas, ctx.workspace_id)
        return personas or error_reply("There are no personas in this workspace yet.")
    found: list[PersonaView] = []
    for name in names:
        persona = await resolve_persona(ctx, name)
        if isinstance(persona, Reply):
            return persona
        if all(p.slug != persona.slug for p in found):
            found.append(persona)
    return found


async def ask_group(ctx: Context, names: list[str], question: str) -> Reply:
    """ "What would Maya and Sam think about …?": a panel of just those personas."""
    problem = check_proposal(question)
    if problem:
        return problem
    personas = await group_personas(ctx, names)
    if isinstance(personas, Reply):
        return personas
    answers = await run_panel(ctx, personas, question)
    pairs = list(zip(personas, answers, strict=True))
    return await with_log_button(
        ctx, panel_reply(question, pairs, ctx.deps.now()), "panel", question, pairs
    )


async def _target(ctx: Context) -> tuple[PersonaView | Reply, str]:
    """(persona or refusal, question), looked up once per turn: the placeholder step and
    the handler share it through `ctx.memo`."""
    if "ask" not in ctx.memo:
        name, question = await split_args(ctx)
        ctx.memo["ask"] = (await resolve_persona(ctx, name), question)
    found: tuple[PersonaView | Reply, str] = ctx.memo["ask"]
    return found


async def _group(ctx: Context) -> tuple[list[str], str] | None:
    """(names, question) for "What would Maya and Sam think …" (natural phrasing only)."""
    if "\t" not in ctx.args:
        return None
    name, question = await split_args(ctx)
    group = named_group(name)
    return None if group is None else (group, question)


async def ask_progress(ctx: Context) -> Reply | None:
    group = await _group(ctx)
    if group is not None:
        return None if check_proposal(group[1]) else text_reply("Asking the panel…")
    persona, question = await _target(ctx)
    if isinstance(persona, Reply) or check_question(persona, question):
        return None
    return text_reply(f"Asking {persona.first_name}…")


async def ask(ctx: Context) -> Reply:
    group = await _group(ctx)
    if group is not None:
        return await ask_group(ctx, *group)
    persona, question = await _target(ctx)
    if isinstance(persona, Reply):
        return persona
    problem = check_question(persona, question)
    if problem:
        return problem
    answer = await ctx.deps.answerer.answer(persona, question)
    await record_answers(ctx, question, [(persona, answer)])
    reply = answer_reply(persona, answer, question, ctx.deps.now())
    return await with_log_button(ctx, reply, "ask", question, [(persona, answer)])


async def ask_again(ctx: Context) -> Reply:
    persona = await resolve_persona(ctx, ctx.args)
    if isinstance(persona, Reply):
        return persona
    return text_reply(
        f"Ask {persona.first_name} anything: type `ask {persona.slug} <your question>` or "
        f"\u201cwhat would {persona.first_name} think about …?\u201d",
        ephemeral=True,
    )


async def persona_question(text: str, deps: Deps, workspace_id: int) -> str | None:
    """'sam\tDoes Sam care about keyboard shortcuts?' when `text` is a question that names
    exactly one persona (first name, full name or slug); None otherwise."""
    if not (QUESTION_START.match(text) or text.rstrip().endswith("?")):
        return None
    names = await deps.db(deps.store.persona_names, workspace_id)
    words = {w.lower().removesuffix("'s").removesuffix("’s") for w in WORD.findall(text)}
    lowered = f" {text.lower()} "
    named = {
        slug
        for slug, name in names
        if slug in words or name.split(" ")[0].lower() in words or f" {name.lower()}" in lowered
    }
    if len(named) != 1:
        return None
    return f"{named.pop()}\t{clean_question(text)}"


def register(registry: Registry) -> None:
    registry.command(
        "ask",
        summary="What would this persona think? Answer grounded in their profile, with citations.",
        usage=USAGE,
        examples=(
            'ask maya "Should we drop the free tier?"',
            "what would Maya think about a 20% price rise?",
            "Does Sam care about keyboard shortcuts?",
        ),
        progress=ask_progress,
    )(ask)
    registry.phrase(NATURAL_ASK, "ask")
    registry.fallback("ask")(persona_question)
    registry.action("ask.again")(ask_again)
