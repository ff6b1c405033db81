"""Shared fixtures: a migrated database on SQLite (file) and on PostgreSQL, a Store, Deps.

`db_url` is parametrised over both backends; any test that takes `store` (or `db_url`)
runs twice. PostgreSQL tests use a database created for this test session (one per xdist
worker) on 127.0.0.1:5432, so parallel runs never collide.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import psycopg
import pytest
from sqlalchemy import Engine, text

from bot.answering.base import Answerer
from bot.deps import Deps
from bot.settings import Settings
from persona_store import Store, create_engine_for, session_factory
from persona_store.migrate import upgrade
from persona_store.models import Base

PG_ADMIN = os.environ.get("PERSONABOT_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")


@pytest.fixture(scope="session")
def pg_database(worker_id: str) -> Iterator[str]:
    """A fresh PostgreSQL database for this test session (dropped at the end)."""
    name = f"pb_{worker_id}_{uuid.uuid4().hex[:8]}"
    try:
        admin = psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:  # CI must have it: fail loudly, never skip
        raise RuntimeError(
            f"PostgreSQL is not reachable at {PG_ADMIN}: {exc}. Start it with "
            "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start"
        ) from exc
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN.rsplit("/", 1)[0]
    yield f"{base}/{name}".replace("postgresql://", "postgresql+psycopg://")
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def worker_id(request: pytest.FixtureRequest) -> str:
    return getattr(request.config, "workerinput", {}).get("workerid", "main")


def _truncate(engine: Engine) -> None:
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for name in tables:
                conn.execute(text(f"DELETE FROM {name}"))


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path) -> str:  # type: ignore[no-untyped-def]
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'personabot.db'}"
    return request.getfixturevalue("pg_database")


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = create_engine_for(db_url)
    upgrade(engine)
    if engine.dialect.name == "postgresql":
        _truncate(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def store(engine: Engine) -> Store:
    return Store(session_factory(engine))


@pytest.fixture
def sqlite_store(tmp_path) -> Store:  # type: ignore[no-untyped-def]
    """SQLite only, for tests about features rather than the database."""
    engine = create_engine_for(f"sqlite:///{tmp_path / 'features.db'}")
    upgrade(engine)
    return Store(session_factory(engine))


def make_deps(store: Store, answerer: Answerer | None = None, **settings: object) -> Deps:
    if answerer is None:
        from bot.answering.offline import OfflineAnswerer

        answerer = OfflineAnswerer()
    return Deps(store=store, answerer=answerer, settings=Settings(**settings))  # type: ignore[arg-type]
