"""Answer-quality figures over the evaluation set (issue 9, "How it is measured").

An answer's predicted label: "unknown" if it is out of scope; "fact" if it answers a factual
question (a fact carries no support/oppose verdict, so its stance is not read); else "unknown"
if its stance is unknown; else its stance. Lines quoted = `answer.cited_keys`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from bot.answering.base import Answer, ConfidenceBand, confidence_band
from tests.eval.dataset import Case

STANCES_WITH_VERDICT = ("support", "oppose", "mixed")
BANDS: tuple[ConfidenceBand, ...] = ("high", "medium", "low")
BREAKDOWN_TAGS = ("negation", "uncovered", "fact", "paraphrase", "yes_no", "mixed", "word-trap")


def predicted_label(answer: Answer) -> str:
    if answer.out_of_scope:
        return "unknown"
    if answer.question_kind == "fact":
        return "fact"
    return "unknown" if answer.stance == "unknown" else answer.stance


@dataclass(frozen=True)
class Outcome:
    """One case and what an answerer made of it."""

    case: Case
    predicted: str
    cited: tuple[str, ...]
    band: ConfidenceBand
    fell_back: bool = False  # an LLM answer that fell back to the offline answerer

    @classmethod
    def of(cls, case: Case, answer: Answer) -> Outcome:
        return cls(
            case,
            predicted_label(answer),
            answer.cited_keys,
            confidence_band(answer.confidence),
            fell_back=answer.fallback_reason is not None,
        )

    @property
    def correct(self) -> bool:
        return self.predicted == self.case.expect

    @property
    def opposite(self) -> bool:
        return {self.predicted, self.case.expect} == {"support", "oppose"}

    @property
    def invented(self) -> bool:
        """A verdict (support / oppose / mixed) where the profile is silent."""
        return self.case.expect == "unknown" and self.predicted in STANCES_WITH_VERDICT

    @property
    def line_hit(self) -> bool:
        return any(key in self.case.lines for key in self.cited)


@dataclass(frozen=True)
class BandFigure:
    answers: int
    right: int

    @property
    def precision(self) -> float | None:
        return self.right / self.answers if self.answers else None


@dataclass(frozen=True)
class Figures:
    cases: int
    stance_accuracy: float
    opposite: int
    invented: int
    unknown_truth: int  # cases where the profile is silent (invented is counted among these)
    line_recall: float  # cases with lines to cite: a right line among those quoted
    line_recall_paraphrase: float
    lines_quoted_avg: float
    lines_quoted_max: int
    bands: dict[str, BandFigure]
    groups: int
    groups_consistent: float  # share of phrasing groups answered with one label
    by_tag: dict[str, tuple[int, float]]  # tag -> (cases, accuracy)

    @property
    def invented_share(self) -> float:
        return self.invented / self.cases if self.cases else 0.0

    def band_precision(self, band: str) -> float | None:
        return self.bands[band].precision


def _share(hits: Sequence[bool]) -> float:
    return sum(hits) / len(hits) if hits else 0.0


def figures(outcomes: Sequence[Outcome]) -> Figures:
    cited = [o for o in outcomes if o.case.lines]
    groups: dict[str, set[str]] = defaultdict(set)
    for o in outcomes:
        if o.case.group:
            groups[o.case.group].add(o.predicted)
    bands = {
        band: BandFigure(
            answers=sum(1 for o in outcomes if o.band == band),
            right=sum(1 for o in outcomes if o.band == band and o.correct),
        )
        for band in BANDS
    }
    by_tag = {}
    for tag in BREAKDOWN_TAGS:
        tagged = [o.correct for o in outcomes if o.case.has(tag)]
        by_tag[tag] = (len(tagged), _share(tagged))
    quoted = [len(o.cited) for o in outcomes]
    return Figures(
        cases=len(outcomes),
        stance_accuracy=_share([o.correct for o in outcomes]),
        opposite=sum(o.opposite for o in outcomes),
        invented=sum(o.invented for o in outcomes),
        unknown_truth=sum(1 for o in outcomes if o.case.expect == "unknown"),
        line_recall=_share([o.line_hit for o in cited]),
        line_recall_paraphrase=_share([o.line_hit for o in cited if o.case.has("paraphrase")]),
        lines_quoted_avg=sum(quoted) / len(quoted) if quoted else 0.0,
        lines_quoted_max=max(quoted, default=0),
        bands=bands,
        groups=len(groups),
        groups_consistent=_share([len(labels) == 1 for labels in groups.values()]),
        by_tag=by_tag,
    )
