"""Features: one module per job. `build_registry()` wires them all into one Registry."""

from __future__ import annotations

from bot.commands import Registry


def build_registry() -> Registry:
    from bot.features import (
        ask,
        ask_message,
        critique,
        decision_sweep,
        decisions,
        digest,
        digest_sweep,
        evidence,
        gap_sweep,
        gaps,
        help,
        home,
        panel,
        persona_maps,
        personas,
        reminders,
        survey_sweep,
        surveys,
        voice,
        voice_sweep,
    )

    registry = Registry()
    # registration order is the order of Teams' command list (at most 10 shown there)
    for module in (
        help,
        personas,
        persona_maps,
        ask,
        panel,
        surveys,
        voice,
        gaps,
        digest,
        reminders,
        decisions,
        critique,
        home,
        evidence,
    ):
        module.register(registry)
    ask_message.register(registry)
    for module in (survey_sweep, gap_sweep, digest_sweep, decision_sweep, voice_sweep):
        module.register(registry)
    return registry
