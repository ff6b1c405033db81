"""Writing imported evidence, and an owner's word on a suggested link.

An import is one transaction: rows go in by chunks of INSERT … ON CONFLICT DO NOTHING on
(persona, content hash), so a row already stored (a re-import, the same row twice in one
file) is skipped by the database without the importer remembering any hash; the count
before and after says how many were new. A dry run is the same transaction rolled back.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from persona_store.evidence.rows import EvidenceRow
from persona_store.models import Evidence, Persona, ProfileLine, utcnow
from persona_store.personas.convert import evidence_view
from persona_store.personas.views import EvidenceView

CHUNK = 1000
REVIEWS = ("unrelated", "new-line")


@dataclass(frozen=True)
class ImportOutcome:
    added: int
    already: int  # rows the store had (or the file repeated)


class EvidenceNotFound(LookupError):
    pass


@dataclass(frozen=True)
class _Origin:
    """Where an import's rows go and come from."""

    workspace_id: int
    slug: str
    source: str
    file_name: str


class _DryRun(Exception):  # leaves `session.begin()` by its rollback path
    def __init__(self, outcome: ImportOutcome) -> None:
        self.outcome = outcome


def _chunks(rows: Iterable[EvidenceRow]) -> Iterator[list[EvidenceRow]]:
    it = iter(rows)
    while chunk := list(islice(it, CHUNK)):
        yield chunk


class EvidenceStore:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def import_rows(
        self,
        workspace_id: int,
        slug: str,
        rows: Iterable[EvidenceRow],
        *,
        source: str,
        file_name: str,
        dry_run: bool = False,
    ) -> ImportOutcome:
        """Write the rows in one transaction (rolled back when `dry_run`)."""
        origin = _Origin(workspace_id, slug, source, file_name[:300])
        try:
            return self._write(origin, rows, dry_run)
        except _DryRun as done:
            return done.outcome

    def _write(self, origin: _Origin, rows: Iterable[EvidenceRow], dry_run: bool) -> ImportOutcome:
        with self._sessions.begin() as s:
            persona = s.scalar(
                select(Persona).where(
                    Persona.workspace_id == origin.workspace_id, Persona.slug == origin.slug
                )
            )
            if persona is None:
                raise EvidenceNotFound(origin.slug)
            keys = dict(
                s.execute(
                    select(ProfileLine.key, ProfileLine.id).where(
                        ProfileLine.persona_id == persona.id
                    )
                ).all()
            )
            count = select(func.count(Evidence.id)).where(Evidence.persona_id == persona.id)
            before = s.scalar(count) or 0
            insert = (postgresql if s.bind.dialect.name == "postgresql" else sqlite).insert
            stmt = insert(Evidence).on_conflict_do_nothing(
                index_elements=["persona_id", "content_hash"]
            )
            now, seen = utcnow(), 0
            for chunk in _chunks(rows):
                seen += len(chunk)
                s.execute(stmt, [_values(persona.id, r, keys, origin, now) for r in chunk])
            added = (s.scalar(count) or 0) - before
            if dry_run:
                raise _DryRun(ImportOutcome(added, seen - added))
        return ImportOutcome(added, seen - added)

    def _evidence(self, s: Session, workspace_id: int, slug: str, evidence_id: int) -> Evidence:
        e = s.scalar(
            select(Evidence)
            .join(Persona, Persona.id == Evidence.persona_id)
            .where(
                Persona.workspace_id == workspace_id,
                Persona.slug == slug,
                Evidence.id == evidence_id,
            )
        )
        if e is None:
            raise EvidenceNotFound(f"{slug}#{evidence_id}")
        return e

    def unlinked_imported(self, workspace_id: int, slug: str, limit: int) -> list[EvidenceView]:
        """The newest imported rows no line cites and no owner set aside (the rest of a
        persona's evidence is in its view)."""
        with self._sessions() as s:
            rows = s.scalars(
                select(Evidence)
                .join(Persona, Persona.id == Evidence.persona_id)
                .where(
                    Persona.workspace_id == workspace_id,
                    Persona.slug == slug,
                    Evidence.origin == "import",
                    Evidence.line_id.is_(None),
                    Evidence.review.is_(None),
                )
                .order_by(Evidence.collected_at.desc().nulls_last(), Evidence.id.desc())
                .limit(limit)
            ).all()
            return [evidence_view(e, None) for e in rows]

    def link(self, workspace_id: int, slug: str, evidence_id: int, line_key: str) -> str:
        """Link one evidence item to a line (by citation id); returns the line's text."""
        with self._sessions.begin() as s:
            e = self._evidence(s, workspace_id, slug, evidence_id)
            line = s.scalar(
                select(ProfileLine).where(
                    ProfileLine.persona_id == e.persona_id, ProfileLine.key == line_key
                )
            )
            if line is None:
                raise EvidenceNotFound(line_key)
            e.line_id = line.id
            e.review = None
            return line.text

    def set_review(self, workspace_id: int, slug: str, evidence_id: int, review: str) -> str:
        """'Not related' / 'New line': the item is no longer suggested; returns its summary."""
        if review not in REVIEWS:
            raise ValueError(review)
        with self._sessions.begin() as s:
            e = self._evidence(s, workspace_id, slug, evidence_id)
            e.review = review
            return e.summary


def _values(
    persona_id: int, r: EvidenceRow, keys: dict[str, int], origin: _Origin, now: Any
) -> dict[str, Any]:
    return {
        "persona_id": persona_id,
        "source": origin.source,
        "summary": r.summary,
        "n": r.n,
        "collected_at": r.date,
        "line_id": keys.get(r.line) if r.line else None,
        "details": None,
        "created_at": now,
        "origin": "import",
        "source_file": origin.file_name,
        "source_row": r.row,
        "content_hash": r.content_hash(origin.source),
        "link": r.link,
    }
