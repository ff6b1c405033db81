"""Read-only snapshots of gaps handed to the core."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class GapView:
    id: int
    persona_id: int
    number: int
    question: str
    topic: str
    count: int
    first_asked_at: datetime
    last_asked_at: datetime
    status: str
    survey_id: int | None = None
    evidence_id: int | None = None
    line_key: str | None = None
    evidence_summary: str | None = None  # the survey's results, once it closed


@dataclass(frozen=True)
class GapSummary:
    """What `show maya` and the gallery say: "Asked but not covered: 7 (SSO, mobile app, …)"."""

    open: int
    topics: tuple[str, ...]


@dataclass(frozen=True)
class GapHealth:
    """The loop's numbers for one persona and one quarter."""

    quarter: str
    opened: int
    closed: int
    answered: int  # questions answered from the profile
    gap_questions: int  # questions that became (or counted on) a gap

    @property
    def asked(self) -> int:
        return self.answered + self.gap_questions

    @property
    def share(self) -> float | None:
        """Share of questions answered from the profile (None: nothing asked)."""
        return self.answered / self.asked if self.asked else None
