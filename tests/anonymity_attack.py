"""The attacker of the anonymous-survey tests: full read access to the database (every table,
every column, physical row order, SQLite rowid, PostgreSQL ctid and xmin) and to the captured
log output, plus what the chat platform itself would tell (who acted, and in which order).
`links()` lists every voter it could tie to an option; an anonymous survey must give none.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, inspect, text

from persona_store.surveys.views import voter_key


@dataclass
class Voter:
    """One person: the identifiers a platform knows them by, and every option they chose."""

    platform: str
    ids: tuple[str, ...]
    chosen: list[int] = field(default_factory=list)

    @property
    def final(self) -> int:
        return self.chosen[-1]


@dataclass
class Ballot:
    survey_id: int
    labels: tuple[str, ...]
    voters: list[Voter]
    order: list[tuple[Voter, int]] = field(default_factory=list)  # each vote, as cast

    def cast(self, voter: Voter, option: int) -> None:
        voter.chosen.append(option)
        self.order.append((voter, option))


Row = dict[str, Any]


def dump(engine: Engine) -> dict[str, list[Row]]:
    """Every row of every table in physical order, with the hidden row ids the database
    exposes to plain SQL (no ORDER BY: the storage order is part of what leaks)."""
    tables = inspect(engine).get_table_names()
    postgres = engine.dialect.name == "postgresql"
    out: dict[str, list[Row]] = {}
    with engine.connect() as conn:
        for table in tables:
            hidden = "rowid AS __rowid"
            if postgres:
                hidden = "ctid::text AS __ctid, xmin::text AS __xmin"
            try:
                rows = conn.execute(text(f'SELECT {hidden}, * FROM "{table}"')).mappings().all()
            except Exception:  # a table without rowid
                conn.rollback()
                rows = conn.execute(text(f'SELECT * FROM "{table}"')).mappings().all()
            out[table] = [dict(r) for r in rows]
    return out


def _points_at(blob: str, ballot: Ballot) -> set[int]:
    """The options a piece of text names on its own: one label (not the whole list, as a
    survey card or the results do), a typed `survey vote ID N` or a button value `ID:N`."""
    named = {i for i, label in enumerate(ballot.labels) if label.lower() in blob.lower()}
    found = set(named) if len(named) == 1 else set()
    sid = ballot.survey_id
    for m in re.finditer(rf"vote\s+#?{sid}\s+(\d+)", blob):
        found.add(int(m.group(1)) - 1)
    for m in re.finditer(rf"(?<![\d.]){sid}:(\d+)(?![\d.])", blob):
        found.add(int(m.group(1)))
    return found


def _mentions(blob: str, voter: Voter) -> bool:
    return any(i in blob for i in voter.ids)


def _linked(blob: str, ballot: Ballot, why: str) -> list[str]:
    out = []
    options = _points_at(blob, ballot)
    for v in ballot.voters:
        if options & set(v.chosen) and _mentions(blob, v):
            out.append(f"{why}: {v.ids[0]} -> {sorted(options)} in {blob[:300]!r}")
    return out


def _blob(row: Row) -> str:
    return " | ".join(f"{k}={v}" for k, v in row.items())


def _order_keys(rows: list[Row]) -> dict[str, list[Any]]:
    """The columns an attacker can order rows by, and physical order itself."""
    keys: dict[str, list[Any]] = {"physical order": list(range(len(rows)))}
    for col in rows[0] if rows else ():
        values = [r[col] for r in rows]
        if col == "__ctid":
            values = [tuple(int(x) for x in v.strip("()").split(",")) for v in values]
        elif col == "__xmin":
            values = [int(v) for v in values]
        if all(isinstance(v, int | datetime) for v in values):
            keys[col] = values
    return keys


def answer_rows(db: dict[str, list[Row]], survey_id: int) -> list[Row]:
    return [r for r in db.get("survey_answers", []) if r["survey_id"] == survey_id]


def links(
    db: dict[str, list[Row]],
    records: list[logging.LogRecord],
    ballot: Ballot,
    *,
    closed: bool,
) -> list[str]:
    """Every voter -> option link the attacker finds. Before close (`closed=False`) it skips
    what the design accepts while a survey is open, so that people can change their answer:
    the survey's salt hashes a known user id to their row, and the rows' order."""
    found: list[str] = []
    # 1. a row or a log line naming a person together with their option
    for table, rows in db.items():
        for row in rows:
            found += _linked(_blob(row), ballot, f"row of {table}")
    for rec in records:
        found += _linked(rec.getMessage() + (rec.exc_text or ""), ballot, f"log {rec.name}")
    # 2. neighbours: a row naming a person next to one naming an option (a typed vote and
    #    the bot's "Your answer: …"), in any order the table can be read in
    for table, rows in db.items():
        for name, key in _order_keys(rows).items():
            ordered = [r for _, r in sorted(zip(key, rows, strict=True), key=lambda kr: kr[0])]
            for a, b in zip(ordered, ordered[1:], strict=False):
                for v in ballot.voters:
                    if _mentions(_blob(a), v) and _points_at(_blob(b), ballot) & set(v.chosen):
                        found.append(f"{table} by {name}: {v.ids[0]} then {_blob(b)[:200]!r}")
    # 3. the answer rows read in any order line up with the order people voted in
    answers = answer_rows(db, ballot.survey_id)
    if closed and len(answers) == len(ballot.voters) and len(answers) > 1:
        first = [v.chosen[0] for v in _first_seen(ballot)]
        last = [o for v, o in _last_votes(ballot)]
        for name, key in _order_keys(answers).items():
            if len(set(key)) < len(key):
                continue  # ties: no order
            ordered = sorted(zip(key, answers, strict=True), key=lambda t: t[0])
            seq = [r["option"] for _, r in ordered]
            finals = [v.final for v in _first_seen(ballot)]
            if seq in (first, last, finals):
                found.append(f"answer rows ordered by {name} follow the voting order: {seq}")
    # 4. per-vote times: any answer timestamp that tells votes apart
    for col in ("answered_at", "changed_at"):
        stamps = {r.get(col) for r in answers if r.get(col) is not None}
        if len(stamps) > 1:
            found.append(f"answer rows keep per-vote {col}: {len(stamps)} distinct values")
    # 5. the voter keys: hashed with any salt the database still holds
    salts = {r.get("salt") for r in db.get("surveys", [])} | {None}
    if closed:
        keys = {r["voter_key"]: r["option"] for r in answers}
        for v in ballot.voters:
            for uid in v.ids:
                for salt in salts:
                    key = voter_key(salt, v.platform, uid)
                    if key in keys:
                        found.append(f"voter key of {uid} found ({'salted' if salt else 'plain'})")
    return found


def _first_seen(ballot: Ballot) -> list[Voter]:
    seen: list[Voter] = []
    for v, _ in ballot.order:
        if v not in seen:
            seen.append(v)
    return seen


def _last_votes(ballot: Ballot) -> list[tuple[Voter, int]]:
    last: dict[int, tuple[int, Voter, int]] = {}
    for i, (v, o) in enumerate(ballot.order):
        last[id(v)] = (i, v, o)
    return [(v, o) for _, v, o in sorted(last.values(), key=lambda t: t[0])]
