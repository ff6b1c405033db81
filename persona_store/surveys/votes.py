"""The vote path of surveys, inside the caller's transaction: lock the survey row, check it
is open, upsert the answer; and the statements of the live-tally slot (one message update
per `TALLY_INTERVAL`, across processes). `SurveyStore.vote` / `answer` own the transactions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Update, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from persona_store.scheduling.models import Survey, SurveyAnswer
from persona_store.surveys.views import (
    MAX_SURVEY_ID,
    SurveyError,
    SurveyView,
    VoteResult,
    _aware,
    voter_key,
)


def cast_vote(
    s: Session,
    workspace_id: int,
    survey_id: int,
    option: int,
    platform: str,
    user_id: str,
    now: datetime,
) -> tuple[Survey, VoteResult]:
    """The vote itself, inside the caller's transaction: the survey row locked (see
    `lock_for_vote`), the answer upserted unless it is the same as before."""
    if survey_id > MAX_SURVEY_ID:  # a typed number no INTEGER id can be
        raise SurveyError(f"There is no survey #{survey_id}.")
    postgres = s.get_bind().dialect.name == "postgresql"
    sv = lock_for_vote(s, workspace_id, survey_id, postgres)
    if sv.closes_at is not None and _aware(sv.closes_at) <= now:  # type: ignore[operator]
        raise SurveyError("This survey is closed; answers are no longer taken.")
    if not 0 <= option < len(sv.options):
        raise SurveyError(f"That option is not part of this survey: choose 1 to {len(sv.options)}.")
    key = voter_key(sv.salt if sv.anonymous else None, platform, user_id)
    before = s.scalar(
        select(SurveyAnswer.option).where(
            SurveyAnswer.survey_id == survey_id, SurveyAnswer.voter_key == key
        )
    )
    if before == option:
        return sv, VoteResult(survey_id, option, "same")
    # An upsert, so two clicks of one person at the same moment give one row. An anonymous
    # answer keeps no time of its own (the survey's creation time stands in), so its row
    # cannot be lined up with anything that records when a person acted.
    insert = pg_insert if postgres else sqlite_insert
    answered = sv.created_at if sv.anonymous else now
    stmt = insert(SurveyAnswer).values(
        survey_id=survey_id, voter_key=key, option=option, answered_at=answered
    )
    changes: dict[str, object] = {"option": option}
    if not sv.anonymous:
        changes["changed_at"] = now
    s.execute(
        stmt.on_conflict_do_update(
            index_elements=[SurveyAnswer.survey_id, SurveyAnswer.voter_key], set_=changes
        )
    )
    return sv, VoteResult(survey_id, option, "new" if before is None else "changed")


def lock_for_vote(s: Session, workspace_id: int, survey_id: int, postgres: bool) -> Survey:
    """PostgreSQL: a shared row lock, so votes run side by side while `close` (an
    UPDATE) waits for them and they wait for it. SQLite: write first (marking the tally
    dirty), which takes the database write lock before the status is read; pysqlite
    only opens the transaction at the first write, so a read first would race a close."""
    if postgres:
        sv = s.scalar(
            select(Survey)
            .where(Survey.id == survey_id, Survey.workspace_id == workspace_id)
            .with_for_update(read=True)
        )
        if sv is None:
            raise SurveyError(f"There is no survey #{survey_id}.")
        if sv.status != "open":
            raise SurveyError("This survey is closed; answers are no longer taken.")
        return sv
    locked = s.execute(
        update(Survey)
        .where(
            Survey.id == survey_id,
            Survey.workspace_id == workspace_id,
            Survey.status == "open",
        )
        .values(tally_dirty=True)
        .execution_options(synchronize_session=False)  # the row is loaded just below
    ).rowcount
    if not locked:
        exists = s.scalar(
            select(Survey.id).where(Survey.id == survey_id, Survey.workspace_id == workspace_id)
        )
        if exists is None:
            raise SurveyError(f"There is no survey #{survey_id}.")
        raise SurveyError("This survey is closed; answers are no longer taken.")
    sv = s.get(Survey, survey_id)
    assert sv is not None
    return sv


@dataclass(frozen=True)
class Answered:
    """A vote from a chat button: its outcome, the survey voted on (question, options,
    anonymity; `counts` left empty) and `tally` when this caller won the tally slot: the
    survey with its counts after the vote, to update the posted message with."""

    result: VoteResult
    survey: SurveyView
    tally: SurveyView | None


def tally_due(sv: Survey, now: datetime, interval: timedelta) -> bool:
    """Whether the tally slot can be free (the claim's UPDATE decides)."""
    updated = _aware(sv.tally_updated_at)
    return sv.message_id is not None and (updated is None or updated <= now - interval)


def claim_tally(survey_id: int, now: datetime, interval: timedelta) -> Update:
    """Take the tally slot of an open, posted survey (rowcount 1) unless it was taken
    within `interval`."""
    return (
        update(Survey)
        .where(
            Survey.id == survey_id,
            Survey.status == "open",
            Survey.message_id.is_not(None),
            (Survey.tally_updated_at.is_(None)) | (Survey.tally_updated_at <= now - interval),
        )
        .values(tally_dirty=False, tally_updated_at=now)
        .execution_options(synchronize_session=False)
    )


def mark_dirty(survey_id: int) -> Update:
    """The posted tally is behind: the clock's flush (or the next voter) updates it."""
    return (
        update(Survey)
        .where(Survey.id == survey_id, Survey.status == "open", Survey.tally_dirty.is_(False))
        .values(tally_dirty=True)
        .execution_options(synchronize_session=False)
    )
