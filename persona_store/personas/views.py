"""Read-only snapshots of store rows handed to the core (never live ORM objects)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from persona_store.evidence.summary import ImportedEvidence


@dataclass(frozen=True)
class LineView:
    id: int
    key: str  # stable citation id, e.g. "pain-2"
    kind: str
    text: str


@dataclass(frozen=True)
class OwnerView:
    platform: str
    user_id: str

    @property
    def ref(self) -> str:
        return f"{self.platform}:{self.user_id}"


@dataclass(frozen=True)
class EvidenceView:
    id: int
    source: str
    summary: str
    n: int | None
    collected_at: date | None
    line_key: str | None
    details: dict[str, Any] | None
    created_at: datetime
    origin: str = "file"  # "file" | "bot" | "import" (who wrote it)
    source_file: str | None = None  # an imported row's export file and spreadsheet row
    source_row: int | None = None
    link: str | None = None
    review: str | None = None  # an owner's word on a suggested link: "unrelated" | "new-line"


@dataclass(frozen=True)
class PersonaView:
    id: int
    workspace_id: int
    slug: str
    name: str
    kind: str
    role: str
    summary: str
    photo_url: str | None
    quote: str
    segment: str
    review_every_days: int
    last_reviewed_at: datetime | None
    home_channel: str | None
    version: int
    lines: tuple[LineView, ...] = ()
    owners: tuple[OwnerView, ...] = ()
    evidence: tuple[EvidenceView, ...] = ()
    updated_at: datetime | None = None
    # rows of evidence imports, summarised (`evidence` holds what files and the bot wrote)
    imported: ImportedEvidence = ImportedEvidence()
    buyer_of: tuple[str, ...] = ()  # slugs of the personas this one signs for
    user_of: tuple[str, ...] = ()  # slugs of the personas who sign for this one

    @property
    def first_name(self) -> str:
        return self.name.split()[0] if self.name.split() else self.slug

    def lines_of(self, kind: str) -> tuple[LineView, ...]:
        return tuple(line for line in self.lines if line.kind == kind)

    def line(self, key: str) -> LineView | None:
        return next((line for line in self.lines if line.key == key), None)

    def days_since_review(self, now: datetime) -> int | None:
        if self.last_reviewed_at is None:
            return None
        reviewed = self.last_reviewed_at
        if reviewed.tzinfo is None:
            reviewed = reviewed.replace(tzinfo=UTC)
        return max(0, (now - reviewed).days)

    def is_overdue(self, now: datetime) -> bool:
        days = self.days_since_review(now)
        return days is None or days > self.review_every_days

    @property
    def evidence_n(self) -> int:
        """People behind the evidence (sum of n, counting unsized items as one)."""
        return sum(e.n or 1 for e in self.evidence)
