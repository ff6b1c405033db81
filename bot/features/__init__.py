"""Features: one module per job. `build_registry()` wires them all into one Registry."""

from __future__ import annotations

from bot.commands import Registry


def build_registry() -> Registry:
    from bot.features import (
        ask,
        decision_sweep,
        decisions,
        digest,
        digest_sweep,
        help,
        home,
        panel,
        personas,
        reminders,
        survey_sweep,
        surveys,
        voice,
        voice_sweep,
    )

    registry = Registry()
    for module in (help, personas, ask, panel, surveys, voice, digest, reminders, decisions, home):
        module.register(registry)
    for module in (survey_sweep, digest_sweep, decision_sweep, voice_sweep):
        module.register(registry)
    return registry
