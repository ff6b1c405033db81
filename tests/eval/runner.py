"""Run an answerer over evaluation cases: the personas go through the real persona file
loader and import into a SQLite store, so answers see the views and line keys a user's
store would give them."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path

from bot.answering.base import Answerer
from persona_store import Store, create_engine_for, session_factory
from persona_store.migrate import upgrade
from persona_store.personas.views import PersonaView
from tests.eval.dataset import Case, load_specs
from tests.eval.metrics import Outcome


def load_views(directory: Path) -> dict[str, PersonaView]:
    """Import the evaluation personas into a fresh SQLite store in `directory`; their views."""
    engine = create_engine_for(f"sqlite:///{directory / 'eval.db'}")
    try:
        upgrade(engine)
        store = Store(session_factory(engine))
        ws = store.default_workspace_id()
        store.import_specs(ws, load_specs(), author="eval")
        return {view.slug: view for view in store.list_personas(ws)}
    finally:
        engine.dispose()


async def run_cases(
    answerer: Answerer,
    views: dict[str, PersonaView],
    cases: Sequence[Case],
    *,
    concurrency: int = 4,
) -> list[Outcome]:
    """Each case asked of its persona in isolation (at most `concurrency` at once)."""
    gate = asyncio.Semaphore(concurrency)

    async def one(case: Case) -> Outcome:
        async with gate:
            return Outcome.of(case, await answerer.answer(views[case.persona], case.question))

    return list(await asyncio.gather(*(one(case) for case in cases)))
