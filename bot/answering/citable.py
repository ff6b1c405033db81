"""The lines an answer may cite: the profile lines plus the persona's quote, summary and role,
each under its own key ("quote", "summary", "role"), so an answer built on "Give me an API
and a webhook…" cites where that came from like any other line."""

from __future__ import annotations

from persona_store.personas.views import LineView, PersonaView

EXTRA_KEYS: tuple[str, ...] = ("quote", "summary", "role")


def extra_lines(persona: PersonaView) -> tuple[LineView, ...]:
    """The quote, summary and role as citable lines (kind = key), the empty ones left out."""
    values = {"quote": persona.quote, "summary": persona.summary, "role": persona.role}
    return tuple(
        LineView(0, key, key, " ".join(values[key].split()))
        for key in EXTRA_KEYS
        if values[key] and values[key].strip()
    )


def citable_lines(persona: PersonaView) -> tuple[LineView, ...]:
    return (*persona.lines, *extra_lines(persona))


def citable_line(persona: PersonaView, key: str) -> LineView | None:
    """The line a citation key names, quote / summary / role included."""
    found = persona.line(key)
    if found is not None or key not in EXTRA_KEYS:
        return found
    return next((ln for ln in extra_lines(persona) if ln.key == key), None)
