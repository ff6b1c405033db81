"""`list` and `show NAME`: the persona store, read from chat."""

from __future__ import annotations

from dataclasses import replace

from bot.commands import Context, Registry
from bot.features.cards import KIND_LABELS, evidence_badge, freshness, persona_card
from bot.features.decision_render import considered_section
from bot.features.gap_render import not_covered
from bot.features.gaps import gap_summaries
from bot.features.line_health import LineHealth, line_health, summary
from bot.features.persona_maps import (
    map_buttons,
    map_text,
    show_map,
    split_view,
    unknown_view,
)
from bot.features.resolve import resolve_persona
from bot.features.survey_render import prediction_badge
from bot.messages import Card, Reply, Section
from persona_store.personas.views import PersonaView

KIND_ORDER = ("primary", "secondary", "negative")
GROUP_TITLES = {
    "primary": "Primary personas",
    "secondary": "Secondary personas",
    "negative": "Negative personas",
}
GROUP_NOTES = {"negative": "Not who we build for."}


async def list_personas(ctx: Context) -> Reply:
    personas = await ctx.deps.db(ctx.deps.store.list_personas, ctx.workspace_id)
    if not personas:
        return Reply(
            text="No personas yet. Import a file with `persona-bot personas import FILE`.",
            ephemeral=True,
        )
    now = ctx.deps.now()
    sections = []
    lines = [f"Personas ({len(personas)}):"]
    for kind in KIND_ORDER:
        group = [p for p in personas if p.kind == kind]
        if not group:
            continue
        bullets = tuple(
            f"{p.name} ({p.slug}) — {p.role or 'no role yet'} · {freshness(p, now)}" for p in group
        )
        sections.append(
            Section(title=GROUP_TITLES[kind], text=GROUP_NOTES.get(kind), bullets=bullets)
        )
        lines += [f"{KIND_LABELS[kind]}:", *(f"  • {b}" for b in bullets)]
    return Reply(
        text="\n".join(lines),
        cards=(
            Card(
                title=f"Personas ({len(personas)})",
                sections=tuple(sections),
                context=("Type `show NAME` for a profile, or `ask NAME QUESTION`.",),
            ),
        ),
        ephemeral=True,
    )


async def show(ctx: Context) -> Reply:
    name, view = split_view(ctx.args)
    if view is not None:  # `show maya empathy`, `show maya journey`
        return await show_map(ctx, name, view)
    persona = await resolve_persona(ctx, ctx.args)
    if isinstance(persona, Reply):
        return await unknown_view(ctx, ctx.args) or persona
    now = ctx.deps.now()
    healths = line_health(persona, now)
    card = persona_card(
        persona,
        now,
        kinds=("goal", "pain", "motivation", "behavior", "objection", "channel"),
        limit=10,
        health={h.key: h for h in healths},
    )
    if healths:
        backing = Section(title="Line health", bullets=tuple(health_bullet(h) for h in healths))
        card = replace(
            card, sections=(*card.sections, backing), context=(*card.context, summary(healths))
        )
    text = [persona.name, persona.role]
    if persona.quote:
        text.append(f"\u201c{persona.quote}\u201d")
    text += [f"{f.label}: {f.value}" for f in card.fields]  # kind, segment, owners
    for section in card.sections:
        text += [f"{section.title}:", *(f"  • {b}" for b in section.bullets)]
    for which, title in (("empathy", "Empathy map"), ("journey", "Journey")):
        lines = map_text(persona, which)
        if lines:
            text += [f"{title} (`show {persona.slug} {which}`):", *(f"  {x}" for x in lines)]
    card = replace(card, buttons=card.buttons + map_buttons(persona))
    text += evidence_lines(persona)
    text.append(f"{freshness(persona, now)} · {evidence_badge(persona)}")
    if healths:
        text.append(summary(healths))
    record = await ctx.deps.db(
        ctx.deps.repos.surveys.prediction_record, ctx.workspace_id, persona.id
    )
    badge = prediction_badge(record)
    if badge:  # how well the persona predicted real survey results
        card = replace(card, context=(*card.context, badge))
        text.append(badge)
    considered = await ctx.deps.db(
        ctx.deps.repos.decisions.considered, ctx.workspace_id, [persona.id]
    )
    section = considered_section(*considered[persona.id])
    if section is not None:  # the decisions this persona was heard in
        card = replace(card, sections=(*card.sections, section))
        text += [f"{section.title}:", *(f"  • {b}" for b in section.bullets)]
    summaries = await gap_summaries(ctx.deps, ctx.workspace_id, [persona.id])
    uncovered = not_covered(summaries.get(persona.id))
    if uncovered:  # what people asked that the profile can't answer (`gaps NAME`)
        card = replace(card, context=(*card.context, f"{uncovered}: `gaps {persona.slug}`"))
        text.append(f"{uncovered} (type `gaps {persona.slug}`)")
    return Reply(text="\n".join(t for t in text if t), cards=(card,), ephemeral=True)


def health_bullet(h: LineHealth) -> str:
    """'pain-2: 1 evidence item (n=9), newest 2026-11-20 · latest survey: “No” won (n=9) ·
    ⚠ contested': a line's backing, as `show` lists it for every line."""
    parts = [h.backing()]
    if h.surveys:
        latest = h.surveys[0]
        won = f"\u201c{latest.winner}\u201d won" if latest.winner else "no clear winner"
        parts.append(f"latest survey: {won} (n={latest.n})")
    if h.flagged:
        parts.append(h.mark)
    return f"{h.key}: " + " \u00b7 ".join(parts)


def evidence_lines(persona: PersonaView, limit: int = 5) -> list[str]:
    """The latest evidence items, for the plain-text profile (the terminal's `show`)."""
    if not persona.evidence:
        return []
    latest = sorted(persona.evidence, key=lambda e: e.created_at, reverse=True)[:limit]
    lines = ["Evidence (latest first):"]
    for e in latest:
        facts = ", ".join(
            x
            for x in (
                e.source,
                f"n={e.n}" if e.n else "",
                e.collected_at.isoformat() if e.collected_at else "",
            )
            if x
        )
        lines.append(f"  • {e.summary} ({facts})")  # fmt: skip
    if len(persona.evidence) > limit:
        lines.append(f"  … and {len(persona.evidence) - limit} more")
    return lines


async def edit(ctx: Context) -> Reply:
    """`edit NAME` outside Slack (Slack opens a form before the core sees it): say how."""
    persona = await resolve_persona(ctx, ctx.args)
    if isinstance(persona, Reply):
        return persona
    return Reply(
        text=(
            f"Editing in a form works in Slack (`/persona edit {persona.slug}`). Anywhere else: "
            "`persona-bot personas export --format yaml --out personas.yaml`, change "
            f"{persona.first_name}'s entry, then `persona-bot personas import personas.yaml` "
            "(a revision is kept)."
        ),
        ephemeral=True,
    )


def register(registry: Registry) -> None:
    registry.command(
        "list",
        summary="All personas in this workspace, with how fresh each one is.",
        usage="list",
        aliases=("personas",),
    )(list_personas)
    registry.command(
        "show",
        summary="One persona's profile: goals, pains, objections, owners, evidence.",
        usage="show NAME [empathy|journey]",
        examples=("show maya", "show maya empathy", "show sam journey"),
        aliases=("profile",),
    )(show)
    registry.action("persona.show")(show)
    registry.command("edit", summary="Edit a persona.", usage="edit NAME", hidden=True)(edit)
