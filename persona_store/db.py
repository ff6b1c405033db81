"""Engine and session creation: SQLite (WAL, busy_timeout) or PostgreSQL (psycopg 3)."""

from __future__ import annotations

import sqlite3
import time

from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.orm import Session, sessionmaker


def normalise_database_url(url: str) -> str:
    """Accept the URLs people paste from Heroku-style hosts and pick our drivers.

    `postgres://` and `postgresql://` become `postgresql+psycopg://` (psycopg 3)."""
    url = url.strip()
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


# Ids are INTEGER columns: a bigger number (typed by a person) names no row and must not
# reach the database (PostgreSQL refuses it, SQLite overflows past 2**63).
MAX_INTEGER_ID = 2**31 - 1

# PostgreSQL: a server that is down answers at once, but one behind a black-holing firewall
# (or frozen mid-failover) accepts and never answers. Without limits a connection attempt or
# a query then holds a thread of the bounded database pool for ever, and every request with
# it. Values in the DATABASE_URL's query string win over these.
CONNECT_TIMEOUT_S = 5
STATEMENT_TIMEOUT_MS = 30_000
POOL_TIMEOUT_S = 10  # waiting for a free connection of SQLAlchemy's pool
PG_CONNECT_ARGS: dict[str, object] = {
    "connect_timeout": CONNECT_TIMEOUT_S,
    "options": f"-c statement_timeout={STATEMENT_TIMEOUT_MS}",
    # An established connection whose peer vanished: unacknowledged data fails after
    # 15 s (Linux), idle ones are probed by keepalives.
    "tcp_user_timeout": 15_000,
    "keepalives": 1,
    "keepalives_idle": 30,
    "keepalives_interval": 10,
    "keepalives_count": 3,
}


def create_engine_for(url: str, *, echo: bool = False) -> Engine:
    url = normalise_database_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(
            url, echo=echo, connect_args={"timeout": 30, "check_same_thread": False}
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA busy_timeout=30000")
            if ":memory:" not in url and url not in ("sqlite://", "sqlite:///"):
                _use_wal(cur)
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            # Deleted rows are overwritten, not left in free space: the answers of an
            # anonymous survey are deleted at close and must not be readable from the file.
            cur.execute("PRAGMA secure_delete=ON")
            cur.close()

        return engine
    given = make_url(url).query
    connect_args = {k: v for k, v in PG_CONNECT_ARGS.items() if k not in given}
    return create_engine(
        url,
        echo=echo,
        pool_pre_ping=True,
        pool_size=10,
        max_overflow=20,
        pool_timeout=POOL_TIMEOUT_S,
        connect_args=connect_args,
    )


def _use_wal(cur: sqlite3.Cursor) -> None:
    """Switch the file to WAL (persistent, so only a new file needs it). Switching needs an
    exclusive lock and SQLite answers 'database is locked' at once instead of waiting when
    another process (web and clock starting together) is switching too: retry briefly."""
    for attempt in range(100):
        try:
            if str(cur.execute("PRAGMA journal_mode").fetchone()[0]).lower() != "wal":
                cur.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or attempt == 99:
                raise
            time.sleep(0.05)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)
