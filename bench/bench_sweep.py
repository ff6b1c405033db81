"""Clock sweep over 10,000 digest subscriptions: time to compute the due work.

Every subscription is due (the worst case: a clock coming back after an outage), spread over
all weekdays, 96 times of day and 12 time zones, 1 in 5 missed by more than the grace window.
Measured: the indexed "due" query, the schedule plan of each one (CronTrigger
get_next_fire_time), and the two together. Goal: < 1 s. Also printed: a full sweep with
delivery keys claimed through a no-op adapter for the first 1,000 (database-bound).
Prints figures; never fails.

    .venv/bin/python bench/bench_sweep.py [--subs 10000] [--database-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.answering.offline import OfflineAnswerer  # noqa: E402
from bot.clock import plan_due  # noqa: E402
from bot.deps import Deps  # noqa: E402
from bot.messages import Address, Reply  # noqa: E402
from bot.schedule import plan  # noqa: E402
from bot.settings import Settings  # noqa: E402
from persona_store import Store, create_engine_for, session_factory  # noqa: E402
from persona_store.migrate import upgrade  # noqa: E402
from persona_store.personas.spec import PersonaSpec  # noqa: E402
from persona_store.scheduling.schedules import DigestStore  # noqa: E402
from tests.sched_helpers import sweep_once  # noqa: E402

GOAL_S = 1.0
ZONES = (
    "UTC", "Europe/Berlin", "Europe/London", "America/New_York", "America/Los_Angeles",
    "America/Sao_Paulo", "Asia/Kolkata", "Asia/Tokyo", "Australia/Sydney", "Africa/Lagos",
    "Pacific/Auckland", "America/Chicago",
)  # fmt: skip
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class NullAdapter:
    platform = "web"

    def routes(self) -> list:
        return []

    async def send(self, address: Address, reply: Reply) -> str:
        return "m"

    async def update(self, address: Address, message_id: str, reply: Reply) -> None:
        return None


def populate(store: Store, n: int, now: datetime) -> None:
    ws = store.default_workspace_id()
    store.upsert(ws, PersonaSpec.from_dict({"name": "Maya Chen", "pains": ["Price"]}), author="b")
    rows = []
    for i in range(n):
        tz = ZONES[i % len(ZONES)]
        # Due within the last 6 h (caught up), or 1 in 5 missed by more than the grace window.
        ago = timedelta(minutes=(i * 15) % 345) + (timedelta(hours=8) if i % 5 == 0 else
                                                    timedelta())  # fmt: skip
        local = (now - ago).astimezone(ZoneInfo(tz)).replace(second=0, microsecond=0)
        local = local.replace(minute=local.minute - local.minute % 15)
        cron = f"{local.minute} {local.hour} * * {DAYS[local.weekday()]}"
        rows.append(
            {
                "platform": "web",
                "ext_workspace": "local",
                "conversation_id": f"C{i:05d}",
                "cron": cron,
                "timezone": tz,
                "next_run_at": local.astimezone(UTC),
            }
        )
    DigestStore.of(store).bulk_subscribe(ws, rows)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--subs", type=int, default=10_000)
    parser.add_argument("--database-url")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    logging.disable(logging.WARNING)  # the sweep logs every skipped run; figures only here
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{tmp}/sweep.db"
        engine = create_engine_for(url)
        upgrade(engine)
        store = Store(session_factory(engine))
        now = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
        t0 = time.perf_counter()
        populate(store, args.subs, now)
        print(f"database: {engine.dialect.name}; {args.subs:,} subscriptions inserted in "
              f"{time.perf_counter() - t0:.2f} s")  # fmt: skip
        digests = DigestStore.of(store)
        query, planning, total = [], [], []
        for _ in range(args.rounds):
            a = time.perf_counter()
            due = digests.due(now, limit=args.subs)
            b = time.perf_counter()
            plans = plan_due(due, now)
            c = time.perf_counter()
            query.append(b - a)
            planning.append(c - b)
            total.append(c - a)
        deliver = sum(1 for _, p in plans if not isinstance(p, Exception) and p.fire)
        skipped = sum(1 for _, p in plans if not isinstance(p, Exception) and p.fire is None)
        med = statistics.median
        print(f"due subscriptions: {len(due):,} ({deliver:,} to deliver, {skipped:,} beyond "
              "the grace window)")  # fmt: skip
        print(f"due query:   median {med(query) * 1000:7.1f} ms")
        print(f"plan (cron): median {med(planning) * 1000:7.1f} ms "
              f"({med(planning) / max(len(due), 1) * 1e6:.1f} µs per subscription)")  # fmt: skip
        verdict = "OK" if med(total) < GOAL_S else "over goal"
        print(f"due work total: median {med(total) * 1000:7.1f} ms  (goal < {GOAL_S:.0f} s: "
              f"{verdict})")  # fmt: skip

        distinct = len({(s.cron, s.timezone, s.next_run_at) for s in due})
        a = time.perf_counter()
        for sub in due:  # no sharing at all: every channel its own schedule
            plan(sub.cron, sub.timezone, sub.next_run_at, now)  # type: ignore[arg-type]
        worst = time.perf_counter() - a
        print(f"({distinct:,} distinct schedules; worst case with none shared: plan "
              f"{worst * 1000:.0f} ms = {worst / max(len(due), 1) * 1e6:.0f} µs each)")  # fmt: skip

        # A real sweep (claims, builds, sends to a no-op adapter) on the first 1,000.
        store2_engine = create_engine_for(f"sqlite:///{tmp}/sweep2.db")
        upgrade(store2_engine)
        store2 = Store(session_factory(store2_engine))
        populate(store2, 1000, now)
        deps = Deps(store=store2, answerer=OfflineAnswerer(), settings=Settings())
        deps.now = lambda: now
        a = time.perf_counter()
        report = asyncio.run(sweep_once(deps, [NullAdapter()], now))
        full = time.perf_counter() - a
        print(f"full sweep, 1,000 due digests on SQLite: {full:.2f} s "
              f"({len(report.posted)} posted, {len(report.skipped)} skipped); "
              "a second sweep posts nothing:", end=" ")  # fmt: skip
        again = asyncio.run(sweep_once(deps, [NullAdapter()], now))
        print(len(again.posted) == 0)


if __name__ == "__main__":
    main()
