"""The empathy map and the journey of a persona, grouped for display: the quadrants in
their classic order (says, thinks, does, feels), the stages in journey order, each with its
lines' citation ids. One grouping for `show`, the gallery, the Markdown export and answers."""

from __future__ import annotations

from dataclasses import dataclass

from persona_store.personas.spec import EMPATHY_KINDS, STAGE_FIELDS, STAGES, PersonaSpec
from persona_store.personas.views import PersonaView

# The classic 2x2 reads says | thinks over does | feels.
QUADRANTS = ("says", "thinks", "does", "feels")
assert set(QUADRANTS) == set(EMPATHY_KINDS)
QUADRANT_TITLES = {"says": "Says", "thinks": "Thinks", "does": "Does", "feels": "Feels"}
STAGE_TITLES = {stage: stage.capitalize() for stage in STAGES}
PART_TITLES = {
    "goal": "Goals",
    "pain": "Pains",
    "touchpoint": "Touchpoints",
    "question": "Questions",
}

Row = tuple[str | None, str]  # (citation id, text); no id for a spec not stored yet


@dataclass(frozen=True)
class Quadrant:
    kind: str
    title: str
    rows: tuple[Row, ...]


@dataclass(frozen=True)
class Stage:
    stage: str
    title: str
    parts: tuple[tuple[str, str, tuple[Row, ...]], ...]  # (kind, title, rows), non-empty


def _rows(persona: PersonaSpec | PersonaView, kind: str) -> tuple[Row, ...]:
    if isinstance(persona, PersonaView):
        return tuple((line.key, line.text) for line in persona.lines_of(kind))
    return tuple((None, text) for text in persona.lines.get(kind, ()))


def empathy_map(persona: PersonaSpec | PersonaView) -> tuple[Quadrant, ...]:
    """All four quadrants (an empty one stays, the map keeps its shape); () when the
    persona has no empathy map at all."""
    quads = tuple(Quadrant(k, QUADRANT_TITLES[k], _rows(persona, k)) for k in QUADRANTS)
    return quads if any(q.rows for q in quads) else ()


def journey(persona: PersonaSpec | PersonaView) -> tuple[Stage, ...]:
    """The stages the persona's journey names, in journey order."""
    out = []
    for stage in STAGES:
        parts = tuple(
            (f"{stage}-{kind}", PART_TITLES[kind], rows)
            for kind in STAGE_FIELDS.values()
            if (rows := _rows(persona, f"{stage}-{kind}"))
        )
        if parts:
            out.append(Stage(stage, STAGE_TITLES[stage], parts))
    return tuple(out)
