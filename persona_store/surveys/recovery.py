"""Survey work the clock left half done, or owes, found again by a later sweep.

- Final results still to post: the survey is closed (results frozen, evidence saved and
  prediction scored, exactly once and in the same transaction that wrote the results post's
  delivery key 'pending': `persona_store.surveys.close`), but the post has not gone out. Its
  key is still 'pending' (the clock died right after the close, or the survey was closed
  from chat in another conversation than its own), ended 'failed' with attempts left, or
  stayed 'sending' past the lease (the clock died mid-send). Only surveys closed within
  RESULTS_RETRY_WINDOW are looked at, through the (status, closed_at) index, so old history
  is not rescanned every minute.
- A digest's question of the week that was created and never posted (the digest post failed
  or its clock died mid-send): the retried run reuses it instead of creating a second one.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import String, and_, cast, literal, or_, select
from sqlalchemy.orm import Session, sessionmaker

from persona_store.scheduling.models import Delivery, Survey
from persona_store.scheduling.schedules import CLAIM_LEASE, MAX_ATTEMPTS, PENDING

# The delivery key of a survey's final results post: (RESULTS_KIND, results_target(id),
# RESULTS_PERIOD), written by the close. A survey closed from chat in its own conversation
# gets its results as the command's reply, and its key is written 'sent'.
RESULTS_KIND = "survey-close"
RESULTS_PERIOD = "final"
# How long after its close a results post still owed is posted. Attempts come a minute
# (pending, failed) or CLAIM_LEASE (left 'sending') apart, at most MAX_ATTEMPTS in all, so
# this only matters when the clock was down in between: three days covers a weekend outage.
RESULTS_RETRY_WINDOW = timedelta(days=3)
DIGEST_AUTHOR = "persona-bot:digest"  # created_by of the digest's question of the week


def results_target(survey_id: int) -> str:
    return f"survey:{survey_id}"


class SurveyRecovery:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    @classmethod
    def of(cls, store: Any) -> SurveyRecovery:
        return cls(store.sessions)

    def results_to_post(
        self,
        now: datetime,
        *,
        platforms: Collection[str] | None = None,
        window: timedelta = RESULTS_RETRY_WINDOW,
        lease: timedelta = CLAIM_LEASE,
        limit: int = 200,
    ) -> list[tuple[int, int]]:
        """(workspace_id, survey_id) of surveys closed since `now - window` whose results
        post may be claimed now: pending, failed with attempts left, or left 'sending'
        longer than `lease` ago; only surveys on `platforms` (the ones this clock can post
        to), so posts owed elsewhere do not crowd out the `limit`. `DeliveryStore.claim`
        still decides who posts (one of racing clocks)."""
        now = now.astimezone(UTC)
        key = and_(
            Delivery.kind == RESULTS_KIND,
            Delivery.target == literal("survey:") + cast(Survey.id, String),
            Delivery.period == RESULTS_PERIOD,
        )
        owed = or_(
            and_(Delivery.status.in_((PENDING, "failed")), Delivery.attempts < MAX_ATTEMPTS),
            and_(Delivery.status == "sending", Delivery.claimed_at < now - lease),
        )
        where = [Survey.status == "closed", Survey.closed_at >= now - window, owed]
        if platforms is not None:
            where.append(Survey.platform.in_(list(platforms)))
        with self._sessions() as s:
            rows = s.execute(
                select(Survey.workspace_id, Survey.id)
                .join(Delivery, key)
                .where(*where)
                .order_by(Survey.closed_at, Survey.id)
                .limit(limit)
            ).all()
        return [(w, i) for w, i in rows]

    def unposted_question(
        self, workspace_id: int, platform: str, conversation_id: str, *, since: datetime
    ) -> int | None:
        """The id of the digest's open question of the week for this channel created at or
        after `since` (the run's fire time) and never posted (no message id), if any: what
        an earlier attempt of the same run left behind."""
        with self._sessions() as s:
            return s.scalar(
                select(Survey.id)
                .where(
                    Survey.workspace_id == workspace_id,
                    Survey.platform == platform,
                    Survey.conversation_id == conversation_id,
                    Survey.created_by == DIGEST_AUTHOR,
                    Survey.status == "open",
                    Survey.message_id.is_(None),
                    Survey.created_at >= since.astimezone(UTC),
                )
                .order_by(Survey.id.desc())
                .limit(1)
            )
