"""Pure builders of persona cards and badges shared by features (show, ask, digest, ...)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from bot.features.line_health import LineHealth
from bot.messages import Button, Card, Field, Section, initials
from persona_store.personas.views import LineView, PersonaView

KIND_LABELS = {
    "primary": "Primary persona",
    "secondary": "Secondary persona",
    "negative": "Negative persona (not who we build for)",
}
LINE_TITLES = {
    "goal": "Goals",
    "pain": "Pains",
    "motivation": "Motivations",
    "behavior": "Behaviors",
    "objection": "Objections",
    "channel": "Channels",
}


def freshness(persona: PersonaView, now: datetime) -> str:
    """The staleness badge every answer and card carries."""
    days = persona.days_since_review(now)
    if days is None:
        return "Never reviewed"
    ago = "today" if days == 0 else "1 day ago" if days == 1 else f"{days} days ago"
    overdue = days - persona.review_every_days
    if overdue > 0:
        return f"Last reviewed {ago} (review overdue by {overdue} days)"
    return f"Last reviewed {ago}"


def evidence_badge(persona: PersonaView) -> str:
    items = len(persona.evidence)
    rows = persona.imported.rows
    if not items and not rows:
        return "No evidence recorded yet"
    imported = f"{rows:,} row{'' if rows == 1 else 's'} from exports"
    if not items:
        return f"Backed by {imported}"
    people = sum(e.n for e in persona.evidence if e.n)
    noun = "item" if items == 1 else "items"
    badge = f"Backed by {items} evidence {noun}" + (f" (n={people})" if people else "")
    return f"{badge} and {imported}" if rows else badge


def line_bullet(line: LineView, health: LineHealth | None = None) -> str:
    """'Text [pain-2]', with a flagged line's mark in front (the citation stays last, where
    the playground links it)."""
    mark = f"{health.mark} \u00b7 " if health is not None and health.flagged else ""
    return f"{mark}{line.text} [{line.key}]"


def persona_card(
    persona: PersonaView,
    now: datetime,
    *,
    kinds: tuple[str, ...] = ("goal", "pain", "objection"),
    limit: int = 5,
    buttons: bool = True,
    health: Mapping[str, LineHealth] | None = None,
) -> Card:
    """The profile card; with `health` (bot.features.line_health) a flagged line carries
    its mark ("⚠ needs data" / "⚠ contested")."""
    sections = []
    for kind in kinds:
        lines = persona.lines_of(kind)[:limit]
        if lines:
            sections.append(
                Section(
                    title=LINE_TITLES[kind],
                    bullets=tuple(line_bullet(ln, (health or {}).get(ln.key)) for ln in lines),
                )
            )
    fields = [Field("Kind", KIND_LABELS.get(persona.kind, persona.kind))]
    if persona.segment:
        fields.append(Field("Segment", persona.segment))
    owners = ", ".join(o.ref for o in persona.owners) or "nobody yet"
    fields.append(Field("Owners", owners))
    return Card(
        title=persona.name,
        subtitle=persona.role or None,
        text=f"\u201c{persona.quote}\u201d" if persona.quote else (persona.summary or None),
        image_url=persona.photo_url,
        initials=initials(persona.name),
        fields=tuple(fields),
        sections=tuple(sections),
        context=(freshness(persona, now), evidence_badge(persona)),
        buttons=(
            (Button(f"Ask {persona.first_name}", "ask.again", persona.slug, style="primary"),)
            if buttons
            else ()
        ),
    )
