"""Survey queries: create, vote (one answer per person, changeable), tally, close, export.

Concurrency: a vote holds a shared lock on the survey row (PostgreSQL `FOR SHARE`; on
SQLite the database write lock, taken first), and `close` is an UPDATE of that row, so a
close waits for the votes in flight and later votes see it closed: no vote is lost, counted
twice, or accepted after the close was tallied. Answers are upserted on the unique
(survey, voter) key.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from persona_store.models import Persona, utcnow
from persona_store.scheduling.models import Survey, SurveyAnswer
from persona_store.surveys.close import checkpoint_wal, close_row, record_close
from persona_store.surveys.views import (
    MAX_QUESTION,
    MAX_SURVEY_ID,
    TALLY_INTERVAL,
    PredictionRecord,
    SurveyError,
    SurveyPlace,
    SurveyView,
    VoteResult,
    _aware,
    validate_options,
    voter_key,
)
from persona_store.surveys.voice import check_open_text, texts_for_export, texts_of
from persona_store.surveys.votes import Answered, cast_vote, claim_tally, mark_dirty, tally_due

__all__ = [
    "MAX_SURVEY_ID",
    "Answered",
    "PredictionRecord",
    "SurveyError",
    "SurveyPlace",
    "SurveyStore",
    "SurveyView",
    "VoteResult",
    "validate_options",
    "voter_key",
]


class SurveyStore:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    @classmethod
    def of(cls, store: Any) -> SurveyStore:
        """The survey store sharing a `persona_store.Store`'s sessions."""
        return cls(store.sessions)

    # -- reading --------------------------------------------------------------------------
    def _view(self, s: Session, sv: Survey, *, counted: bool = True) -> SurveyView:
        """The survey as the chat sees it; `counted=False` leaves `counts` empty (reading
        them scans the survey's answers)."""
        persona = s.get(Persona, sv.persona_id)
        counts = self._counts(s, sv) if counted else []
        return SurveyView(
            id=sv.id,
            workspace_id=sv.workspace_id,
            persona_id=sv.persona_id,
            persona_slug=persona.slug if persona else "",
            persona_name=persona.name if persona else "",
            question=sv.question,
            options=tuple(sv.options),
            anonymous=sv.anonymous,
            status=sv.status,
            created_by=sv.created_by,
            created_at=_aware(sv.created_at) or utcnow(),
            closes_at=_aware(sv.closes_at),
            closed_at=_aware(sv.closed_at),
            place=SurveyPlace(
                sv.platform, sv.ext_workspace, sv.conversation_id, sv.thread_id, sv.service_url
            ),
            message_id=sv.message_id,
            counts=tuple(counts),
            line_key=sv.line_key,
            prediction=sv.prediction,
            prediction_correct=sv.prediction_correct,
            evidence_id=sv.evidence_id,
            results=sv.results,
            open_text=bool(sv.open_text),
            every=sv.every,
            series_id=sv.series_id,
            texts=texts_of(s, sv) if sv.open_text and counted else (),
        )

    @staticmethod
    def _counts(s: Session, sv: Survey) -> list[int]:
        """Answers per option: counted from the rows, or the frozen results of a closed
        anonymous survey (its rows are deleted at close)."""
        counts = [0] * len(sv.options)
        if sv.anonymous and sv.status == "closed" and sv.results is not None:
            frozen = sv.results.get("counts") or []
            return [int(n) for n in frozen[: len(counts)]] + counts[len(frozen) :]
        rows = s.execute(
            select(SurveyAnswer.option, func.count(SurveyAnswer.id))
            .where(SurveyAnswer.survey_id == sv.id)
            .group_by(SurveyAnswer.option)
        ).all()
        for option, n in rows:
            if 0 <= option < len(counts):
                counts[option] = n
        return counts

    @staticmethod
    def _find(s: Session, workspace_id: int, survey_id: int) -> Survey | None:
        """This workspace's survey `survey_id`; None for a number no INTEGER id can be (a
        person typed it), without asking the database."""
        if survey_id > MAX_SURVEY_ID:
            return None
        return s.scalar(
            select(Survey).where(Survey.id == survey_id, Survey.workspace_id == workspace_id)
        )

    def get(self, workspace_id: int, survey_id: int) -> SurveyView | None:
        with self._sessions() as s:
            sv = self._find(s, workspace_id, survey_id)
            return self._view(s, sv) if sv else None

    def for_persona(
        self,
        workspace_id: int,
        persona_id: int,
        *,
        since: datetime | None = None,
        closed_only: bool = True,
    ) -> list[SurveyView]:
        with self._sessions() as s:
            q = select(Survey).where(
                Survey.workspace_id == workspace_id, Survey.persona_id == persona_id
            )
            if closed_only:
                q = q.where(Survey.status == "closed")
            if since is not None:
                q = q.where(Survey.closed_at >= since)
            return [self._view(s, sv) for sv in s.scalars(q.order_by(Survey.id.desc())).all()]

    def in_workspace(self, workspace_id: int, *, limit: int = 200) -> list[SurveyView]:
        """This workspace's latest `limit` surveys, newest first (`persona-bot surveys list`)."""
        with self._sessions() as s:
            q = select(Survey).where(Survey.workspace_id == workspace_id)
            rows = s.scalars(q.order_by(Survey.id.desc()).limit(limit)).all()
            return [self._view(s, sv) for sv in rows]

    def due_to_close(self, now: datetime, *, limit: int = 500) -> list[tuple[int, int]]:
        """(workspace_id, survey_id) of open surveys whose deadline has passed."""
        with self._sessions() as s:
            rows = s.execute(
                select(Survey.workspace_id, Survey.id)
                .where(Survey.status == "open", Survey.closes_at <= now)
                .order_by(Survey.closes_at)
                .limit(limit)
            ).all()
            return [(w, i) for w, i in rows]

    def answers_for_export(
        self, workspace_id: int, survey_id: int
    ) -> list[tuple[str, str, datetime | None]]:
        """(voter, option label, answered at). Anonymous surveys reveal neither the voter nor
        the time or order of answers (which could be matched against who was online)."""
        with self._sessions() as s:
            sv = self._find(s, workspace_id, survey_id)
            if sv is None:
                raise SurveyError(f"There is no survey #{survey_id}.")
            if sv.open_text:  # the typed answers in the option column
                return texts_for_export(s, sv)
            if sv.anonymous:  # one line per answer, by option: no voter, time or order
                return [
                    ("anonymous", label, None)
                    for label, n in zip(sv.options, self._counts(s, sv), strict=False)
                    for _ in range(n)
                ]
            rows = s.execute(
                select(
                    SurveyAnswer.voter_key,
                    SurveyAnswer.option,
                    SurveyAnswer.answered_at,
                    SurveyAnswer.changed_at,
                )
                .where(SurveyAnswer.survey_id == survey_id)
                .order_by(SurveyAnswer.option, SurveyAnswer.answered_at, SurveyAnswer.id)
            ).all()
            return [
                (key, sv.options[option], _aware(changed or answered))
                for key, option, answered, changed in rows
            ]

    def prediction_record(self, workspace_id: int, persona_id: int) -> PredictionRecord:
        with self._sessions() as s:
            rows = s.scalars(
                select(Survey.prediction_correct)
                .where(
                    Survey.workspace_id == workspace_id,
                    Survey.persona_id == persona_id,
                    Survey.status == "closed",
                    Survey.prediction_correct.is_not(None),
                )
                .order_by(Survey.closed_at.desc(), Survey.id.desc())
            ).all()
        flags = [bool(r) for r in rows]
        return PredictionRecord(right=sum(flags), total=len(flags), last=tuple(flags[:10]))

    # -- writing --------------------------------------------------------------------------
    def create(
        self,
        workspace_id: int,
        persona_slug: str,
        question: str,
        options: Sequence[str],
        *,
        place: SurveyPlace,
        created_by: str,
        now: datetime,
        anonymous: bool = False,
        closes_at: datetime | None = None,
        line_key: str | None = None,
        prediction: int | None = None,
        open_text: bool = False,
        every: str | None = None,
    ) -> SurveyView:
        question = question.strip()
        if not question:
            raise SurveyError(
                'What is the question? e.g. survey maya "Is price still the #1 '
                'objection?" Yes | No | Not sure'
            )
        if len(question) > MAX_QUESTION:
            raise SurveyError(f"The question is longer than {MAX_QUESTION} characters.")
        cleaned = check_open_text(options) if open_text else validate_options(options)
        if closes_at is not None and closes_at <= now:
            raise SurveyError("The close time is in the past; pick a time in the future.")
        with self._sessions.begin() as s:
            persona = s.scalar(
                select(Persona).where(
                    Persona.workspace_id == workspace_id, Persona.slug == persona_slug
                )
            )
            if persona is None:
                raise SurveyError(f"I don't know the persona '{persona_slug}'.")
            sv = Survey(
                workspace_id=workspace_id,
                persona_id=persona.id,
                line_key=line_key,
                question=question,
                options=list(cleaned),
                anonymous=anonymous,
                salt=secrets.token_hex(16) if anonymous else None,
                status="open",
                created_by=created_by,
                created_at=now,
                closes_at=closes_at,
                platform=place.platform,
                ext_workspace=place.ext_workspace,
                conversation_id=place.conversation_id,
                thread_id=place.thread_id,
                service_url=place.service_url,
                prediction=prediction,
                open_text=open_text,
                every=every,
            )
            s.add(sv)
            s.flush()
            if every is not None:
                sv.series_id = sv.id  # the first of its series (the clock copies it on)
            return self._view(s, sv)

    def set_message(
        self, workspace_id: int, survey_id: int, message_id: str, place: SurveyPlace | None = None
    ) -> None:
        """Remember the platform message id of the posted survey (for tally updates)."""
        values: dict[str, Any] = {"message_id": message_id}
        if place is not None:
            values.update(
                platform=place.platform,
                ext_workspace=place.ext_workspace,
                conversation_id=place.conversation_id,
                thread_id=place.thread_id,
                service_url=place.service_url,
            )
        with self._sessions.begin() as s:
            s.execute(
                update(Survey)
                .where(Survey.id == survey_id, Survey.workspace_id == workspace_id)
                .values(**values)
            )

    def vote(
        self,
        workspace_id: int,
        survey_id: int,
        option: int,
        *,
        platform: str,
        user_id: str,
        now: datetime,
    ) -> VoteResult:
        with self._sessions.begin() as s:
            postgres = s.get_bind().dialect.name == "postgresql"
            sv, result = cast_vote(s, workspace_id, survey_id, option, platform, user_id, now)
            was_dirty = sv.tally_dirty
        if postgres and not was_dirty and result.outcome != "same":
            # Outside the vote's transaction: only the first vote after a tally update
            # writes the survey row; the others find it dirty already and write nothing.
            with self._sessions.begin() as s:
                s.execute(mark_dirty(survey_id))
        return result

    def answer(
        self,
        workspace_id: int,
        survey_id: int,
        option: int,
        *,
        platform: str,
        user_id: str,
        now: datetime,
        interval: timedelta = TALLY_INTERVAL,
    ) -> Answered:
        """A vote from a chat button: the vote, the tally slot (`claim_tally_update`) and the
        survey voted on, in one call; the counts are read only for the caller that won the
        slot (`Answered.tally`). On SQLite the vote and the slot are one transaction under
        the write lock, and the counts are read after it (the lock is not held for reading);
        on PostgreSQL the slot is claimed after the vote's transaction (its row lock is
        shared with the other votes in flight)."""
        with self._sessions() as s:
            with s.begin():
                postgres = s.get_bind().dialect.name == "postgresql"
                sv, result = cast_vote(s, workspace_id, survey_id, option, platform, user_id, now)
                changed = result.outcome != "same"
                due = changed and tally_due(sv, now, interval)
                refresh = (
                    not postgres
                    and due
                    and bool(s.execute(claim_tally(survey_id, now, interval)).rowcount)
                )
                was_dirty = sv.tally_dirty
            if postgres and changed:
                with s.begin():
                    claimed = due and s.execute(claim_tally(survey_id, now, interval)).rowcount
                    refresh = bool(claimed)
                    if not refresh and not was_dirty:
                        s.execute(mark_dirty(survey_id))
            with s.begin():
                survey = self._view(s, sv, counted=False)
                if not refresh:
                    return Answered(result, survey, None)
                fresh = s.get(Survey, survey_id, populate_existing=True)  # closed meanwhile?
                return Answered(result, survey, self._view(s, fresh or sv))

    def claim_tally_update(
        self, survey_id: int, now: datetime, interval: timedelta = TALLY_INTERVAL
    ) -> bool:
        """True when this caller may update the survey message now (at most once per
        `interval` per message, across every process): clears the dirty flag."""
        with self._sessions.begin() as s:
            return bool(
                s.execute(
                    claim_tally(survey_id, now, interval).where(Survey.tally_dirty.is_(True))
                ).rowcount
            )

    def dirty_tallies(
        self, now: datetime, interval: timedelta = TALLY_INTERVAL, limit: int = 200
    ) -> list[tuple[int, int]]:
        """(workspace_id, survey_id) of messages whose tally changed and may be updated."""
        with self._sessions() as s:
            rows = s.execute(
                select(Survey.workspace_id, Survey.id)
                .where(
                    Survey.tally_dirty.is_(True),
                    Survey.message_id.is_not(None),
                    (Survey.tally_updated_at.is_(None))
                    | (Survey.tally_updated_at <= now - interval),
                )
                .limit(limit)
            ).all()
            return [(w, i) for w, i in rows]

    def close(
        self,
        workspace_id: int,
        survey_id: int,
        *,
        now: datetime,
        author: str = "persona-bot",
        shown_here: bool = False,
    ) -> SurveyView | None:
        """Close an open survey, in one transaction: results frozen, prediction scored,
        results saved on the persona as evidence by `author`, and the final results post
        owed to the survey's channel ('pending' delivery key; 'sent' when `shown_here`: the
        closer shows them in that conversation itself). See `persona_store.surveys.close`.
        None when it was already closed (so exactly one caller — command, clock, second
        clock — does any of it)."""
        if survey_id > MAX_SURVEY_ID:
            return None
        with self._sessions.begin() as s:
            sv = close_row(s, workspace_id, survey_id, now)
            if sv is None:
                return None
            counted = self._view(s, sv)
            record_close(s, sv, counted, now=now, author=author, shown_here=shown_here)
            view = self._view(s, sv)
        if view.anonymous:
            checkpoint_wal(self._sessions)
        return view

    def discard(self, workspace_id: int, survey_id: int) -> bool:
        """Delete a survey that was never posted and never answered (its post failed)."""
        with self._sessions.begin() as s:
            answered = s.scalar(
                select(func.count(SurveyAnswer.id)).where(SurveyAnswer.survey_id == survey_id)
            )
            if answered:
                return False
            sv = s.scalar(
                select(Survey).where(
                    Survey.id == survey_id,
                    Survey.workspace_id == workspace_id,
                    Survey.message_id.is_(None),
                )
            )
            if sv is None:
                return False
            s.delete(sv)
            return True
