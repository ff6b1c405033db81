"""Shared fixtures: a migrated database on SQLite (file) and on PostgreSQL, a Store, Deps.

`db_url` is parametrised over both backends; any test that takes `store` (or `db_url`)
runs twice. PostgreSQL tests use a database created for this test session (one per xdist
worker) on 127.0.0.1:5432, so parallel runs never collide.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import Engine, text

from bot.answering.base import Answerer
from bot.deps import Deps
from bot.settings import Settings
from persona_store import Store, create_engine_for, session_factory
from persona_store.migrate import upgrade
from persona_store.models_all import Base

pytest_plugins = ["tests.fakes.maya_envs"]

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


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated once per session; each test gets a copy (much faster than
    running every migration per test)."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = create_engine_for(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()  # the last connection closing checkpoints the WAL into the file
    return path


@pytest.fixture(scope="session")
def _migrated_pg(pg_database: str) -> str:
    """The session's PostgreSQL database, migrated once."""
    engine = create_engine_for(pg_database)
    upgrade(engine)
    engine.dispose()
    return pg_database


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'personabot.db'}"
    return request.getfixturevalue("pg_database")


def _fresh_sqlite(template: Path, target: Path) -> Engine:
    if not target.exists():
        shutil.copyfile(template, target)
    engine = create_engine_for(f"sqlite:///{target}")
    upgrade(engine)  # a no-op on the migrated copy; kept so the fixture proves the path
    return engine


@pytest.fixture
def engine(db_url: str, request: pytest.FixtureRequest) -> Iterator[Engine]:
    """A migrated, empty database (SQLite: a copy of the session template; PostgreSQL:
    the session database, migrated once and truncated before each test)."""
    if db_url.startswith("sqlite:///"):
        template = request.getfixturevalue("sqlite_template")
        engine = _fresh_sqlite(template, Path(db_url.removeprefix("sqlite:///")))
    else:
        request.getfixturevalue("_migrated_pg")
        engine = create_engine_for(db_url)
        _truncate(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def store(engine: Engine) -> Store:
    return Store(session_factory(engine))


@pytest.fixture
def sqlite_store(tmp_path: Path, sqlite_template: Path) -> Store:
    """SQLite only, for tests about features rather than the database."""
    engine = _fresh_sqlite(sqlite_template, tmp_path / "features.db")
    return Store(session_factory(engine))


def make_deps(store: Store, answerer: Answerer | None = None, **settings: object) -> Deps:
    if answerer is None:
        from bot.answering.offline import OfflineAnswerer

        answerer = OfflineAnswerer()
    return Deps(store=store, answerer=answerer, settings=Settings(**settings))  # type: ignore[arg-type]
