"""Memory of `persona-bot evidence import` against file size: the streaming importer (check
pass + one-transaction write into SQLite) next to a naive read-everything baseline (the
whole file read, every record parsed into a list, then written). Each run is its own
process, so peak RSS (ru_maxrss) is that run's alone; tracemalloc's peak is printed too.
Not a timed test.

    .venv/bin/python bench/bench_evidence_import.py [--sizes 5,25,50]

The generated export is help-desk shaped: quoted multi-line descriptions, ISO dates,
ticket URLs; every row distinct.
"""

from __future__ import annotations

import argparse
import csv
import json
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

ROW = (
    '"{i}","Invoice total wrong after seat change #{i}","Hi team,\r\nwe removed {k} seats '
    "and the invoice still shows {j}.\r\nPlease fix before the month closes; our CFO is "
    'asking about it again ({i}).","2026-{m:02d}-{d:02d}T08:12:44Z","open",'
    '"https://acme.zendesk.com/agent/tickets/{i}"\r\n'
)
HEADER = '"Id","Subject","Description","Created at","Status","Ticket URL"\r\n'


def generate(path: Path, megabytes: int) -> int:
    target = megabytes * 1024 * 1024
    rows = 0
    with path.open("w", encoding="utf-8", newline="") as f:
        f.write(HEADER)
        size = len(HEADER)
        while size < target:
            line = ROW.format(i=rows, k=rows % 9 + 1, j=rows % 40, m=rows % 12 + 1, d=rows % 28 + 1)
            f.write(line)
            size += len(line)
            rows += 1
    return rows


def _store(db: Path):  # type: ignore[no-untyped-def]
    from persona_store import Store, create_engine_for, session_factory
    from persona_store.migrate import upgrade
    from persona_store.personas.spec import PersonaSpec

    engine = create_engine_for(f"sqlite:///{db}")
    upgrade(engine)
    store = Store(session_factory(engine))
    spec = PersonaSpec.from_dict({"name": "Maya Chen", "pains": ["Invoices are wrong"]})
    store.upsert(store.default_workspace_id(), spec, author="bench")
    return store


def run_one(mode: str, path: Path, db: Path) -> dict[str, float]:
    from persona_store.evidence.mapping import build_mapping
    from persona_store.evidence.repository import EvidenceStore
    from persona_store.evidence.rows import EvidenceRow, check_file

    store = _store(db)
    ws = store.default_workspace_id()
    base_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    tracemalloc.start()
    start = time.perf_counter()
    repo = EvidenceStore(store.sessions)
    if mode == "stream":
        checked = check_file(path, {}, frozenset())
        outcome = repo.import_rows(
            ws, "maya", checked.read_rows(), source="support", file_name=path.name
        )
    else:  # naive: read it all, parse it all, then write
        text = path.read_text(encoding="utf-8")
        records = list(csv.reader(text.splitlines(keepends=True)))
        mapping = build_mapping(records[0], {})
        header = records[0]
        rows = [
            EvidenceRow(
                i + 2, r[header.index(mapping.columns["summary"] or "")], None, None, None, None
            )
            for i, r in enumerate(records[1:])
        ]
        outcome = repo.import_rows(ws, "maya", rows, source="support", file_name=path.name)
    seconds = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "added": outcome.added,
        "seconds": round(seconds, 1),
        "tracemalloc_peak_mb": round(peak / 2**20, 1),
        "rss_peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "rss_before_mb": round(base_rss, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="5,25,50", help="file sizes in MB")
    parser.add_argument("--child", nargs=3, metavar=("MODE", "FILE", "DB"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        mode, file, db = args.child
        print(json.dumps(run_one(mode, Path(file), Path(db))))
        return
    print("size MB | rows | mode | seconds | tracemalloc peak MB | peak RSS MB (before)")
    with tempfile.TemporaryDirectory() as tmp:
        for mb in (int(x) for x in args.sizes.split(",")):
            export = Path(tmp) / f"tickets-{mb}mb.csv"
            rows = generate(export, mb)
            for mode in ("stream", "naive"):
                db = Path(tmp) / f"{mode}-{mb}.db"
                out = subprocess.run(
                    [sys.executable, __file__, "--child", mode, str(export), str(db)],
                    capture_output=True,
                    text=True,
                    check=True,
                    timeout=3600,
                )
                r = json.loads(out.stdout.strip().splitlines()[-1])
                print(
                    f"{mb:>7} | {rows:,} | {mode:<6} | {r['seconds']:>7} | "
                    f"{r['tracemalloc_peak_mb']:>19} | {r['rss_peak_mb']} "
                    f"({r['rss_before_mb']})",
                    flush=True,
                )
                db.unlink()
            export.unlink()


if __name__ == "__main__":
    main()
