"""Markdown export: a readable one-pager per persona (not importable; YAML/JSON are)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from persona_store.personas.convert import spec_of
from persona_store.personas.maps import Row, empathy_map, journey
from persona_store.personas.spec import PersonaSpec
from persona_store.personas.views import PersonaView

_LIST_TITLES = {
    "goal": "Goals",
    "pain": "Pains",
    "motivation": "Motivations",
    "behavior": "Behaviors",
    "objection": "Objections",
    "channel": "Channels",
}


def _md(text: str) -> str:
    """Plain text inside Markdown: neutralise characters that would become markup."""
    out = text.replace("\\", "\\\\")
    for ch in ("*", "_", "`", "[", "]", "<", ">", "#", "|"):
        out = out.replace(ch, "\\" + ch)
    return " ".join(out.split())


def dump_markdown(personas: Iterable[PersonaSpec | PersonaView]) -> str:
    """A readable one-pager per persona. Views show each line's citation key (e.g. pain-2)."""
    pages = []
    for persona in personas:
        pages.append(_markdown_page(persona))
    return "\n---\n\n".join(pages) if pages else "_No personas._\n"


def _markdown_page(persona: PersonaSpec | PersonaView) -> str:
    spec = spec_of(persona) if isinstance(persona, PersonaView) else persona
    out = [f"# {_md(spec.name)}", ""]
    facts = [f"**Kind:** {spec.kind}", f"**Slug:** {spec.slug}"]
    if spec.segment:
        facts.append(f"**Segment:** {_md(spec.segment)}")
    out.append(" · ".join(facts))
    out.append("")
    if spec.role:
        out += [f"**Role:** {_md(spec.role)}", ""]
    if spec.quote:
        out += [f"> “{_md(spec.quote)}”", ""]
    if spec.summary:
        out += [_md(spec.summary), ""]
    for kind, title in _LIST_TITLES.items():
        if isinstance(persona, PersonaView):
            rows = [(line.key, line.text) for line in persona.lines_of(kind)]
        else:
            rows = [(None, text) for text in spec.lines.get(kind, ())]
        if not rows:
            continue
        out += [f"## {title}", ""]
        out += [f"- {_md(text)}" + (f" `[{key}]`" if key else "") for key, text in rows]
        out.append("")
    out += _maps(persona)
    if spec.buyer_of or spec.user_of:
        out += ["## Buyer and user", ""]
        if spec.buyer_of:
            out.append(f"- Buys for: {', '.join(_md(s) for s in spec.buyer_of)}")
        if spec.user_of:
            out.append(f"- Bought for by: {', '.join(_md(s) for s in spec.user_of)}")
        out.append("")
    out += ["## Ownership and review", ""]
    out.append(f"- Owners: {', '.join(_md(o) for o in spec.owners) or 'nobody yet'}")
    reviewed = spec.last_reviewed.isoformat() if spec.last_reviewed else "never"
    out.append(f"- Last reviewed: {reviewed}; reviewed every {spec.review_every_days} days")
    if spec.last_reviewed:
        due = spec.last_reviewed + timedelta(days=spec.review_every_days)
        out.append(f"- Next review due: {due.isoformat()}")
    if spec.home_channel:
        out.append(f"- Home channel: {_md(spec.home_channel)}")
    out.append("")
    if spec.evidence:
        out += ["## Evidence", ""]
        # A view shows the stored citation ids (as its lines do); a spec its file references.
        if isinstance(persona, PersonaView):
            refs = [e.line_key for e in persona.evidence]
        else:
            refs = [e.line for e in spec.evidence]
        for e, ref in zip(spec.evidence, refs, strict=True):
            bits = [e.source]
            if e.n is not None:
                bits.append(f"n={e.n}")
            if e.date:
                bits.append(e.date.isoformat())
            if ref:
                bits.append(f"supports {ref}")
            out.append(f"- {_md(e.summary)} ({', '.join(bits)})")
        out.append("")
    imported = persona.imported if isinstance(persona, PersonaView) else None
    if imported is not None and imported.rows:
        linked = sum(imported.by_line.values())
        out += [
            "## Evidence from exports",
            "",
            f"- {imported.rows:,} rows imported (n={imported.people:,}), {linked:,} "
            "linked to lines",
            "",
        ]
    return "\n".join(out)


def _bullets(rows: tuple[Row, ...]) -> list[str]:
    return [f"- {_md(text)}" + (f" `[{key}]`" if key else "") for key, text in rows]


def _maps(persona: PersonaSpec | PersonaView) -> list[str]:
    """The empathy map (a section per quadrant) and the journey (a section per stage)."""
    out: list[str] = []
    quadrants = [q for q in empathy_map(persona) if q.rows]
    if quadrants:
        out += ["## Empathy map", ""]
        for q in quadrants:
            out += [f"**{q.title}**", "", *_bullets(q.rows), ""]
    stages = journey(persona)
    if stages:
        out += ["## Journey", ""]
        for stage in stages:
            out += [f"### {stage.title}", ""]
            for _, title, rows in stage.parts:
                out += [f"**{title}**", "", *_bullets(rows), ""]
    return out
