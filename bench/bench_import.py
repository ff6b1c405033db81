"""Import 1,000 generated personas into a fresh SQLite store (goal: < 10 s), then
re-import the same file (no changes: every persona 'unchanged') and an edited file
(every persona updated). Prints figures; not a timed test.

    .venv/bin/python bench/bench_import.py [--count 1000] [--postgresql]

--postgresql runs it in a throwaway database created next to PERSONABOT_TEST_PG
(default postgresql://postgres@127.0.0.1:5432/test) and dropped afterwards.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from persona_store import Store, create_engine_for, session_factory  # noqa: E402
from persona_store.migrate import upgrade  # noqa: E402
from persona_store.personas.files import dump_yaml, load_file  # noqa: E402
from persona_store.personas.spec import PersonaSpec  # noqa: E402

KINDS = ("primary", "secondary", "negative")
LISTS = ("goals", "pains", "motivations", "behaviors", "objections", "channels")


def generate(count: int, edit: str = "") -> list[PersonaSpec]:
    specs = []
    for i in range(count):
        doc: dict = {
            "name": f"Persona {i:04d}",
            "slug": f"p{i:04d}",
            "kind": KINDS[i % 3],
            "role": f"Role number {i} at a {10 + i % 90}-person company",
            "summary": "A generated persona used to measure import speed. " * 3,
            "quote": f"Quote {i}{edit}",
            "segment": "Bench",
            "owners": [f"slack:U{i:06d}", f"email:p{i}@example.com"],
            "last_reviewed": "2026-09-01",
        }
        for plural in LISTS:
            doc[plural] = [
                f"{plural} line {j} of persona {i}{edit if j == 0 else ''}" for j in range(6)
            ]
        doc["evidence"] = [
            {
                "summary": f"Evidence {j} for {i}",
                "source": "survey",
                "n": 10 + j,
                "date": "2026-08-01",
                "line": "pain-1",
            }
            for j in range(3)
        ]
        specs.append(PersonaSpec.from_dict(doc))
    return specs


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--postgresql", action="store_true")
    args = parser.parse_args()
    if args.postgresql:
        with throwaway_pg() as url:
            run(args.count, url)
    else:
        run(args.count, None)


@contextmanager
def throwaway_pg() -> Iterator[str]:
    import psycopg

    admin = os.environ.get("PERSONABOT_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
    name = f"pb_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{admin.rsplit('/', 1)[0]}/{name}"
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run(count: int, pg_url: str | None) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = pg_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        engine = create_engine_for(url)
        upgrade(engine)
        store = Store(session_factory(engine))
        ws = store.default_workspace_id()
        path = Path(tmp) / "personas.yaml"
        path.write_text(dump_yaml(generate(count)), encoding="utf-8")

        t0 = time.perf_counter()
        c0 = time.process_time()
        specs = load_file(path)
        t1 = time.perf_counter()
        c1 = time.process_time()
        result = store.import_specs(ws, specs, author="bench")
        t2 = time.perf_counter()
        c2 = time.process_time()
        assert len(result.created) == count, result
        again = store.import_specs(ws, specs, author="bench")
        t3 = time.perf_counter()
        assert len(again.unchanged) == count
        edited = generate(count, edit=" (edited)")
        t4 = time.perf_counter()
        changed = store.import_specs(ws, edited, author="bench")
        t5 = time.perf_counter()
        assert len(changed.updated) == count
        size = path.stat().st_size / 1e6
        print(
            f"import of {count} personas on {engine.dialect.name} "
            f"({size:.1f} MB YAML, 36 lines + 3 evidence + 2 owners each)"
        )
        print("  (wall clock; CPU time of this process in brackets)")
        print(f"  parse + validate file:      {t1 - t0:6.2f} s  [{c1 - c0:.2f}]")
        print(f"  import into empty store:    {t2 - t1:6.2f} s  [{c2 - c1:.2f}]")
        print(f"  total first import:         {t2 - t0:6.2f} s  [{c2 - c0:.2f}]  (goal < 10 s)")
        print(f"  re-import, nothing changed: {t3 - t2:6.2f} s")
        print(f"  re-import, all edited:      {t5 - t4:6.2f} s")
        engine.dispose()


if __name__ == "__main__":
    main()
