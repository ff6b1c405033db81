"""`home` (hidden): a person's home screen — personas they own that need review, the top
gaps of the personas they own (questions their profiles can't answer), then the persona
gallery with freshness. Slack shows it as the App Home tab; any platform may."""

from __future__ import annotations

from bot.commands import Context, Registry
from bot.features.cards import evidence_badge, freshness
from bot.features.gap_render import top_gap_buttons, top_gaps_section
from bot.messages import Button, Card, Reply, initials
from persona_store.personas.views import PersonaView

MAX_GALLERY = 20  # a home screen, not an export: the gallery links to the rest
MAX_OWNED_GAPS = 3  # personas whose top gaps the home screen lists


def _gallery_card(persona: PersonaView, ctx: Context) -> Card:
    now = ctx.deps.now()
    return Card(
        title=persona.name,
        subtitle=" · ".join(x for x in (persona.kind.capitalize(), persona.role) if x) or None,
        text=f"\u201c{persona.quote}\u201d" if persona.quote else (persona.summary or None),
        image_url=persona.photo_url,
        initials=initials(persona.name),
        context=(freshness(persona, now), evidence_badge(persona)),
        buttons=(
            Button(f"Ask {persona.first_name}", "ask.again", persona.slug, style="primary"),
            Button("Show profile", "persona.show", persona.slug),
        ),
    )


async def home(ctx: Context) -> Reply:
    personas = await ctx.deps.db(ctx.deps.store.list_personas, ctx.workspace_id)
    now = ctx.deps.now()
    me = ctx.author
    mine = [p for p in personas if any(o.ref == me for o in p.owners) and p.is_overdue(now)]
    cards: list[Card] = []
    lines: list[str] = []
    if mine:
        cards.append(
            Card(
                title="Personas you own that need review",
                text="\n".join(f"{p.name}: {freshness(p, now)}" for p in mine),
                buttons=tuple(
                    Button(f"{p.first_name} is still accurate", "review.ok", p.slug) for p in mine
                ),
            )
        )
        lines.append("Needs your review: " + ", ".join(p.name for p in mine))
    else:
        lines.append("Nothing of yours needs review.")
    owned = [p for p in personas if any(o.ref == me for o in p.owners)][:MAX_OWNED_GAPS]
    for persona in owned:  # what people asked the personas you own that they can't answer
        gaps = await ctx.deps.db(ctx.deps.repos.gaps.listed, ctx.workspace_id, persona.id, 5)
        section = top_gaps_section(persona, gaps)
        if section is None:
            continue
        cards.append(
            Card(
                title=f"Asked {persona.first_name} but not covered",
                sections=(section,),
                buttons=top_gap_buttons(persona, gaps),
            )
        )
        lines += [f"Asked {persona.first_name} but not covered:", section.text or ""]
    if not personas:
        cards.append(
            Card(
                title="No personas yet",
                text="Import a file with `persona-bot personas import FILE`.",
            )
        )
    shown = personas[:MAX_GALLERY]
    cards += [_gallery_card(p, ctx) for p in shown]
    lines += [f"{p.name} ({p.kind}) · {freshness(p, now)}" for p in shown]
    if len(personas) > len(shown):
        lines.append(f"…and {len(personas) - len(shown)} more: type `list`.")
    return Reply(text="\n".join(lines), cards=tuple(cards), ephemeral=True)


def register(registry: Registry) -> None:
    registry.command(
        "home",
        summary="Your home screen: personas you own that need review, and the gallery.",
        usage="home",
        hidden=True,
    )(home)
