"""Decision log queries: answer records, consultations, decisions and their revisions.

Every query filters on the workspace: a workspace never reads or changes another's rows.
Who may log or edit a decision, and what is valid, is the core's (`bot.features.decisions`);
this module stores what it is given.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from persona_store.decisions.models import (
    AnswerRecord,
    Consultation,
    Decision,
    DecisionPersona,
    DecisionRevision,
)
from persona_store.decisions.views import (
    MAX_DECISION_NUMBER,
    MAX_QUESTION,
    AnswerRef,
    Considered,
    DecisionDraft,
    DecisionView,
    Place,
    aware,
)
from persona_store.models import Persona, utcnow

NOWHERE = Place()
NUMBER_ATTEMPTS = 8  # two people logging at once both read the same next number


class DecisionStore:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    @classmethod
    def of(cls, store: Any) -> DecisionStore:
        return cls(store.sessions)

    # -- answers and consultations --------------------------------------------------------
    def record_answer(
        self,
        workspace_id: int,
        kind: str,
        question: str,
        personas: Sequence[Considered],
        *,
        place: Place = NOWHERE,
        consulted: bool = True,
        token: str | None = None,
    ) -> int:
        """Keep what an answer said (for a later decision) and, when `consulted`, count one
        consultation per persona. `token`: the key its button carries. Nothing about who
        asked is stored."""
        with self._sessions.begin() as s:
            record = AnswerRecord(
                workspace_id=workspace_id,
                kind=kind[:16],
                question=question[:MAX_QUESTION],
                personas=[p.to_dict() for p in personas],
                platform=place.platform[:16],
                conversation_id=place.conversation_id[:200],
                thread_id=(place.message_id or None) and str(place.message_id)[:200],
                token=token and token[:32],
            )
            s.add(record)
            if consulted:
                for persona_id in _persona_ids(s, workspace_id, [p.slug for p in personas]):
                    s.add(Consultation(workspace_id=workspace_id, persona_id=persona_id))
            s.flush()
            return record.id

    def answer(self, workspace_id: int, answer_id: int) -> AnswerRef | None:
        if not 0 < answer_id <= MAX_DECISION_NUMBER:
            return None
        with self._sessions() as s:
            row = s.scalar(
                select(AnswerRecord).where(
                    AnswerRecord.id == answer_id, AnswerRecord.workspace_id == workspace_id
                )
            )
            return _answer_view(row) if row is not None else None

    def answer_in_thread(
        self, workspace_id: int, platform: str, conversation_id: str, thread_id: str
    ) -> AnswerRef | None:
        """The latest answer given in this thread (`decide` typed there)."""
        with self._sessions() as s:
            row = s.scalar(
                select(AnswerRecord)
                .where(
                    AnswerRecord.workspace_id == workspace_id,
                    AnswerRecord.platform == platform,
                    AnswerRecord.conversation_id == conversation_id,
                    AnswerRecord.thread_id == thread_id,
                )
                .order_by(AnswerRecord.id.desc())
                .limit(1)
            )
            return _answer_view(row) if row is not None else None

    def prune_answers(self, before: datetime) -> int:
        """Forget answer records older than `before` (every workspace: maintenance). A
        decision keeps its own copy of what the answer said; a late "Log decision" click
        on a forgotten answer logs it without personas, and says so."""
        with self._sessions.begin() as s:
            done = s.execute(delete(AnswerRecord).where(AnswerRecord.created_at < before))
            return int(done.rowcount or 0)

    def consultations_since(
        self, workspace_id: int, persona_id: int, since: datetime | None
    ) -> int:
        with self._sessions() as s:
            query = select(func.count(Consultation.id)).where(
                Consultation.workspace_id == workspace_id, Consultation.persona_id == persona_id
            )
            if since is not None:
                query = query.where(Consultation.created_at > since)
            return int(s.scalar(query) or 0)

    # -- decisions -------------------------------------------------------------------------
    def add(
        self,
        workspace_id: int,
        draft: DecisionDraft,
        *,
        author: str,
        author_name: str = "",
        answer: AnswerRef | None = None,
        place: Place = NOWHERE,
    ) -> DecisionView:
        """Store a decision under the workspace's next number, with the answer's personas
        and cited lines, and its first revision."""
        for attempt in range(NUMBER_ATTEMPTS):
            try:
                return self._add(workspace_id, draft, author, author_name, answer, place)
            except IntegrityError:
                if attempt == NUMBER_ATTEMPTS - 1:
                    raise
        raise AssertionError("unreachable")

    def _add(
        self,
        workspace_id: int,
        draft: DecisionDraft,
        author: str,
        author_name: str,
        answer: AnswerRef | None,
        place: Place,
    ) -> DecisionView:
        with self._sessions.begin() as s:
            last = s.scalar(
                select(func.max(Decision.number)).where(Decision.workspace_id == workspace_id)
            )
            personas = list(answer.personas) if answer else []
            row = Decision(
                workspace_id=workspace_id,
                number=int(last or 0) + 1,
                text=draft.text,
                outcome=draft.outcome,
                note=draft.note,
                link=draft.link,
                author=author[:200],
                author_name=author_name[:200],
                answer_id=answer.id if answer else None,
                question=answer.question if answer else "",
                personas=[p.to_dict() for p in personas],
                platform=place.platform[:16],
                conversation_id=place.conversation_id[:200],
                message_id=place.message_id and place.message_id[:200],
                permalink=place.permalink,
            )
            s.add(row)
            s.flush()
            for persona_id in _persona_ids(s, workspace_id, [p.slug for p in personas]):
                s.add(DecisionPersona(decision_id=row.id, persona_id=persona_id))
            s.add(_revision(row, author))
            s.flush()
            return _view(row)

    def edit(
        self, workspace_id: int, number: int, draft: DecisionDraft, *, author: str
    ) -> DecisionView | None:
        """A new version of decision `number` (None: no such decision here)."""
        with self._sessions.begin() as s:
            row = _row(s, workspace_id, number)
            if row is None:
                return None
            if (row.text, row.outcome, row.note, row.link) == (
                draft.text, draft.outcome, draft.note, draft.link,
            ):  # fmt: skip
                return _view(row)
            row.text, row.outcome, row.note, row.link = (
                draft.text, draft.outcome, draft.note, draft.link,
            )  # fmt: skip
            row.version += 1
            row.updated_at = utcnow()
            s.add(_revision(row, author))
            s.flush()
            return _view(row)

    def get(self, workspace_id: int, number: int) -> DecisionView | None:
        with self._sessions() as s:
            row = _row(s, workspace_id, number)
            return _view(row) if row is not None else None

    def revisions(self, workspace_id: int, number: int) -> list[tuple[int, str, dict[str, Any]]]:
        """(version, author, snapshot), oldest first."""
        with self._sessions() as s:
            row = _row(s, workspace_id, number)
            if row is None:
                return []
            revs = s.scalars(
                select(DecisionRevision)
                .where(DecisionRevision.decision_id == row.id)
                .order_by(DecisionRevision.version)
            ).all()
            return [(r.version, r.author, dict(r.snapshot)) for r in revs]

    def recent(
        self,
        workspace_id: int,
        *,
        limit: int = 10,
        persona_id: int | None = None,
        search: str | None = None,
    ) -> list[DecisionView]:
        """Newest first; only those that considered `persona_id`, or whose decision, note or
        question contains `search` (case-insensitive)."""
        with self._sessions() as s:
            query = select(Decision).where(Decision.workspace_id == workspace_id)
            if persona_id is not None:
                query = query.join(DecisionPersona, DecisionPersona.decision_id == Decision.id)
                query = query.where(DecisionPersona.persona_id == persona_id)
            if search:
                term = search.lower()
                query = query.where(
                    or_(
                        *(
                            func.lower(col).contains(term, autoescape=True)
                            for col in (Decision.text, Decision.note, Decision.question)
                        )
                    )
                )
            query = query.order_by(Decision.number.desc())
            if limit:
                query = query.limit(limit)
            return [_view(r) for r in s.scalars(query).all()]

    def considered(
        self, workspace_id: int, persona_ids: Sequence[int], *, latest: int = 3
    ) -> dict[int, tuple[int, list[DecisionView]]]:
        """persona id -> (how many decisions considered it, the latest few)."""
        out: dict[int, tuple[int, list[DecisionView]]] = {}
        if not persona_ids:
            return out
        with self._sessions() as s:
            counts = dict(
                s.execute(
                    select(DecisionPersona.persona_id, func.count(DecisionPersona.id))
                    .join(Decision, Decision.id == DecisionPersona.decision_id)
                    .where(
                        Decision.workspace_id == workspace_id,
                        DecisionPersona.persona_id.in_(list(persona_ids)),
                    )
                    .group_by(DecisionPersona.persona_id)
                ).all()
            )
        for pid in persona_ids:
            n = int(counts.get(pid, 0))
            rows = self.recent(workspace_id, limit=latest, persona_id=pid) if n and latest else []
            out[pid] = (n, rows)
        return out


def _persona_ids(s: Session, workspace_id: int, slugs: list[str]) -> list[int]:
    if not slugs:
        return []
    found = s.execute(
        select(Persona.id, Persona.slug).where(
            Persona.workspace_id == workspace_id, Persona.slug.in_(slugs)
        )
    ).all()
    return sorted({pid for pid, _ in found})


def _row(s: Session, workspace_id: int, number: int) -> Decision | None:
    if not 0 < number <= MAX_DECISION_NUMBER:
        return None
    return s.scalar(
        select(Decision).where(Decision.workspace_id == workspace_id, Decision.number == number)
    )


def _answer_view(row: AnswerRecord) -> AnswerRef:
    personas = tuple(Considered.from_dict(p) for p in row.personas or () if isinstance(p, dict))
    place = Place(row.platform, row.conversation_id, row.thread_id)
    return AnswerRef(row.id, row.kind, row.question, personas, row.token, place)


def _snapshot(row: Decision) -> dict[str, Any]:
    return {"text": row.text, "outcome": row.outcome, "note": row.note, "link": row.link}


def _revision(row: Decision, author: str) -> DecisionRevision:
    return DecisionRevision(
        decision_id=row.id, version=row.version, snapshot=_snapshot(row), author=author[:200]
    )


def _view(row: Decision) -> DecisionView:
    return DecisionView(
        id=row.id,
        number=row.number,
        text=row.text,
        outcome=row.outcome,
        note=row.note or "",
        link=row.link,
        author=row.author,
        author_name=row.author_name or "",
        question=row.question or "",
        personas=tuple(Considered.from_dict(p) for p in row.personas or () if isinstance(p, dict)),
        place=Place(row.platform, row.conversation_id, row.message_id, row.permalink),
        version=row.version,
        created_at=aware(row.created_at),
        updated_at=aware(row.updated_at),
    )
