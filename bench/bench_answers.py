"""Offline answerer speed: p50/p99 of one answer over 1,000 questions on the sample personas
(goal p99 < 20 ms), and a panel of 8 personas answered concurrently (goal < 100 ms), both
the answerer alone and the whole `panel` command (store read + answers + reply card).

Run: .venv/bin/python bench/bench_answers.py   Prints figures; never fails on them.
"""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.answering.offline import OfflineAnswerer  # noqa: E402
from bot.commands import Core  # noqa: E402
from bot.deps import Deps  # noqa: E402
from bot.features import build_registry  # noqa: E402
from bot.messages import Address, Inbound  # noqa: E402
from bot.settings import Settings  # noqa: E402
from persona_store import Store, create_engine_for, session_factory  # noqa: E402
from persona_store.migrate import upgrade  # noqa: E402
from persona_store.personas.files import sample_specs  # noqa: E402
from persona_store.personas.views import PersonaView  # noqa: E402

QUESTIONS = 1000
PANEL_SIZE = 8
PANEL_RUNS = 200
GOAL_P99_MS = 20.0
GOAL_PANEL_MS = 100.0

VERBS = [
    "Should we raise",
    "What if we cut",
    "Should we drop",
    "Would it help to simplify",
    "Should we add",
    "How about making faster",
    "Should we charge for",
    "Is it worth improving",
    "Should we remove",
    "What do you think about",
    # questions, answered as questions rather than as proposals
    "Does this persona care about",
    "Is it a problem to have",
    "Would they pay for",
    "Who decides on",
]
TOPICS = [
    "prices by 20%",
    "the free tier",
    "per-seat pricing",
    "onboarding for new dispatchers",
    "the mobile app",
    "SSO and audit logs",
    "a Salesforce integration",
    "the monthly report",
    "annual contracts paid upfront",
    "support response times",
    "AI suggestions in the dashboard",
    "dark mode",
    "the export to spreadsheets",
    "a partner programme for agencies",
    "custom fields for every record",
    "notifications by email",
    "the setup wizard",
    "our logo colour",
    "a 3-year enterprise contract",
    "usage limits on the starter plan",
]


def questions(n: int) -> list[str]:
    combos = itertools.cycle(itertools.product(VERBS, TOPICS))
    return [f"{verb} {topic}?" for verb, topic in itertools.islice(combos, n)]


def store_with_personas(tmp: str, count: int) -> Store:
    engine = create_engine_for(f"sqlite:///{tmp}/bench.db")
    upgrade(engine)
    store = Store(session_factory(engine))
    ws = store.default_workspace_id()
    specs = sample_specs()
    variants = []  # copies of the samples under new slugs, to make up the panel
    i = 2
    while len(specs) + len(variants) < count:
        for s in specs:
            if len(specs) + len(variants) >= count:
                break
            variants.append(dataclasses.replace(s, name=f"{s.name} {i}", slug=f"{s.slug}-{i}"))
        i += 1
    store.import_specs(ws, [*specs, *variants], author="bench")
    return store


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def bench_single(personas: list[PersonaView]) -> dict[str, float]:
    answerer = OfflineAnswerer()
    cold: list[float] = []
    for p in personas:  # first answer per persona version builds its index
        t = time.perf_counter()
        await answerer.answer(p, "Should we raise prices?")
        cold.append((time.perf_counter() - t) * 1000)
    times: list[float] = []
    stances: dict[str, int] = {}
    for q, p in zip(questions(QUESTIONS), itertools.cycle(personas), strict=False):
        t = time.perf_counter()
        a = await answerer.answer(p, q)
        times.append((time.perf_counter() - t) * 1000)
        stances[a.stance] = stances.get(a.stance, 0) + 1
    return {
        "p50": statistics.median(times),
        "p99": pct(times, 99),
        "max": max(times),
        "cold_max": max(cold),
        **{f"stance_{k}": v for k, v in sorted(stances.items())},
    }


async def bench_panel(personas: list[PersonaView], core: Core) -> dict[str, float]:
    answerer = OfflineAnswerer()
    gate = asyncio.Semaphore(4)  # Deps.panel_concurrency default

    async def one(p: PersonaView) -> object:
        async with gate:
            return await answerer.answer(p, "Should we drop the free tier?")

    alone: list[float] = []
    for _ in range(PANEL_RUNS):
        t = time.perf_counter()
        await asyncio.gather(*(one(p) for p in personas))
        alone.append((time.perf_counter() - t) * 1000)
    address = Address(platform="web", workspace="local", conversation_id="bench")
    command: list[float] = []
    for i in range(PANEL_RUNS):
        inbound = Inbound(
            kind="command",
            text=f"panel Should we drop the free tier? ({i})",
            user_id="U1",
            address=address,
        )
        t = time.perf_counter()
        replies = await core.handle(inbound)
        command.append((time.perf_counter() - t) * 1000)
        assert replies, "the panel command gave no reply"
    store: Store = core.deps.store
    ws = store.default_workspace_id()
    reads: list[float] = []
    for _ in range(PANEL_RUNS):  # the store read alone, to show where the command's time goes
        t = time.perf_counter()
        store.list_personas(ws)
        reads.append((time.perf_counter() - t) * 1000)
    return {
        "read_p50": statistics.median(reads),
        "read_p99": pct(reads, 99),
        "alone_p50": statistics.median(alone),
        "alone_p99": pct(alone, 99),
        "command_p50": statistics.median(command),
        "command_p99": pct(command, 99),
    }


async def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        store = store_with_personas(tmp, PANEL_SIZE)
        ws = store.default_workspace_id()
        everyone = store.list_personas(ws)
        samples = [p for p in everyone if "-" not in p.slug]
        deps = Deps(store=store, answerer=OfflineAnswerer(), settings=Settings())
        core = Core(deps, build_registry())
        single = await bench_single(samples)
        panel = await bench_panel(everyone, core)
        executor = getattr(deps, "executor", None)
        if executor is not None and hasattr(executor, "shutdown"):
            executor.shutdown(wait=False)

    met = single["p99"] < GOAL_P99_MS
    print(f"Offline answer, {QUESTIONS} questions over {len(samples)} sample personas:")
    print(
        f"  p50 {single['p50']:.3f} ms   p99 {single['p99']:.3f} ms   max {single['max']:.3f} ms"
        f"   (goal p99 < {GOAL_P99_MS:.0f} ms: {'met' if met else 'MISSED'})"
    )
    print(f"  first answer per persona (index build) max {single['cold_max']:.3f} ms")
    print(
        "  stances: "
        + ", ".join(
            f"{k.removeprefix('stance_')} {int(v)}"
            for k, v in single.items()
            if k.startswith("stance_")
        )
    )
    ok = panel["command_p99"] < GOAL_PANEL_MS
    print(f"Offline panel of {len(everyone)} personas, concurrently, {PANEL_RUNS} runs:")
    print(f"  answerer only   p50 {panel['alone_p50']:.3f} ms   p99 {panel['alone_p99']:.3f} ms")
    print(f"  store read only p50 {panel['read_p50']:.2f} ms   p99 {panel['read_p99']:.2f} ms")
    print(
        f"  panel command   p50 {panel['command_p50']:.2f} ms   p99 {panel['command_p99']:.2f} ms"
        f"   (store read + answers + card; goal < {GOAL_PANEL_MS:.0f} ms: "
        f"{'met' if ok else 'MISSED'})"
    )


if __name__ == "__main__":
    asyncio.run(main())
