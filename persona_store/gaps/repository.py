"""Queries of the gap loop (every one scoped by workspace): record a question the persona
could not answer (grouped with its near-duplicates), count answered ones, list, link a
survey and its evidence, dismiss, and turn a gap into a profile line with a revision."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload, sessionmaker

from persona_store.gaps.models import LISTED, Gap, QuestionTally
from persona_store.gaps.views import GapHealth, GapSummary, GapView
from persona_store.models import Evidence, Persona, ProfileLine
from persona_store.personas.convert import aware, view_of
from persona_store.personas.views import PersonaView
from persona_store.scheduling.models import Survey
from persona_store.store import revise

SIMILAR = 0.75  # Jaccard of normalised terms at which two questions are one gap
SCAN = 300  # open gaps of a persona compared with a new question, newest first
MAX_LINE_CHARS = 500
LINE_KINDS = ("pain", "goal")


class GapError(ValueError):
    """A friendly refusal (the message is shown); nothing was changed."""


def quarter_of(when: datetime) -> str:
    return f"{when.year}-Q{(when.month - 1) // 3 + 1}"


def quarters_back(now: datetime, count: int) -> list[str]:
    """This quarter and the `count - 1` before it, newest first ("2026-Q4", "2026-Q3", …)."""
    year, q = now.year, (now.month - 1) // 3 + 1
    out = []
    for _ in range(max(1, count)):
        out.append(f"{year}-Q{q}")
        year, q = (year - 1, 4) if q == 1 else (year, q - 1)
    return out


def similarity(a: str, b: str) -> float:
    sa, sb = set(a.split()), set(b.split())
    if not sa or not sb:
        return 1.0 if a == b else 0.0
    return len(sa & sb) / len(sa | sb)


def _view(g: Gap, evidence: str | None = None) -> GapView:
    return GapView(
        id=g.id,
        persona_id=g.persona_id,
        number=g.number,
        question=g.question,
        topic=g.topic,
        count=g.count,
        first_asked_at=aware(g.first_asked_at),
        last_asked_at=aware(g.last_asked_at),
        status=g.status,
        survey_id=g.survey_id,
        evidence_id=g.evidence_id,
        line_key=g.line_key,
        evidence_summary=evidence,
    )


def _tally(s: Session, workspace_id: int, persona_id: int, now: datetime, *, gap: bool) -> None:
    quarter = quarter_of(now)
    column = QuestionTally.gaps if gap else QuestionTally.answered
    done = s.execute(
        update(QuestionTally)
        .where(QuestionTally.persona_id == persona_id, QuestionTally.quarter == quarter)
        .values({column.key: column + 1})
    ).rowcount
    if done:
        return
    try:
        with s.begin_nested():
            s.add(
                QuestionTally(
                    workspace_id=workspace_id, persona_id=persona_id, quarter=quarter,
                    answered=0 if gap else 1, gaps=1 if gap else 0,
                )
            )  # fmt: skip
    except IntegrityError:  # another process inserted the row first
        s.execute(
            update(QuestionTally)
            .where(QuestionTally.persona_id == persona_id, QuestionTally.quarter == quarter)
            .values({column.key: column + 1})
        )


def link_survey_evidence(s: Session, survey_id: int, evidence_id: int | None) -> None:
    """In a survey's close transaction: the gap it asked about gets the evidence (and the
    evidence names the gap), or, closed without answers, is open to be asked again."""
    gap = s.scalar(select(Gap).where(Gap.survey_id == survey_id, Gap.status == "asking"))
    if gap is None:
        return
    if evidence_id is None:
        gap.status = "open"
        return
    gap.status = "answered"
    gap.evidence_id = evidence_id
    evidence = s.get(Evidence, evidence_id)
    if evidence is not None:
        evidence.details = {**(evidence.details or {}), "gap": gap.number}


class GapStore:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    # -- collecting ----------------------------------------------------------------------
    def count_answered(self, workspace_id: int, persona_id: int, now: datetime) -> None:
        self.count_answered_many(workspace_id, [persona_id], now)

    def count_answered_many(
        self, workspace_id: int, persona_ids: Sequence[int], now: datetime
    ) -> None:
        """One question answered from each of these profiles (a panel): one transaction."""
        with self._sessions.begin() as s:
            for persona_id in persona_ids:
                if self._persona(s, workspace_id, persona_id) is not None:
                    _tally(s, workspace_id, persona_id, now, gap=False)

    def record(
        self,
        workspace_id: int,
        persona_id: int,
        question: str,
        *,
        terms: str,
        topic: str,
        now: datetime,
    ) -> GapView | None:
        """Count the question as a gap: on its near-duplicate (same normalised terms, or
        most of them) when there is one, else as a new gap. None: no such persona here.

        The persona's quarter tally is written first: its row lock makes racing askers of one
        persona take turns, so each one's grouping sees the gap the one before just made."""
        for attempt in range(3):  # a racing insert took the persona's next number
            try:
                with self._sessions.begin() as s:
                    if self._persona(s, workspace_id, persona_id) is None:
                        return None
                    _tally(s, workspace_id, persona_id, now, gap=True)
                    gap = self._similar(s, persona_id, terms)
                    if gap is not None:  # in SQL: racing askers each count
                        s.execute(
                            update(Gap)
                            .where(Gap.id == gap.id)
                            .values(count=Gap.count + 1, last_asked_at=now)
                        )
                        s.refresh(gap)
                    else:
                        gap = Gap(
                            workspace_id=workspace_id, persona_id=persona_id,
                            number=self._next_number(s, persona_id), question=question[:1000],
                            topic=topic[:80], terms=terms[:500], count=1, first_asked_at=now,
                            last_asked_at=now, status="open",
                        )  # fmt: skip
                        s.add(gap)
                    s.flush()
                    return _view(gap)
            except IntegrityError:
                if attempt == 2:
                    raise
        return None

    def _similar(self, s: Session, persona_id: int, terms: str) -> Gap | None:
        rows = s.scalars(
            select(Gap)
            .where(Gap.persona_id == persona_id, Gap.status.in_((*LISTED, "dismissed")))
            .order_by(Gap.last_asked_at.desc())
            .limit(SCAN)
        ).all()
        best: tuple[float, Gap] | None = None
        for gap in rows:
            score = 1.0 if gap.terms == terms else similarity(gap.terms, terms)
            if score >= SIMILAR and (best is None or score > best[0]):
                best = (score, gap)
        return best[1] if best else None

    def _next_number(self, s: Session, persona_id: int) -> int:
        top = s.scalar(select(func.max(Gap.number)).where(Gap.persona_id == persona_id))
        return (top or 0) + 1

    def _persona(self, s: Session, workspace_id: int, persona_id: int) -> Persona | None:
        p = s.get(Persona, persona_id)
        return p if p is not None and p.workspace_id == workspace_id else None

    # -- reading -------------------------------------------------------------------------
    def listed(self, workspace_id: int, persona_id: int, limit: int = 50) -> list[GapView]:
        """The gaps still to close, most asked first (then most recently asked)."""
        with self._sessions() as s:
            rows = s.execute(
                select(Gap, Evidence.summary)
                .outerjoin(Evidence, Evidence.id == Gap.evidence_id)
                .where(
                    Gap.workspace_id == workspace_id,
                    Gap.persona_id == persona_id,
                    Gap.status.in_(LISTED),
                )
                .order_by(Gap.count.desc(), Gap.last_asked_at.desc(), Gap.number)
                .limit(limit)
            ).all()
            return [_view(g, summary) for g, summary in rows]

    def get(self, workspace_id: int, persona_id: int, number: int) -> GapView | None:
        with self._sessions() as s:
            row = s.execute(
                select(Gap, Evidence.summary)
                .outerjoin(Evidence, Evidence.id == Gap.evidence_id)
                .where(
                    Gap.workspace_id == workspace_id,
                    Gap.persona_id == persona_id,
                    Gap.number == number,
                )
            ).first()
            return _view(row[0], row[1]) if row else None

    def of_survey(self, workspace_id: int, survey_id: int) -> GapView | None:
        """The gap a survey asked about."""
        with self._sessions() as s:
            row = s.execute(
                select(Gap, Evidence.summary)
                .outerjoin(Evidence, Evidence.id == Gap.evidence_id)
                .where(Gap.workspace_id == workspace_id, Gap.survey_id == survey_id)
            ).first()
            return _view(row[0], row[1]) if row else None

    def summaries(
        self, workspace_id: int, persona_ids: Sequence[int], topics: int = 3
    ) -> dict[int, GapSummary]:
        """Open gaps per persona and the topics of the most asked ones."""
        if not persona_ids:
            return {}
        with self._sessions() as s:
            rows = s.execute(
                select(Gap.persona_id, Gap.topic)
                .where(
                    Gap.workspace_id == workspace_id,
                    Gap.persona_id.in_(list(persona_ids)),
                    Gap.status.in_(LISTED),
                )
                .order_by(Gap.persona_id, Gap.count.desc(), Gap.last_asked_at.desc())
            ).all()
        found: dict[int, list[str]] = {}
        for pid, topic in rows:
            found.setdefault(pid, []).append(topic)
        return {
            pid: GapSummary(len(names), tuple(dict.fromkeys(t for t in names if t))[:topics])
            for pid, names in found.items()
        }

    def health(self, workspace_id: int, persona_id: int, now: datetime) -> GapHealth:
        """This quarter's numbers: gaps opened and closed, questions answered vs gaps."""
        return self.history(workspace_id, [persona_id], now, quarters=1)[persona_id][0]

    def history(
        self, workspace_id: int, persona_ids: Sequence[int], now: datetime, quarters: int = 4
    ) -> dict[int, list[GapHealth]]:
        """The loop's numbers per persona for the last `quarters` quarters, newest first
        (three queries, whatever the number of personas)."""
        keys = quarters_back(now, quarters)
        year, q = int(keys[-1][:4]), int(keys[-1][-1])
        start = datetime(year, 3 * (q - 1) + 1, 1, tzinfo=now.tzinfo)
        ids = list(persona_ids)
        opened: dict[tuple[int, str], int] = {}
        closed: dict[tuple[int, str], int] = {}
        with self._sessions() as s:
            mine = (Gap.workspace_id == workspace_id, Gap.persona_id.in_(ids))
            for pid, when in s.execute(
                select(Gap.persona_id, Gap.first_asked_at).where(*mine, Gap.first_asked_at >= start)
            ):
                key = (pid, quarter_of(aware(when)))  # type: ignore[arg-type]
                opened[key] = opened.get(key, 0) + 1
            for pid, when in s.execute(
                select(Gap.persona_id, Gap.closed_at).where(
                    *mine, Gap.status.in_(("closed", "dismissed")), Gap.closed_at >= start
                )
            ):
                key = (pid, quarter_of(aware(when)))  # type: ignore[arg-type]
                closed[key] = closed.get(key, 0) + 1
            tallies = {
                (t.persona_id, t.quarter): t
                for t in s.scalars(
                    select(QuestionTally).where(
                        QuestionTally.workspace_id == workspace_id,
                        QuestionTally.persona_id.in_(ids),
                        QuestionTally.quarter.in_(keys),
                    )
                )
            }
        out: dict[int, list[GapHealth]] = {}
        for pid in ids:
            rows = []
            for key in keys:
                tally = tallies.get((pid, key))
                rows.append(
                    GapHealth(
                        key,
                        opened.get((pid, key), 0),
                        closed.get((pid, key), 0),
                        tally.answered if tally else 0,
                        tally.gaps if tally else 0,
                    )  # fmt: skip
                )
            out[pid] = rows
        return out

    # -- closing -------------------------------------------------------------------------
    def _gap(self, s: Session, workspace_id: int, gap_id: int) -> Gap:
        gap = s.get(Gap, gap_id)
        if gap is None or gap.workspace_id != workspace_id:
            raise GapError("That gap is gone (its persona was deleted?).")
        return gap

    def set_survey(
        self, workspace_id: int, gap_id: int, survey_id: int, *, owed: bool = False
    ) -> None:
        """The gap's survey; `owed`: made for the home channel, for the clock to post. Only
        an open gap gets one (of two racing clicks, one wins; the other gets GapError)."""
        with self._sessions.begin() as s:
            gap = self._gap(s, workspace_id, gap_id)
            done = s.execute(
                update(Gap)
                .where(Gap.id == gap_id, Gap.status == "open")
                .values(survey_id=survey_id, status="asking", survey_owed=owed)
            ).rowcount
            if not done:
                raise GapError(f"Gap {gap.number} is being asked about already.")

    def owed_surveys(self, limit: int = 100) -> list[tuple[int, int, int]]:
        """(workspace, gap id, survey id) of gap surveys still to post in a home channel."""
        with self._sessions() as s:
            rows = s.execute(
                select(Gap.workspace_id, Gap.id, Gap.survey_id)
                .where(Gap.survey_owed.is_(True), Gap.status == "asking")
                .order_by(Gap.id)
                .limit(limit)
            ).all()
            return [(ws, gid, sid) for ws, gid, sid in rows if sid is not None]

    def answered_since(self, since: datetime, limit: int = 200) -> list[tuple[int, str, int]]:
        """(workspace, persona slug, gap number) of gaps whose survey closed with answers
        since `since`, still waiting for the owner's decision."""
        with self._sessions() as s:
            rows = s.execute(
                select(Gap.workspace_id, Persona.slug, Gap.number)
                .join(Survey, Survey.id == Gap.survey_id)
                .join(Persona, Persona.id == Gap.persona_id)
                .where(Gap.status == "answered", Survey.closed_at >= since)
                .order_by(Gap.id)
                .limit(limit)
            ).all()
            return [(ws, slug, number) for ws, slug, number in rows]

    def survey_done(self, workspace_id: int, gap_id: int, *, reopen: bool = False) -> None:
        """The owed survey was posted (or never can be: `reopen` the gap to ask again)."""
        with self._sessions.begin() as s:
            gap = self._gap(s, workspace_id, gap_id)
            gap.survey_owed = False
            if reopen and gap.status == "asking":
                gap.status, gap.survey_id = "open", None

    def dismiss(self, workspace_id: int, gap_id: int, *, by: str, now: datetime) -> GapView:
        with self._sessions.begin() as s:
            gap = self._gap(s, workspace_id, gap_id)
            if gap.status not in LISTED:
                raise GapError(f"Gap {gap.number} is already {gap.status}.")
            gap.status, gap.closed_at, gap.closed_by = "dismissed", now, by
            s.flush()
            return _view(gap)

    def add_line(
        self,
        workspace_id: int,
        gap_id: int,
        kind: str,
        text: str,
        *,
        by: str,
        now: datetime,
        note: str = "",
    ) -> tuple[PersonaView, str]:
        """The gap becomes a profile line (`pain-4`) with a revision (`note`, if any, says
        why in it); its survey evidence, if any, is linked to the line. Returns the persona
        and the new line's key."""
        text = " ".join(text.split())
        if kind not in LINE_KINDS:
            raise GapError(f"A gap becomes a pain or a goal, not '{kind[:20]}'.")
        if not text:
            raise GapError("The new line needs some text.")
        if len(text) > MAX_LINE_CHARS:
            raise GapError(f"Keep the line to {MAX_LINE_CHARS} characters or fewer.")
        with self._sessions.begin() as s:
            gap = self._gap(s, workspace_id, gap_id)
            if gap.status not in LISTED:
                raise GapError(f"Gap {gap.number} is already {gap.status}.")
            p = s.scalar(
                select(Persona)
                .options(selectinload(Persona.lines), selectinload(Persona.evidence))
                .where(Persona.id == gap.persona_id, Persona.workspace_id == workspace_id)
            )
            if p is None:
                raise GapError("That gap's persona is gone.")
            if any(line.text == text for line in p.lines if line.kind == kind):
                raise GapError(f"{p.name} already has that {kind}.")
            numbers = [_number(line.key) for line in p.lines if line.kind == kind]
            line = ProfileLine(
                kind=kind,
                key=f"{kind}-{max(numbers, default=0) + 1}",
                text=text,
                position=max((ln.position for ln in p.lines), default=-1) + 1,
            )
            p.lines.append(line)
            s.flush()
            if gap.evidence_id is not None:
                evidence = s.get(Evidence, gap.evidence_id)
                if evidence is not None and evidence.persona_id == p.id:
                    evidence.line_id = line.id
            gap.status, gap.closed_at, gap.closed_by = "closed", now, by
            gap.line_key = line.key
            s.flush()
            why = f"gap {gap.number} closed: {kind} \u201c{text[:60]}\u201d"
            note = " ".join(note.split())[:300]
            revise(s, p, author=by, note=f"{why} \u2014 {note}" if note else why)
            s.flush()
            s.refresh(p)
            return view_of(p), line.key


def _number(key: str) -> int:
    tail = key.rsplit("-", 1)[-1]
    return int(tail) if tail.isdigit() else 0
