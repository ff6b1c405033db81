"""Wording shared by the offline answerer's proposal and question answers.

Everything here works on matched profile lines (`Match`): it quotes them, says how they
bear on the proposal or question, and scores stance and confidence. It never writes a claim
that is not a profile line's own text.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.answering.base import Stance
from persona_store.personas.views import EvidenceView, LineView

MAX_EACH = 3  # reasons / concerns / win-over items
COVERAGE_BASE = 0.1
COVERAGE_GAIN = 0.6
MIXED_CAP = 0.35  # "it depends" was right in none of the train split's 12 cases
QUOTE_CHARS = 140


@dataclass(frozen=True)
class Match:
    line: LineView
    relevance: float  # 0..1, relative to the best match
    effect: int  # +1 the proposal relieves it, -1 aggravates it, 0 unknown
    flipped: bool = False  # the line names the topic as missing or unwanted
    direct: bool = True  # shares a word with the question (not only a synonym concept)
    caveat: bool = False  # a pain/objection about what the topic costs, not the topic
    overlap: float = 0.0  # the question's topic words this line covers (`relevance.credit`)
    timed: bool = False  # the effect comes from the time the question names (`timing`)
    similar: bool = False  # found by meaning (`semantic_match`), not only by shared words


TIMED_WEIGHT = 5.0  # a line that says when they would (not) do it outweighs loose matches


SUPPORTING = 0.25  # lines after the strongest one on a side add this share of their weight


def side_strength(weights: Iterable[float]) -> float:
    """How strongly one side (for / against) speaks: its strongest line, plus a little of
    each other line. Many loosely related lines do not outweigh one line about the topic."""
    ordered = sorted(weights, reverse=True)
    return ordered[0] + SUPPORTING * sum(ordered[1:]) if ordered else 0.0


def weight_of(m: Match, weight: float) -> float:
    """A match's say in the verdict: its label's weight, its relevance, and its timing."""
    return weight * m.relevance**2 * (TIMED_WEIGHT if m.timed else 1.0)


# Labels read both as a bullet prefix and after "it" in the summary.
LABELS: dict[str, dict[int, tuple[str, str, float]]] = {
    # effect -> (side, label, weight); side "r" reason, "c" concern
    "goal": {
        1: ("r", "Serves their goal", 1.3),
        0: ("r", "Fits their goal", 1.0),
        -1: ("c", "Cuts against their goal", 1.2),
    },
    "motivation": {
        1: ("r", "Speaks to what drives them", 1.3),
        0: ("r", "Fits what drives them", 1.0),
        -1: ("c", "Cuts against what drives them", 1.2),
    },
    "pain": {
        1: ("r", "Could ease a pain they have", 1.2),
        0: ("c", "Touches a pain", 0.6),
        -1: ("c", "Would make a pain worse", 1.5),
    },
    "objection": {
        1: ("r", "Answers an objection of theirs", 1.0),
        0: ("c", "Raises their objection", 1.0),
        -1: ("c", "Hits their objection", 1.5),
    },
    "behavior": {
        1: ("r", "Fits how they work", 0.6),
        0: ("r", "Fits how they work", 0.5),
        -1: ("c", "Clashes with how they work", 0.6),
    },
    "quote": {
        1: ("r", "In their own words", 1.0),
        0: ("r", "In their own words", 0.8),
        -1: ("c", "Goes against their own words", 1.0),
    },
    "channel": {
        1: ("r", "Reaches them where they are", 0.5),
        0: ("r", "Reaches them where they are", 0.4),
        -1: ("c", "Clashes with where they are", 0.5),
    },
}


def label(m: Match) -> tuple[str, str, float]:
    return LABELS.get(m.line.kind, LABELS["behavior"])[m.effect]


def quote(text: str, limit: int = QUOTE_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# how an evidence source reads after "backed by" ("backed by manual" read oddly)
SOURCE_WORDS = {
    "interview": "interviews",
    "survey": "a survey",
    "analytics": "analytics",
    "support": "support data",
    "manual": "a team note",
}


def backing_note(evidence: Sequence[EvidenceView]) -> str:
    if not evidence:
        return ""
    e = evidence[0]
    size = f", n={e.n}" if e.n else ""
    more = f" +{len(evidence) - 1} more" if len(evidence) > 1 else ""
    return f" (backed by {SOURCE_WORDS.get(e.source, e.source)}{size}{more})"


def stance_of(support: float, oppose: float, decisive: bool) -> Stance:
    if support <= 0 and oppose <= 0:
        return "unknown"
    if not decisive and support <= 0:
        return "mixed"  # only neutral pains touched: the persona cares, direction unclear
    if support >= 1.5 * oppose:
        return "support"
    if oppose >= 1.5 * support:
        return "oppose"
    return "mixed"


def win_over(matches: Sequence[Match], *, objections_only: bool = False) -> tuple[str, ...]:
    """Phrased only from the profile's own goals, motivations, objections (pains if none)."""
    out: list[str] = []
    for m in matches:
        text = quote(m.line.text)
        if m.line.kind == "objection":
            out.append(f"Answer their objection: “{text}”")
        elif m.line.kind in ("goal", "motivation") and not objections_only:
            out.append(f"Show how it helps with: “{text}”")
    if not out and not objections_only:
        for m in matches:
            if m.line.kind == "pain":
                out.append(f"Show how it deals with: “{quote(m.line.text)}”")
    return tuple(out[:MAX_EACH])


def confidence(
    matches: Sequence[Match],
    stance: Stance,
    support: float,
    oppose: float,
    backed_share: float,
    evidence: Sequence[EvidenceView],
    coverage: float = 1.0,
) -> float:
    """How sure the answer is, led by how much of the question the best line covers.

    `coverage` is the share of the question's topic words the best-matching line speaks to
    (`relevance.credit` over the topic's weight). On the evaluation set's train split it
    told right verdicts from wrong ones best: verdicts whose line covered three quarters
    of the question or more were right 94% of the time, those covering a quarter 59%.
    One-sidedness, several strong lines and evidence add a little; a torn answer ("It
    depends") is never confident."""
    strong = sum(1 for m in matches if m.relevance >= 0.6)
    strength = min(1.0, strong / 3)
    margin = abs(support - oppose) / (support + oppose) if support + oppose else 0.0
    backing = min(1.0, backed_share + 0.25 * len(evidence))
    value = (
        COVERAGE_BASE
        + COVERAGE_GAIN * min(1.0, coverage)
        + 0.1 * margin
        + 0.05 * strength
        + 0.05 * backing
    )
    if stance == "mixed":
        value = min(value, MIXED_CAP)
    return round(max(0.1, min(0.9, value)), 2)
