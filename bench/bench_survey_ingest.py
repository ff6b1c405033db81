"""5,000 survey answers ingested on SQLite and on PostgreSQL: answers per second, none lost.

Each answer is one `SurveyStore.vote` call (lock the survey row, read, insert or change the
answer) from a pool of threads, as the web process's bounded database pool would make them;
then the tally is checked: exactly 5,000 answers, counts as expected. A tenth of the voters
change their answer afterwards (also timed). Prints figures; never fails.

    .venv/bin/python bench/bench_survey_ingest.py [--answers 5000] [--threads 8]
        [--pg postgresql://postgres@127.0.0.1:5432/test]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import psycopg  # noqa: E402

from persona_store import Store, create_engine_for, session_factory  # noqa: E402
from persona_store.migrate import upgrade  # noqa: E402
from persona_store.personas.spec import PersonaSpec  # noqa: E402
from persona_store.surveys.repository import SurveyPlace, SurveyStore  # noqa: E402

OPTIONS = ("Yes", "No", "Not sure", "Depends")


def run(url: str, answers: int, threads: int, anonymous: bool) -> None:
    engine = create_engine_for(url)
    upgrade(engine)
    store = Store(session_factory(engine))
    ws = store.default_workspace_id()
    store.upsert(ws, PersonaSpec.from_dict({"name": "Maya Chen", "pains": ["Price"]}), author="b")
    surveys = SurveyStore.of(store)
    now = datetime.now(UTC)
    sv = surveys.create(
        ws, "maya", "Is price still the #1 objection?", OPTIONS,
        place=SurveyPlace("slack", "T1", "C1"), created_by="slack:U0", now=now,
        anonymous=anonymous,
    )  # fmt: skip

    def vote(i: int, option: int | None = None) -> str:
        return surveys.vote(
            ws, sv.id, i % len(OPTIONS) if option is None else option,
            platform="slack", user_id=f"U{i:06d}", now=now,
        ).outcome  # fmt: skip

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        outcomes = list(pool.map(vote, range(answers)))
    elapsed = time.perf_counter() - start
    counts = surveys.get(ws, sv.id).counts
    expected = tuple(sum(1 for i in range(answers) if i % len(OPTIONS) == k)
                     for k in range(len(OPTIONS)))  # fmt: skip
    ok = counts == expected and outcomes.count("new") == answers
    changers = range(0, answers, 10)
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        changed = list(pool.map(lambda i: vote(i, (i + 1) % len(OPTIONS)), changers))
    change_elapsed = time.perf_counter() - start
    after = surveys.get(ws, sv.id)
    ok = ok and after.total == answers and changed.count("changed") == len(changers)
    kind = "anonymous" if anonymous else "open"
    print(
        f"{engine.dialect.name:10s} {kind:9s} {answers:,} answers, {threads} threads: "
        f"{elapsed:6.2f} s = {answers / elapsed:7.0f} answers/s; "
        f"{len(changers)} changes {len(changers) / change_elapsed:6.0f}/s; "
        f"none lost: {ok} (counts {after.counts})"
    )
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--answers", type=int, default=5000)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        run(f"sqlite:///{tmp}/a.db", args.answers, args.threads, anonymous=False)
        run(f"sqlite:///{tmp}/b.db", args.answers, args.threads, anonymous=True)
    name = f"bench_ingest_{uuid.uuid4().hex[:8]}"
    try:
        admin = psycopg.connect(args.pg, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        print(f"postgresql: not reachable at {args.pg} ({exc}); skipped")
        return
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        base = args.pg.rsplit("/", 1)[0]
        run(f"{base}/{name}", args.answers, args.threads, anonymous=False)
    finally:
        with psycopg.connect(args.pg, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
