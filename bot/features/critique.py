"""`critique maya TEXT` (what Maya would object to or welcome, claim by claim) and `rewrite
maya TEXT` (the text rewritten for her, with a model; offline it says why not and gives the
critique)."""

from __future__ import annotations

from bot.answering.citable import citable_line
from bot.answering.critique import MAX_TEXT_CHARS, Critic, Critique, has_claims
from bot.commands import Context, Registry
from bot.features.answer_log import with_log_button_heard
from bot.features.ask import split_args
from bot.features.critique_card import critique_reply, no_claims_reply, rewrite_reply
from bot.features.resolve import resolve_persona
from bot.messages import Reply, error_reply, text_reply
from persona_store.decisions.views import Considered
from persona_store.personas.views import PersonaView

NEEDS_MODEL = (
    "Rewriting needs an AI model (set OPENAI_API_KEY or OPENAI_BASE_URL); here is "
    "{first}'s critique instead."
)
EXAMPLE_TEXT = "We're raising prices 20% next month. Every plan gets SSO and a faster setup."


def critique_heard(persona: PersonaView, critique: Critique) -> Considered:
    """What a critique heard from the persona, for the decision log: the lines it cited."""
    lines = [citable_line(persona, key) for key in critique.cited_keys]
    cited = tuple((ln.key, ln.text) for ln in lines if ln is not None)
    return Considered(persona.slug, persona.name, "critique", cited)


def critic_of(ctx: Context) -> Critic:
    critic = ctx.deps.critic
    assert critic is not None  # Deps builds one
    return critic


def check_text(text: str, command: str, persona: PersonaView) -> Reply | None:
    if not text.strip():
        return error_reply(
            f"What should {persona.first_name} read? Try: `{command} {persona.slug} {EXAMPLE_TEXT}`"
        )
    if len(text) > MAX_TEXT_CHARS:
        return error_reply(
            f"That text is {len(text):,} characters long. Please keep it to "
            f"{MAX_TEXT_CHARS:,} characters or fewer."
        )
    return None


def _rewrites(ctx: Context) -> bool:
    """A model rewrites any text (a greeting too); everything else critiques it, which needs
    claims."""
    return ctx.command == "rewrite" and critic_of(ctx).can_rewrite


async def _target(ctx: Context) -> tuple[PersonaView, str] | Reply:
    """(persona, text) once per turn (the placeholder and the handler share it)."""
    if "critique" not in ctx.memo:
        ctx.memo["critique"] = await _checked(ctx)
    result: tuple[PersonaView, str] | Reply = ctx.memo["critique"]
    return result


async def _checked(ctx: Context) -> tuple[PersonaView, str] | Reply:
    name, text = await split_args(ctx)
    persona = await resolve_persona(ctx, name)
    if isinstance(persona, Reply):
        return persona
    problem = check_text(text, ctx.command, persona)
    if problem is not None:
        return problem
    if not has_claims(text) and not _rewrites(ctx):  # "Hi team!": nothing to react to
        return no_claims_reply(persona, f"{ctx.command} {persona.slug} {EXAMPLE_TEXT}")
    return persona, text


async def reading_progress(ctx: Context) -> Reply | None:
    found = await _target(ctx)
    if isinstance(found, Reply):
        return None
    return text_reply(f"Reading it as {found[0].first_name}…")


async def critique(ctx: Context) -> Reply:
    found = await _target(ctx)
    if isinstance(found, Reply):
        return found
    persona, text = found
    result = await critic_of(ctx).critique(persona, text)
    reply = critique_reply(persona, result, ctx.deps.now())
    heard = [critique_heard(persona, result)]
    return await with_log_button_heard(ctx, reply, "critique", text, heard)


async def rewrite(ctx: Context) -> Reply:
    found = await _target(ctx)
    if isinstance(found, Reply):
        return found
    persona, text = found
    critic = critic_of(ctx)
    result = await critic.rewrite(persona, text)
    if isinstance(result, Critique):
        lead = (
            NEEDS_MODEL.format(first=persona.first_name)
            if not critic.can_rewrite
            else f"No rewrite this time; here is {persona.first_name}'s critique instead."
        )
        reply = critique_reply(persona, result, ctx.deps.now(), lead=lead)
        heard = [critique_heard(persona, result)]
        return await with_log_button_heard(ctx, reply, "critique", text, heard)
    return rewrite_reply(persona, text, result, ctx.deps.now())


def register(registry: Registry) -> None:
    registry.command(
        "critique",
        summary="What a persona would object to or welcome in a text, claim by claim.",
        usage="critique PERSONA TEXT",
        examples=(f"critique maya {EXAMPLE_TEXT}",),
        progress=reading_progress,
    )(critique)
    registry.command(
        "rewrite",
        summary="A text rewritten for a persona, with what changed and why (needs an AI model).",
        usage="rewrite PERSONA TEXT",
        examples=("rewrite maya Our new plan costs $49 a seat and includes onboarding.",),
        progress=reading_progress,
    )(rewrite)
