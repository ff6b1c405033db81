"""Answer quality on the evaluation set (tests/eval, issue 9): the offline answerer, the LLM
answerer when one is configured, and a naive word-overlap baseline, side by side, for the
train split, the held-out test split and the dev (validation) split separately.

The personas are imported through the real persona file loader into a temporary SQLite
store. The LLM answerer runs when OPENAI_BASE_URL or OPENAI_API_KEY is set (any
OpenAI-compatible server; OPENAI_MODEL picks the model) or with --llm; --no-llm skips it.
For the test and dev splits only aggregate figures are printed (no per-case output);
--verbose lists the train misses.

Run: .venv/bin/python bench/bench_answer_quality.py [--llm|--no-llm] [--verbose] [--limit N]
Prints figures next to the issue's goals; never fails on them.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.answering.base import Answerer  # noqa: E402
from bot.answering.offline import OfflineAnswerer  # noqa: E402
from bot.settings import Settings  # noqa: E402
from tests.eval.baseline import OverlapBaseline  # noqa: E402
from tests.eval.dataset import HELD_OUT, SPLITS, TUNING, VALIDATION, load_cases  # noqa: E402
from tests.eval.metrics import Figures, Outcome, figures  # noqa: E402
from tests.eval.runner import load_views, run_cases  # noqa: E402

NOTES = {
    HELD_OUT: " (held out: aggregate figures only)",
    VALIDATION: " (validation, written blind: aggregate figures only)",
}


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.0%}"


def _band(f: Figures, band: str) -> str:
    b = f.bands[band]
    return f"{_pct(b.precision)} of {b.answers}"


ROWS: list[tuple[str, str, Callable[[Figures], str]]] = [
    ("cases", "", lambda f: str(f.cases)),
    ("stance accuracy", ">= 85%", lambda f: _pct(f.stance_accuracy)),
    ("opposite verdicts (support <-> oppose)", "0", lambda f: str(f.opposite)),
    (
        "invented verdicts (profile silent)",
        "<= 2%",
        lambda f: f"{f.invented} ({_pct(f.invented_share)}; of {f.unknown_truth} silent)",
    ),
    ("line recall", ">= 90%", lambda f: _pct(f.line_recall)),
    ("line recall, paraphrases", ">= 80%", lambda f: _pct(f.line_recall_paraphrase)),
    (
        "lines quoted, average / max",
        "max <= 6",
        lambda f: f"{f.lines_quoted_avg:.1f} / {f.lines_quoted_max}",
    ),
    ("precision, high confidence", ">= 90%", lambda f: _band(f, "high")),
    ("precision, medium confidence", ">= 70%", lambda f: _band(f, "medium")),
    ("precision, low confidence", "", lambda f: _band(f, "low")),
    (
        "phrasing groups with one stance",
        ">= 90%",
        lambda f: f"{_pct(f.groups_consistent)} of {f.groups}",
    ),
]


def table(results: dict[str, Figures], fallbacks: dict[str, int]) -> str:
    names = list(results)
    head = ["figure", "goal", *names]
    rows = [[label, goal, *(fn(results[n]) for n in names)] for label, goal, fn in ROWS]
    tags = next(iter(results.values())).by_tag
    for tag in tags:
        rows.append([f"accuracy, {tag}", "", *(_tag(results[n], tag) for n in names)])
    if any(fallbacks.values()):
        rows.append(
            [
                "LLM answers that fell back to offline",
                "0",
                *(str(fallbacks.get(n, "")) for n in names),
            ]
        )
    widths = [max(len(str(r[i])) for r in [head, *rows]) for i in range(len(head))]
    line = lambda r: "  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True))  # noqa: E731
    return "\n".join([line(head), "  ".join("-" * w for w in widths), *(line(r) for r in rows)])


def _tag(f: Figures, tag: str) -> str:
    n, acc = f.by_tag[tag]
    return f"{_pct(acc)} of {n}" if n else "-"


def misses(outcomes: Sequence[Outcome]) -> list[str]:
    out = []
    for o in outcomes:
        if o.correct and (o.line_hit or not o.case.lines):
            continue
        why = "" if o.correct else f"expected {o.case.expect}, got {o.predicted}"
        if o.case.lines and not o.line_hit:
            why += ("; " if why else "") + f"cited {list(o.cited)} not {list(o.case.lines)}"
        out.append(f"  {o.case.id} [{o.band}] {o.case.question!r}: {why}")
    return out


def answerers(args: argparse.Namespace, settings: Settings) -> dict[str, Answerer]:
    chosen: dict[str, Answerer] = {"baseline": OverlapBaseline(), "offline": OfflineAnswerer()}
    if args.llm or (settings.llm_enabled and not args.no_llm):
        from bot.answering.llm import LLMAnswerer

        chosen["llm"] = LLMAnswerer.from_settings(settings, fallback=OfflineAnswerer())
    return chosen


async def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--llm", action="store_true", help="run the LLM answerer (OPENAI_* env)")
    parser.add_argument("--no-llm", action="store_true", help="skip the LLM answerer")
    parser.add_argument("--verbose", action="store_true", help="list the train split's misses")
    parser.add_argument("--limit", type=int, default=0, help="only the first N cases per split")
    parser.add_argument("--split", choices=[*SPLITS, "all"], default="all", help="default: all")
    args = parser.parse_args(argv)
    settings = Settings.from_env()
    chosen = answerers(args, settings)
    with tempfile.TemporaryDirectory() as tmp:
        views = load_views(Path(tmp))
    if "llm" in chosen:
        where = settings.openai_base_url or "api.openai.com"
        print(f"LLM answerer: model {settings.openai_model} at {where}")
    try:
        for split in SPLITS if args.split == "all" else (args.split,):
            cases = load_cases(split)[: args.limit or None]
            results: dict[str, Figures] = {}
            fallbacks: dict[str, int] = {}
            train_outcomes: dict[str, list[Outcome]] = {}
            for name, answerer in chosen.items():
                outcomes = await run_cases(answerer, views, cases)
                results[name] = figures(outcomes)
                fallbacks[name] = sum(o.fell_back for o in outcomes)
                train_outcomes[name] = outcomes
            print(f"\n== {split} split: {len(cases)} cases{NOTES.get(split, '')}\n")
            print(table(results, fallbacks))
            if args.verbose and split == TUNING:
                for name, outcomes in train_outcomes.items():
                    if name == "baseline":
                        continue
                    lines = misses(outcomes)
                    print(f"\n{name}: {len(lines)} train cases wrong or without a right line")
                    print("\n".join(lines))
    finally:
        for answerer in chosen.values():
            close = getattr(answerer, "aclose", None)
            if close is not None:
                await close()
    return 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
