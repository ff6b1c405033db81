"""Line health: which profile lines the data still backs (pure; one place for every view).

For each profile line of a persona, from the evidence linked to it (`EvidenceView.line_key`):
how many items and people (n) back it, the newest item's date, the survey results on it, and
a status:

- **contested**: the most recent closed survey on the line (closed within the persona's
  review interval, `review_every_days`), with at least `MIN_SURVEY_N` answers and a single
  most chosen option, came out on a *No-like* option (`contradicts`): the people asked say
  the line no longer holds. A later survey that does not come out No clears it.
- **needs data**: no evidence on the line dated within the review interval (an item's date is
  when it was collected, else when it was recorded). A line with no evidence at all needs
  data too.
- **backed**: otherwise.

No-like options (`contradicts`): the option's first word is no / not / never / disagree /
false / wrong / untrue / nope, or it says "no longer" / "any more" / "anymore"; an option that
hedges ("Not sure", "Don't know", "Depends", "Maybe") is never No-like, and neither is a
partial one ("Less than before").

`show`, the gallery, answers that cite a line, the owner's review reminder and the persona of
the week all read the status from here.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Literal

from persona_store.personas.views import EvidenceView, LineView, PersonaView

Status = Literal["backed", "needs data", "contested"]
MIN_SURVEY_N = 3  # fewer answers than this never contest a line
MARK = "\u26a0"  # ⚠, the small mark by a flagged line or citation

_NO_FIRST = {"no", "not", "never", "disagree", "false", "wrong", "untrue", "nope"}
_NO_PHRASES = ("no longer", "any more", "anymore")
_HEDGES = {"sure", "know", "depends", "maybe", "unsure", "unclear", "partly", "sometimes"}


def contradicts(option: str) -> bool:
    """Is this survey option a "No" to the line it asks about? (see the module)"""
    low = option.lower().replace("\u2019", "'")
    words = re.findall(r"[a-z]+", low)
    if not words or _HEDGES.intersection(words) or low.startswith(("don't", "dont")):
        return False
    return words[0] in _NO_FIRST or any(p in low for p in _NO_PHRASES)


@dataclass(frozen=True)
class SurveySignal:
    """One closed survey's result on a line."""

    question: str
    n: int
    closed: date | None
    winner: str | None  # the single most chosen option; None on a tie
    verdict: Literal["agrees", "disagrees", "unclear"]

    def describe(self) -> str:
        when = f", {self.closed.isoformat()}" if self.closed else ""
        top = f"\u201c{self.winner}\u201d won" if self.winner else "no clear winner"
        return f"Survey \u201c{self.question}\u201d: {top} (n={self.n}{when})"


@dataclass(frozen=True)
class LineHealth:
    key: str
    kind: str
    text: str
    evidence_count: int
    total_n: int  # people behind the evidence; an item without n counts as one
    newest: date | None
    surveys: tuple[SurveySignal, ...]  # newest first
    status: Status

    @property
    def flagged(self) -> bool:
        return self.status != "backed"

    @property
    def mark(self) -> str:
        """'⚠ contested' / '⚠ needs data', or '' for a backed line."""
        return f"{MARK} {self.status}" if self.flagged else ""

    def backing(self) -> str:
        """'2 evidence items (n=227), newest 2026-09-03' or 'No evidence yet'."""
        if not self.evidence_count:
            return "No evidence yet"
        noun = "item" if self.evidence_count == 1 else "items"
        newest = f", newest {self.newest.isoformat()}" if self.newest else ""
        return f"{self.evidence_count} evidence {noun} (n={self.total_n}){newest}"

    def why(self) -> str:
        """One line saying why the line is flagged (for the reminder and `show`)."""
        if self.status == "contested":
            latest = next(s for s in self.surveys if s.verdict == "disagrees")
            return f"contested: {latest.describe()}"
        if self.status == "needs data":
            if self.newest is None:
                return "needs data: no evidence yet"
            return f"needs data: newest evidence {self.newest.isoformat()}"
        return self.backing()


def evidence_date(e: EvidenceView) -> date:
    return e.collected_at or e.created_at.date()


def survey_signal(e: EvidenceView) -> SurveySignal | None:
    """A survey's result from its evidence item's details (the shape
    `persona_store.surveys.close.evidence_of` writes, or {"counts": {"Yes": 3, ...}});
    None for evidence that is not a closed survey's counts."""
    details: dict[str, Any] = e.details or {}
    counts = details.get("counts")
    if isinstance(counts, dict):
        labels, values = [str(k) for k in counts], [_int(v) for v in counts.values()]
    elif isinstance(counts, list | tuple) and isinstance(details.get("options"), list | tuple):
        labels, values = [str(o) for o in details["options"]], [_int(v) for v in counts]
        if len(labels) != len(values):
            return None
    else:
        return None
    n = sum(values)
    winner = _winner(values)
    label = labels[winner] if winner is not None else None
    if label is None or n < MIN_SURVEY_N:
        verdict: Literal["agrees", "disagrees", "unclear"] = "unclear"
    else:
        verdict = "disagrees" if contradicts(label) else "agrees"
    question = str(details.get("question") or e.summary)
    return SurveySignal(question, n, evidence_date(e), label, verdict)


def _int(value: Any) -> int:
    try:
        return max(0, int(value or 0))
    except (TypeError, ValueError):
        return 0


def _winner(values: Sequence[int]) -> int | None:
    if not values or max(values) == 0:
        return None
    top = max(values)
    return values.index(top) if list(values).count(top) == 1 else None


def health_of(line: LineView, evidence: Sequence[EvidenceView], window_start: date) -> LineHealth:
    """One line's health from the evidence linked to it."""
    mine = [e for e in evidence if e.line_key == line.key]
    newest = max((evidence_date(e) for e in mine), default=None)
    signals = sorted(
        (s for s in (survey_signal(e) for e in mine) if s is not None),
        key=lambda s: s.closed or date.min,
        reverse=True,
    )
    recent = [s for s in signals if s.closed is not None and s.closed >= window_start]
    decisive = next((s for s in recent if s.verdict != "unclear"), None)
    status: Status
    if decisive is not None and decisive.verdict == "disagrees":
        status = "contested"
    elif newest is None or newest < window_start:
        status = "needs data"
    else:
        status = "backed"
    return LineHealth(
        key=line.key,
        kind=line.kind,
        text=line.text,
        evidence_count=len(mine),
        total_n=sum(e.n or 1 for e in mine),
        newest=newest,
        surveys=tuple(signals),
        status=status,
    )


def window_start(persona: PersonaView, now: datetime) -> date:
    """The oldest date evidence may have and still count as recent for this persona."""
    return (now - timedelta(days=max(persona.review_every_days, 1))).date()


def line_health(persona: PersonaView, now: datetime) -> tuple[LineHealth, ...]:
    """Every profile line's health, in profile order."""
    start = window_start(persona, now)
    return tuple(health_of(line, persona.evidence, start) for line in persona.lines)


def health_by_key(persona: PersonaView, now: datetime) -> dict[str, LineHealth]:
    return {h.key: h for h in line_health(persona, now)}


def _attention(h: LineHealth) -> tuple[int, int, date, int, str]:
    """Sort key: contested first, then the least backed (fewest items, oldest newest)."""
    return (
        0 if h.status == "contested" else 1,
        h.evidence_count,
        h.newest or date.min,
        h.total_n,
        h.key,
    )


def lines_to_look_at(persona: PersonaView, now: datetime) -> list[LineHealth]:
    """The flagged lines, the ones most in need first (the owner's review reminder)."""
    return sorted((h for h in line_health(persona, now) if h.flagged), key=_attention)


def weakest_line(
    persona: PersonaView, now: datetime, kinds: Sequence[str] = ()
) -> LineHealth | None:
    """The most contested, else least-backed line (of `kinds`, when given, which also breaks
    ties in their order): what the persona of the week asks about. None when every line is
    backed."""
    flagged = [h for h in line_health(persona, now) if h.flagged and (not kinds or h.kind in kinds)]
    if not flagged:
        return None
    rank = {kind: i for i, kind in enumerate(kinds)}
    # equally weak lines: the first kind named (pains before goals), then profile order
    return min(flagged, key=lambda h: (_attention(h)[:3], rank.get(h.kind, 0)))


def summary(healths: Sequence[LineHealth]) -> str:
    """'2 lines contested · 5 need data' or 'Every line is backed by recent data'."""
    contested = sum(1 for h in healths if h.status == "contested")
    needs = sum(1 for h in healths if h.status == "needs data")
    if not contested and not needs:
        return "Every line is backed by recent data" if healths else "No profile lines yet"
    parts = []
    if contested:
        parts.append(f"{contested} line{'s' if contested != 1 else ''} contested")
    if needs:
        parts.append(f"{needs} line needs data" if needs == 1 else f"{needs} lines need data")
    return " · ".join(parts)
