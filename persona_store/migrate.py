"""Create or upgrade the database schema with Alembic (`upgrade heads`).

The Alembic configuration is built in code, so this works from an installed package
without an alembic.ini. Feature branches add migrations with
`down_revision = "0001_foundation"`; upgrading to "heads" applies every branch.

Two processes starting at once (web and clock) are serialised: PostgreSQL takes a
transaction-level advisory lock, SQLite a `BEGIN IMMEDIATE` write lock; the second process
then finds everything applied and does nothing.

Writing a migration for new models (imported in persona_store/models_all.py), against a
database upgraded to the current heads:

    from alembic import command
    from persona_store.migrate import alembic_config
    command.revision(alembic_config("sqlite:///dev.db"), "my feature", autogenerate=True,
                     rev_id="0006_feature", head="0001_foundation", splice=True)
    command.check(alembic_config("sqlite:///dev.db"))  # after upgrading: models == schema
"""

from __future__ import annotations

import functools
import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, inspect, text

from persona_store.db import create_engine_for

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# Any fixed 64-bit number; only Persona Bot's migrations take this advisory lock.
PG_LOCK_KEY = 0x50455253_4F4E4121 & 0x7FFFFFFFFFFFFFFF


def alembic_config(url: str | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("version_locations", str(MIGRATIONS / "versions"))
    cfg.set_main_option("path_separator", "os")
    if url:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


@functools.cache
def _heads() -> frozenset[str]:
    # Migration files do not change while a process runs; parsing them costs ~20 ms.
    return frozenset(ScriptDirectory.from_config(alembic_config()).get_heads())


def head_revisions() -> set[str]:
    return set(_heads())


def current_revisions(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        return set(MigrationContext.configure(conn).get_current_heads())


def upgrade(engine_or_url: Engine | str) -> None:
    """Apply every migration that is missing (`alembic upgrade heads`)."""
    if isinstance(engine_or_url, str):
        engine = create_engine_for(engine_or_url)
        try:
            _upgrade(engine)
        finally:
            engine.dispose()
    else:
        _upgrade(engine_or_url)


def _upgrade(engine: Engine) -> None:
    if current_revisions(engine) == head_revisions():
        return  # the common case at start-up: nothing to do, no lock needed
    cfg = alembic_config()
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            # Batch migrations copy and drop tables: with foreign keys on, dropping a
            # parent table would cascade-delete its children. The pragma only takes effect
            # outside a transaction, so set it before BEGIN and restore it afterwards.
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            conn.commit()
            try:
                conn.exec_driver_sql("BEGIN IMMEDIATE")
                _run(cfg, conn)
                conn.commit()
            finally:
                conn.rollback()
                conn.exec_driver_sql("PRAGMA foreign_keys=ON")
                conn.commit()
        return
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": PG_LOCK_KEY})
        _run(cfg, conn)


def _run(cfg: Config, conn: Connection) -> None:
    cfg.attributes["connection"] = conn
    if _unversioned_with_tables(conn):
        # A database made by create_all before migrations existed: complete it from the
        # models (which the migrations are tested to match) and record it as up to date.
        from persona_store.models_all import Base

        log.warning("database has tables but no migration history: adopting it")
        Base.metadata.create_all(conn)
        command.stamp(cfg, "heads")
        return
    command.upgrade(cfg, "heads")


def _unversioned_with_tables(conn: Connection) -> bool:
    tables = set(inspect(conn).get_table_names())
    return "alembic_version" not in tables and "workspaces" in tables
