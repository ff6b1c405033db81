"""Played as an attacker against survey nudges (the clock's sweep, on SQLite and
PostgreSQL): someone posts ten surveys in a channel at once; a colleague who opted in to
reminders there gets at most three a day from that channel, not ten DMs, while a survey
posted the next day is still a reminder of its own."""

from __future__ import annotations

from datetime import timedelta

from bot.commands import Core
from bot.features import build_registry
from persona_store import Store
from tests.sched_helpers import Clock, RecordingAdapter, deps_for, seed, sweep_once
from tests.test_voice_features import command, make


async def test_ten_surveys_at_once_are_at_most_three_reminders(store: Store) -> None:
    seed(store)
    clock = Clock()
    deps = deps_for(store, clock)
    core = Core(deps, build_registry())
    await core.handle(command("survey nudge on", "U1"))
    for i in range(10):
        await make(core, f'survey maya "Spam question {i}?" Yes | No')
    adapter = RecordingAdapter()
    later = clock.now + timedelta(days=1, minutes=1)
    deps.now = lambda: later
    for minutes in (0, 5, 10):
        await sweep_once(deps, [adapter], later + timedelta(minutes=minutes))
    first_day = [r.text for a, r, _ in adapter.sent if a.conversation_id == "U1"]
    assert len(first_day) == 3, first_day
    assert all(f"Spam question {i}?" in t for i, t in enumerate(first_day))

    deps.now = lambda: later  # the next day: one more survey, one more reminder
    _, sid = await make(core, 'survey maya "A real question?" Yes | No')
    next_day = later + timedelta(days=1, minutes=2)
    deps.now = lambda: next_day
    await sweep_once(deps, [adapter], next_day)
    nudged = [r.text for a, r, _ in adapter.sent if a.conversation_id == "U1"]
    assert len(nudged) == 4 and "A real question?" in nudged[-1], nudged
