"""A seeded SQLite store that `persona-bot` run in-process (`bot.cli.main`) also uses."""

from __future__ import annotations

from pathlib import Path

import pytest

from persona_store import Store, create_engine_for, session_factory
from persona_store.migrate import upgrade
from tests.sched_helpers import seed


def cli_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str = "cli.db") -> Store:
    """Maya seeded in a fresh file; DATABASE_URL points at it and the cwd is `tmp_path` (no
    stray .env)."""
    url = f"sqlite:///{tmp_path / name}"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", url)
    engine = create_engine_for(url)
    upgrade(engine)
    store = Store(session_factory(engine))
    seed(store)
    return store
