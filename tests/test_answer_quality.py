"""Answer quality on the evaluation set (tests/eval): the offline answerer's figures on the
train and the held-out test split must not fall below the floors, and the LLM path of the
bench runs end to end against the fake OpenAI-compatible server.

The floors are what main's offline answerer achieved when the set landed (2026-12-03), minus
a small margin, so the suite is green today and a change cannot quietly regress the figures.
They were raised to the answerer work of 2026-12-03; raise them again towards GOALS (issue 9).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from bot.answering.offline import OfflineAnswerer
from persona_store.personas.views import PersonaView
from tests.eval.dataset import SPLITS, load_cases
from tests.eval.metrics import Figures, figures
from tests.eval.runner import load_views, run_cases
from tests.fakes.openai_server import FakeOpenAI, openai_server  # noqa: F401 (fixture)

ROOT = Path(__file__).resolve().parents[1]

# Issue 9's goals on the held-out split (for reference; the floors below rise towards them).
GOALS = {
    "stance_accuracy": 0.85,
    "opposite": 0,
    "invented_share": 0.02,
    "line_recall": 0.90,
    "line_recall_paraphrase": 0.80,
    "high_precision": 0.90,
    "medium_precision": 0.70,
    "groups_consistent": 0.90,
    "lines_quoted_max": 6,
}

# Measured 2026-12-03 (second session) with the offline answerer of issue 9 (time windows,
# clause polarity, fact checks, sentence similarity with the all-MiniLM-L6-v2 model the
# Makefile installs, the "nowhere in the profile" gate, coverage-led confidence): train 72%
# accuracy, 13 opposite, 2 invented, recall 84% (paraphrases 52%), medium precision 86%,
# groups 5 of 15; test 59%, 13 opposite, 3 invented, recall 77% (paraphrases 35%), medium
# 73%, groups 1 of 7. (Earlier the same day: train 59% / 25 / 5, test 55% / 13 / 4; when
# the set landed: train 44% / 29 / 12, test 41% / 20 / 7.) The floors sit a few cases
# below, so a change cannot quietly undo that work.
# No floors for the dev split: it is the validation split (tests/eval/README.md), read while
# tuning to see whether a change generalises, not a gate.
FLOORS = {
    "train": {
        "stance_accuracy": 0.69,
        "opposite": 15,
        "invented": 4,
        "line_recall": 0.80,
        "line_recall_paraphrase": 0.45,
        "medium_precision": 0.80,
        "groups_consistent": 0.26,
        "lines_quoted_max": 6,
    },
    "test": {
        "stance_accuracy": 0.56,
        "opposite": 15,
        "invented": 5,
        "line_recall": 0.73,
        "line_recall_paraphrase": 0.30,
        "medium_precision": 0.66,
        "groups_consistent": 0.14,
        "lines_quoted_max": 6,
    },
}
MIN_BAND_ANSWERS = 10  # a band's precision is asserted only when it has this many answers


@pytest.fixture(scope="module")
def views(tmp_path_factory: pytest.TempPathFactory) -> dict[str, PersonaView]:
    return load_views(tmp_path_factory.mktemp("eval"))


async def _offline_figures(views: dict[str, PersonaView], split: str) -> Figures:
    return figures(await run_cases(OfflineAnswerer(), views, load_cases(split)))  # type: ignore[arg-type]


@pytest.mark.parametrize("split", ["train", "test"])
async def test_offline_answers_stay_above_the_floors(
    views: dict[str, PersonaView], split: str
) -> None:
    f = await _offline_figures(views, split)
    floor = FLOORS[split]
    assert f.stance_accuracy >= floor["stance_accuracy"]
    assert f.opposite <= floor["opposite"]
    assert f.invented <= floor["invented"]
    assert f.line_recall >= floor["line_recall"]
    assert f.line_recall_paraphrase >= floor["line_recall_paraphrase"]
    assert f.lines_quoted_max <= floor["lines_quoted_max"]
    assert f.groups_consistent >= floor["groups_consistent"]
    if f.bands["medium"].answers >= MIN_BAND_ANSWERS:
        assert (f.band_precision("medium") or 0) >= floor["medium_precision"]
    if f.bands["high"].answers >= MIN_BAND_ANSWERS:
        assert (f.band_precision("high") or 0) >= GOALS["medium_precision"]


def _bench() -> ModuleType:
    path = ROOT / "bench" / "bench_answer_quality.py"
    spec = importlib.util.spec_from_file_location("bench_answer_quality", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(spec.name, module)
    spec.loader.exec_module(module)
    return module


async def test_bench_llm_path_runs_end_to_end_against_an_openai_compatible_server(
    openai_server: FakeOpenAI,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Pipeline, not quality: the bench's LLM answerer asks the server once per case and its
    figures are printed beside the offline answerer's and the baseline's."""
    fake_openai = openai_server
    monkeypatch.setenv("OPENAI_BASE_URL", fake_openai.base_url)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.setenv("OPENAI_MODEL", fake_openai.model)

    assert await _bench().main(["--limit", "3"]) == 0

    out = capsys.readouterr().out
    assert f"model {fake_openai.model}" in out
    assert len(fake_openai.requests) == 3 * len(SPLITS)  # 3 cases of each split
    asked = "\n".join(r.content_of("user") for r in fake_openai.requests)
    assert "Would Lucia try our app in summer?" in asked
    for split in SPLITS:
        assert f"== {split} split: 3 cases" in out
    header = next(line for line in out.splitlines() if line.startswith("figure"))
    assert header.split()[-3:] == ["baseline", "offline", "llm"]
    assert "fell back" not in out  # every LLM answer came from the server
