"""`show maya empathy` and `show maya journey`: the empathy map as four quadrants and the
journey as a row of stages, every entry with its citation id (`feels-2`,
`decision-pain-1`). Pure card builders plus the handlers `show` delegates to."""

from __future__ import annotations

from bot.commands import Context, Registry
from bot.features.cards import freshness
from bot.features.resolve import resolve_persona
from bot.messages import Button, Card, Reply, Section
from persona_store.personas.maps import empathy_map, journey
from persona_store.personas.views import PersonaView

VIEWS = ("empathy", "journey")
EMPTY = "—"


def map_buttons(persona: PersonaView) -> tuple[Button, ...]:
    """'Empathy map' / 'Journey' buttons for the persona's card, when it has them."""
    out = []
    if empathy_map(persona):
        out.append(Button("Empathy map", "persona.empathy", persona.slug))
    if journey(persona):
        out.append(Button("Journey", "persona.journey", persona.slug))
    return tuple(out)


def empathy_card(persona: PersonaView) -> Card:
    sections = tuple(
        Section(
            title=q.title,
            text=None if q.rows else EMPTY,
            bullets=tuple(f"{text} [{key}]" for key, text in q.rows),
        )
        for q in empathy_map(persona)
    )
    return Card(
        title=f"{persona.name}: empathy map",
        subtitle=persona.role or None,
        sections=sections,
        layout="grid",
        buttons=_buttons(persona, "journey"),
    )


def journey_card(persona: PersonaView) -> Card:
    sections = tuple(
        Section(
            title=stage.title,
            bullets=tuple(
                f"{title[:-1]}: {text} [{key}]"
                for _, title, rows in stage.parts
                for key, text in rows
            ),
        )
        for stage in journey(persona)
    )
    return Card(
        title=f"{persona.name}: journey",
        subtitle=persona.role or None,
        sections=sections,
        layout="row",
        buttons=_buttons(persona, "empathy"),
    )


def _buttons(persona: PersonaView, other: str) -> tuple[Button, ...]:
    ask = Button(f"Ask {persona.first_name}", "ask.again", persona.slug, style="primary")
    return (ask, *(b for b in map_buttons(persona) if b.action_id == f"persona.{other}"))


def map_text(persona: PersonaView, which: str) -> list[str]:
    """The plain-text form (terminal, notifications): one line per entry with its id."""
    out: list[str] = []
    if which == "empathy":
        for q in empathy_map(persona):
            out.append(f"{q.title}:")
            out += [f"  • {text} [{key}]" for key, text in q.rows] or [f"  {EMPTY}"]
    else:
        for stage in journey(persona):
            out.append(f"{stage.title}:")
            out += [
                f"  • {title[:-1]}: {text} [{key}]"
                for _, title, rows in stage.parts
                for key, text in rows
            ]
    return out


async def show_map(ctx: Context, name: str, which: str) -> Reply:
    persona = await resolve_persona(ctx, name)
    if isinstance(persona, Reply):
        return persona
    has = empathy_map(persona) if which == "empathy" else journey(persona)
    label = "empathy map" if which == "empathy" else "journey"
    if not has:
        return Reply(
            text=(
                f"{persona.name} has no {label} yet. Add `{which}:` to {persona.first_name}'s "
                "entry in the persona file and import it (README, Empathy map and journey)."
            ),
            ephemeral=True,
        )
    card = empathy_card(persona) if which == "empathy" else journey_card(persona)
    card = Card(**{**card.__dict__, "context": (freshness(persona, ctx.deps.now()),)})
    text = [f"{persona.name}: {label}", *map_text(persona, which)]
    return Reply(
        text="\n".join(text), cards=(card,), ephemeral=True, meta={"persona": persona.slug}
    )


def split_view(args: str) -> tuple[str, str | None]:
    """'maya empathy' -> ('maya', 'empathy'); 'maya' -> ('maya', None)."""
    head, _, last = args.strip().rpartition(" ")
    if head.strip() and last.lower() in VIEWS:
        return head.strip(), last.lower()
    return args, None


async def empathy_action(ctx: Context) -> Reply:
    return await show_map(ctx, ctx.args, "empathy")


async def journey_action(ctx: Context) -> Reply:
    return await show_map(ctx, ctx.args, "journey")


def register(registry: Registry) -> None:
    registry.action("persona.empathy")(empathy_action)
    registry.action("persona.journey")(journey_action)
