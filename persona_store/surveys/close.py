"""Closing a survey is one transaction: the survey marked closed with its results frozen,
the persona's prediction scored, the results saved on the persona as evidence (with its
revision; a survey about a gap links it to the gap), an anonymous survey's answer rows
deleted (its counts stay), and the delivery key of the final results post written ahead,
'pending'.

So a crash never leaves half a close: before the commit nothing happened and the survey is
still due to close; after it, the results post is owed in the database and a later sweep
posts it (`SurveyRecovery.results_to_post`, then `DeliveryStore.claim`, which takes a
pending key like a new one) without redoing anything of the close. The same path posts the
results of a survey closed from chat in another conversation than its own: the command can
only answer where it was typed, the clock posts in the survey's channel.

`survey close` typed in the survey's own conversation shows the results there itself (its
reply, and the survey message updated): its key is written 'sent', and nothing is owed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, text, update
from sqlalchemy.orm import Session, sessionmaker

from persona_store.gaps.repository import link_survey_evidence
from persona_store.models import Persona
from persona_store.personas.spec import EvidenceSpec
from persona_store.scheduling.models import Delivery, Survey, SurveyAnswer
from persona_store.scheduling.schedules import PENDING
from persona_store.store import append_evidence
from persona_store.surveys.recovery import RESULTS_KIND, RESULTS_PERIOD, results_target
from persona_store.surveys.views import SurveyView
from persona_store.surveys.voice import record_texts


def close_row(s: Session, workspace_id: int, survey_id: int, now: datetime) -> Survey | None:
    """Mark an open survey closed (a conditional UPDATE: of racing closers, exactly one
    gets the row). None when it was closed already or is not this workspace's."""
    done = s.execute(
        update(Survey)
        .where(
            Survey.id == survey_id,
            Survey.workspace_id == workspace_id,
            Survey.status == "open",
        )
        .values(status="closed", closed_at=now, salt=None, tally_dirty=False)
    ).rowcount
    return s.get(Survey, survey_id) if done else None


def record_close(
    s: Session, sv: Survey, view: SurveyView, *, now: datetime, author: str, shown_here: bool
) -> None:
    """Everything else the close writes, in the closer's transaction (see the module)."""
    winner = winner_of(view.counts)
    sv.results = {"counts": list(view.counts), "n": view.total, "winner": winner}
    if sv.prediction is not None and view.total:
        sv.prediction_correct = winner is not None and sv.prediction == winner
    if sv.open_text:  # typed answers: saved as evidence quotes, their rows deleted
        record_texts(s, sv, now=now, author=author)
    elif view.total:
        persona = s.get(Persona, sv.persona_id)
        assert persona is not None  # the survey row would be gone with it (cascade)
        spec, details = evidence_of(view, sv.prediction_correct, now)
        sv.evidence_id = append_evidence(s, persona, spec, author=author, details=details).id
    link_survey_evidence(s, sv.id, sv.evidence_id if view.total else None)  # a gap's survey
    if view.total or sv.message_id:  # a results post, or at least the message to update
        owe_results_post(s, sv.id, now, shown_here=shown_here)
    if sv.anonymous:
        forget_answers(s, sv.id)
    s.flush()


def forget_answers(s: Session, survey_id: int) -> None:
    """An anonymous survey keeps only its counts (`results`) once closed: the answer rows
    go with the salt, so neither their keys nor their order or storage place is left to
    line up with anything that recorded who was active when."""
    s.execute(delete(SurveyAnswer).where(SurveyAnswer.survey_id == survey_id))


def checkpoint_wal(sessions: sessionmaker[Session]) -> None:
    """SQLite: copy the write-ahead log into the database file and empty it, so the page
    images that still held the deleted answers leave the -wal file too (best effort: a
    reader holding an old snapshot keeps them until the next checkpoint)."""
    with sessions() as s:
        if s.get_bind().dialect.name == "sqlite":
            s.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))


def owe_results_post(s: Session, survey_id: int, now: datetime, *, shown_here: bool) -> None:
    key = (
        Delivery.kind == RESULTS_KIND,
        Delivery.target == results_target(survey_id),
        Delivery.period == RESULTS_PERIOD,
    )
    # A key left by a deleted survey (its persona deleted) whose id SQLite handed out again
    # must not stand in for this survey's post, nor fail its close on the unique key.
    s.execute(delete(Delivery).where(*key))
    s.add(
        Delivery(
            kind=RESULTS_KIND,
            target=results_target(survey_id),
            period=RESULTS_PERIOD,
            status="sent" if shown_here else PENDING,
            attempts=1 if shown_here else 0,
            detail="shown by `survey close` in the survey's conversation" if shown_here else None,
            created_at=now,
            claimed_at=now,
        )
    )


def evidence_of(
    view: SurveyView, prediction_correct: bool | None, now: datetime
) -> tuple[EvidenceSpec, dict[str, Any]]:
    """The persona's evidence item for a closed survey with answers: question, options,
    counts, n and dates (and how the persona's prediction fared)."""
    counts = ", ".join(f"{o} {n}" for o, n in zip(view.options, view.counts, strict=False))
    dates = f"{view.created_at.date().isoformat()} to {now.date().isoformat()}"
    summary = f"Survey: \u201c{view.question}\u201d — {counts} (n={view.total}, {dates})"
    details = {
        "survey_id": view.id,
        "question": view.question,
        "options": list(view.options),
        "counts": list(view.counts),
        "n": view.total,
        "opened": view.created_at.isoformat(),
        "closed": now.isoformat(),
        "anonymous": view.anonymous,
        "prediction": view.prediction,
        "prediction_correct": prediction_correct,
    }
    spec = EvidenceSpec(
        summary=summary[:2000], source="survey", n=view.total, date=now.date(), line=view.line_key
    )
    return spec, details


def winner_of(counts: Sequence[int]) -> int | None:
    """Index of the single most chosen option; None on a tie or no answers."""
    if not counts or max(counts) == 0:
        return None
    top = max(counts)
    return counts.index(top) if list(counts).count(top) == 1 else None
