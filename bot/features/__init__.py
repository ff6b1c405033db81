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
    )

    registry = Registry()
    for module in (
        help,
        personas,
        persona_maps,
        ask,
        panel,
        surveys,
        gaps,
        digest,
        reminders,
        decisions,
        home,
        evidence,
    ):
        module.register(registry)
    for module in (survey_sweep, gap_sweep, digest_sweep, decision_sweep):
        module.register(registry)
    return registry
