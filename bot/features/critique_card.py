"""Pure rendering of a persona's critique, and of a rewrite for them, into a Reply."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from bot.answering.citable import citable_line
from bot.answering.critique import Critique, Point, Rewrite
from bot.features.cards import evidence_badge, freshness
from bot.messages import Button, Card, Reply, Section, initials
from persona_store.personas.views import PersonaView

REACTION_TITLES = (
    ("object", "Would object to"),
    ("welcome", "Would welcome"),
    ("mixed", "Mixed feelings about"),
)
MAX_CLAIM_ECHO = 160


def _claim(text: str) -> str:
    return text if len(text) <= MAX_CLAIM_ECHO else text[: MAX_CLAIM_ECHO - 1].rstrip() + "…"


def _point(point: Point) -> str:
    return f"\u201c{_claim(point.claim)}\u201d: {point.why} [{', '.join(point.cites)}]"


def _sources(persona: PersonaView, keys: tuple[str, ...]) -> tuple[str, ...]:
    lines = [citable_line(persona, k) for k in keys]
    return tuple(f"{ln.key}: {ln.text}" for ln in lines if ln is not None)


def critique_source(critique: Critique) -> str:
    if critique.fallback_reason:
        return critique.fallback_reason
    if critique.source == "llm":
        model = f" ({critique.model})" if critique.model else ""
        return f"AI critique{model} grounded in the profile"
    return "Offline critique: each claim put to the profile's own lines"


def persona_buttons(persona: PersonaView) -> tuple[Button, ...]:
    """The buttons under a critique or rewrite (where more, such as logging a decision,
    can be added)."""
    return (
        Button(
            f"Ask {persona.first_name}", "ask.again", persona.slug, compose=f"ask {persona.slug} "
        ),
        Button("Show profile", "persona.show", persona.slug),
    )


def critique_card(
    persona: PersonaView, critique: Critique, now: datetime, *, notes: tuple[str, ...] = ()
) -> Card:
    sections: list[Section] = []
    for reaction, title in REACTION_TITLES:
        bullets = tuple(_point(p) for p in critique.points if p.reaction == reaction)
        if bullets:
            sections.append(Section(title=title, bullets=bullets))
    sources = _sources(persona, critique.cited_keys)
    if sources:
        sections.append(Section(title="Cited from the profile", bullets=sources))
    small = list(notes)
    if critique.skipped:
        small.append(
            f"Read the first {critique.claims} claims; {critique.skipped} more were not read."
        )
    small += [freshness(persona, now), evidence_badge(persona), critique_source(critique)]
    return Card(
        title=f"{persona.name}'s critique",
        subtitle=persona.role or None,
        text=critique.summary,
        image_url=persona.photo_url,
        initials=initials(persona.name),
        sections=tuple(sections),
        context=tuple(small),
        buttons=persona_buttons(persona),
    )


def critique_text(
    persona: PersonaView, critique: Critique, now: datetime, notes: tuple[str, ...] = ()
) -> str:
    out = [f"{persona.name}'s critique", critique.summary]
    for reaction, title in REACTION_TITLES:
        points = [p for p in critique.points if p.reaction == reaction]
        if points:
            out += [f"{title}:", *(f"  • {_point(p)}" for p in points)]
    sources = _sources(persona, critique.cited_keys)
    if sources:
        out += ["Cited:", *(f"  [{s.replace(': ', '] ', 1)}" for s in sources)]
    out += list(notes)
    out.append(f"{freshness(persona, now)} · {critique_source(critique)}")
    return "\n".join(out)


def critique_reply(
    persona: PersonaView,
    critique: Critique,
    now: datetime,
    *,
    notes: tuple[str, ...] = (),
    lead: str | None = None,
) -> Reply:
    """`lead` comes first in the text and the card (e.g. why there is no rewrite)."""
    card = critique_card(persona, critique, now, notes=notes)
    text = critique_text(persona, critique, now, notes)
    if lead:
        card = replace(card, text=f"{lead}\n\n{card.text}")
        text = f"{lead}\n{text}"
    return Reply(
        text=text,
        cards=(card,),
        shareable=True,
        meta={"persona": persona.slug, "kind": "critique"},
    )


def no_claims_reply(persona: PersonaView, example: str) -> Reply:
    """Nothing in the text to critique ("Hi team!"): said plainly, nothing to log."""
    return Reply(
        text=f"I found no claims in that text for {persona.first_name} to react to: a "
        "critique reads statements (a price, a plan, a promise), not greetings or thanks. "
        f"Try: `{example}`",
        ephemeral=True,
        is_error=True,
        meta={"persona": persona.slug, "kind": "critique"},
    )


def rewrite_reply(persona: PersonaView, original: str, rewrite: Rewrite, now: datetime) -> Reply:
    changes = tuple(f"{c.what}: {c.why} [{', '.join(c.cites)}]" for c in rewrite.changes)
    sections = [
        Section(title="Rewritten", text=rewrite.text, literal=True),
        Section(title="What changed, and which lines it answers", bullets=changes),
    ]
    sources = _sources(persona, rewrite.cited_keys)
    if sources:
        sections.append(Section(title="Cited from the profile", bullets=sources))
    model = f" ({rewrite.model})" if rewrite.model else ""
    context = (
        f"{len(original):,} characters rewritten",
        freshness(persona, now),
        f"AI rewrite{model} grounded in the profile: check it before sending",
    )
    card = Card(
        title=f"Rewritten for {persona.name}",
        subtitle=persona.role or None,
        image_url=persona.photo_url,
        initials=initials(persona.name),
        sections=tuple(sections),
        context=context,
        buttons=persona_buttons(persona),
    )
    text = "\n".join(
        [
            f"Rewritten for {persona.name}:",
            rewrite.text,
            "What changed:",
            *(f"  • {c}" for c in changes),
            " · ".join(context),
        ]
    )
    return Reply(
        text=text, cards=(card,), shareable=True, meta={"persona": persona.slug, "kind": "rewrite"}
    )
