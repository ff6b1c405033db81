"""Tables for scheduled work and micro-surveys: surveys and their answers, digest
subscriptions, delivery keys (exactly-once posting), digest rotation and review state.

Everything is scoped by workspace, directly or through a persona/subscription row.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from persona_store.models import Base, utcnow


class Survey(Base):
    """One micro-survey linked to a persona (and optionally one profile line).

    Where it was posted (the Address fields + message id) is kept so the live tally and the
    final results can update the same message. `tally_dirty` / `tally_updated_at` are the
    cross-process state of the live-tally rate limit (one update per 2 s per message)."""

    __tablename__ = "surveys"
    # Closed surveys by close time: the clock's retry of results posts reads recent ones.
    __table_args__ = (Index("ix_surveys_closed", "status", "closed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    persona_id: Mapped[int] = mapped_column(
        ForeignKey("personas.id", ondelete="CASCADE"), index=True
    )
    line_key: Mapped[str | None] = mapped_column(String(32))
    question: Mapped[str] = mapped_column(Text)
    options: Mapped[list[str]] = mapped_column(JSON)
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    # Per-survey random salt for anonymous voter keys; wiped at close so that afterwards
    # nobody (not even with database access) can link an answer to a person.
    salt: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | closed
    created_by: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    closes_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    platform: Mapped[str] = mapped_column(String(16), default="web")
    ext_workspace: Mapped[str] = mapped_column(String(128), default="")
    conversation_id: Mapped[str] = mapped_column(String(200), default="")
    thread_id: Mapped[str | None] = mapped_column(String(200))
    service_url: Mapped[str | None] = mapped_column(Text)
    message_id: Mapped[str | None] = mapped_column(String(200))
    tally_dirty: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    tally_updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    prediction: Mapped[int | None] = mapped_column(Integer)  # option index, hidden until close
    prediction_correct: Mapped[bool | None] = mapped_column(Boolean)
    results: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # final counts at close
    evidence_id: Mapped[int | None] = mapped_column(Integer)
    # Open-text surveys (`--open`): answers are typed in a form, kept in survey_texts and
    # saved as evidence quotes at close (persona_store.surveys.voice). `options` is [].
    open_text: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Recurring surveys (`--every week|month`): the clock posts the next one of the series
    # (`series_id`: the first survey's id) once a period has passed since the last one.
    every: Mapped[str | None] = mapped_column(String(16))
    series_id: Mapped[int | None] = mapped_column(Integer, index=True)


class SurveyAnswer(Base):
    """One person's answer. `voter_key` is `platform:user` for open surveys and a salted
    SHA-256 for anonymous ones; one row per (survey, voter) enforced by the database."""

    __tablename__ = "survey_answers"
    __table_args__ = (UniqueConstraint("survey_id", "voter_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), index=True)
    voter_key: Mapped[str] = mapped_column(String(200))
    option: Mapped[int] = mapped_column(Integer)
    answered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class DigestSubscription(Base):
    """A channel's "persona of the week": a cron expression + IANA time zone (data, so a
    change from chat takes effect without restarting the clock)."""

    __tablename__ = "digest_subscriptions"
    __table_args__ = (
        UniqueConstraint("workspace_id", "platform", "conversation_id"),
        Index("ix_digest_due", "enabled", "next_run_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    platform: Mapped[str] = mapped_column(String(16))
    ext_workspace: Mapped[str] = mapped_column(String(128), default="")
    conversation_id: Mapped[str] = mapped_column(String(200))
    thread_id: Mapped[str | None] = mapped_column(String(200))
    service_url: Mapped[str | None] = mapped_column(Text)
    cron: Mapped[str] = mapped_column(String(100))  # "minute hour day month day_of_week"
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    include_negative: Mapped[bool] = mapped_column(Boolean, default=False)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    disabled_reason: Mapped[str | None] = mapped_column(Text)
    next_run_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_run_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Delivery(Base):
    """The exactly-once guard: a row is inserted *before* a post is sent; the unique key
    (kind, target, period) makes a second clock, a restart or a retried sweep skip it.

    `claimed_at` is when the current attempt took the key. A row still 'sending' long after
    it (the clock died mid-send) may be taken over by a later sweep: see
    `persona_store.scheduling.schedules.DeliveryStore.claim`."""

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("kind", "target", "period"),
        # The few keys still to finish (failed, sending) among the many sent ones.
        Index("ix_deliveries_kind_status", "kind", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))  # digest | review | escalate | survey-close
    target: Mapped[str] = mapped_column(String(200))
    period: Mapped[str] = mapped_column(String(64))
    # pending (owed, not yet tried) | sending | sent | failed (retried) | dead (permanent or
    # given up) | empty (nothing to post)
    status: Mapped[str] = mapped_column(String(16), default="sending")
    attempts: Mapped[int] = mapped_column(Integer, default=1)  # also fences finish()
    message_id: Mapped[str | None] = mapped_column(String(200))
    detail: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    claimed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class DigestFeature(Base):
    """When a persona was last featured in a channel's digest (fair rotation)."""

    __tablename__ = "digest_features"
    __table_args__ = (UniqueConstraint("subscription_id", "persona_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("digest_subscriptions.id", ondelete="CASCADE"), index=True
    )
    persona_id: Mapped[int] = mapped_column(ForeignKey("personas.id", ondelete="CASCADE"))
    featured_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    times: Mapped[int] = mapped_column(Integer, default=1)


class ReviewState(Base):
    """Refresh-reminder state of a persona beyond the persona row: snooze and flags."""

    __tablename__ = "review_states"

    persona_id: Mapped[int] = mapped_column(
        ForeignKey("personas.id", ondelete="CASCADE"), primary_key=True
    )
    snoozed_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    needs_update: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str | None] = mapped_column(Text)
