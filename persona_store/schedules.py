"""Queries for scheduled work: digest subscriptions, delivery keys and digest rotation.

`DeliveryStore.claim` is the exactly-once guard: it inserts (kind, target, period) before a
post is sent; the unique constraint makes every other claimant (a second clock, a retried
sweep, a restart) get False and skip.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from persona_store.models import Evidence, Persona, utcnow
from persona_store.scheduling_models import Delivery, DigestFeature, DigestSubscription

MAX_ATTEMPTS = 3


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


@dataclass(frozen=True)
class SubscriptionView:
    id: int
    workspace_id: int
    platform: str
    ext_workspace: str
    conversation_id: str
    thread_id: str | None
    service_url: str | None
    cron: str
    timezone: str
    include_negative: bool
    enabled: bool
    next_run_at: datetime | None
    last_run_at: datetime | None
    disabled_reason: str | None = None

    @property
    def target(self) -> str:
        """The channel, as a delivery-key target (stable across re-subscribing)."""
        return f"{self.platform}:{self.ext_workspace}:{self.conversation_id}"


_VIEW_FIELDS = frozenset(SubscriptionView.__dataclass_fields__)


def _sub_view(row: DigestSubscription) -> SubscriptionView:
    return SubscriptionView(
        id=row.id,
        workspace_id=row.workspace_id,
        platform=row.platform,
        ext_workspace=row.ext_workspace,
        conversation_id=row.conversation_id,
        thread_id=row.thread_id,
        service_url=row.service_url,
        cron=row.cron,
        timezone=row.timezone,
        include_negative=row.include_negative,
        enabled=row.enabled,
        next_run_at=_aware(row.next_run_at),
        last_run_at=_aware(row.last_run_at),
        disabled_reason=row.disabled_reason,
    )


class DigestStore:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    @classmethod
    def of(cls, store: Any) -> DigestStore:
        return cls(store._sessions)

    def subscribe(
        self,
        workspace_id: int,
        *,
        platform: str,
        ext_workspace: str,
        conversation_id: str,
        thread_id: str | None,
        service_url: str | None,
        cron: str,
        timezone: str,
        next_run_at: datetime,
        include_negative: bool = False,
        created_by: str = "",
    ) -> SubscriptionView:
        """One subscription per channel: subscribing again replaces the schedule."""
        with self._sessions.begin() as s:
            row = s.scalar(
                select(DigestSubscription).where(
                    DigestSubscription.workspace_id == workspace_id,
                    DigestSubscription.platform == platform,
                    DigestSubscription.conversation_id == conversation_id,
                )
            )
            if row is None:
                row = DigestSubscription(
                    workspace_id=workspace_id, platform=platform, conversation_id=conversation_id
                )
                s.add(row)
            row.ext_workspace = ext_workspace
            row.thread_id = thread_id
            row.service_url = service_url or row.service_url
            row.cron = cron
            row.timezone = timezone
            row.include_negative = include_negative
            row.enabled = True
            row.disabled_reason = None
            row.next_run_at = next_run_at
            row.created_by = created_by
            s.flush()
            return _sub_view(row)

    def bulk_subscribe(self, workspace_id: int, rows: list[dict[str, Any]]) -> int:
        """Insert many subscriptions at once (benchmarks, imports). Each dict holds the
        `subscribe` keyword arguments."""
        with self._sessions.begin() as s:
            s.add_all(
                DigestSubscription(workspace_id=workspace_id, enabled=True, **row) for row in rows
            )
        return len(rows)

    def for_channel(
        self, workspace_id: int, platform: str, conversation_id: str
    ) -> SubscriptionView | None:
        with self._sessions() as s:
            row = s.scalar(
                select(DigestSubscription).where(
                    DigestSubscription.workspace_id == workspace_id,
                    DigestSubscription.platform == platform,
                    DigestSubscription.conversation_id == conversation_id,
                )
            )
            return _sub_view(row) if row else None

    def unsubscribe(self, workspace_id: int, platform: str, conversation_id: str) -> bool:
        with self._sessions.begin() as s:
            return bool(
                s.execute(
                    update(DigestSubscription)
                    .where(
                        DigestSubscription.workspace_id == workspace_id,
                        DigestSubscription.platform == platform,
                        DigestSubscription.conversation_id == conversation_id,
                        DigestSubscription.enabled.is_(True),
                    )
                    .values(enabled=False, disabled_reason="turned off in chat")
                ).rowcount
            )

    def due(self, now: datetime, *, limit: int = 10_000) -> list[SubscriptionView]:
        """Enabled subscriptions whose next run is at or before `now` (indexed query; plain
        columns rather than ORM objects, because a sweep may read thousands)."""
        cols = [c for c in DigestSubscription.__table__.columns if c.name in _VIEW_FIELDS]
        with self._sessions() as s:
            rows = s.execute(
                select(*cols)
                .where(DigestSubscription.enabled.is_(True), DigestSubscription.next_run_at <= now)
                .order_by(DigestSubscription.next_run_at, DigestSubscription.id)
                .limit(limit)
            ).mappings()
            return [
                SubscriptionView(
                    **{
                        **row,
                        "next_run_at": _aware(row["next_run_at"]),
                        "last_run_at": _aware(row["last_run_at"]),
                    }
                )
                for row in rows
            ]

    def advance(
        self, sub_id: int, next_run_at: datetime, *, ran_at: datetime | None = None
    ) -> None:
        values: dict[str, Any] = {"next_run_at": next_run_at}
        if ran_at is not None:
            values["last_run_at"] = ran_at
        with self._sessions.begin() as s:
            s.execute(
                update(DigestSubscription).where(DigestSubscription.id == sub_id).values(**values)
            )

    def disable(self, sub_id: int, reason: str) -> None:
        with self._sessions.begin() as s:
            s.execute(
                update(DigestSubscription)
                .where(DigestSubscription.id == sub_id)
                .values(enabled=False, disabled_reason=reason[:500])
            )

    # -- rotation ---------------------------------------------------------------------------
    def featured(self, sub_id: int) -> dict[int, datetime]:
        """persona id -> when it was last featured in this channel."""
        with self._sessions() as s:
            rows = s.execute(
                select(DigestFeature.persona_id, DigestFeature.featured_at).where(
                    DigestFeature.subscription_id == sub_id
                )
            ).all()
            return {pid: _aware(at) or utcnow() for pid, at in rows}

    def record_feature(self, sub_id: int, persona_id: int, at: datetime) -> None:
        with self._sessions.begin() as s:
            row = s.scalar(
                select(DigestFeature).where(
                    DigestFeature.subscription_id == sub_id, DigestFeature.persona_id == persona_id
                )
            )
            if row is None:
                s.add(DigestFeature(subscription_id=sub_id, persona_id=persona_id, featured_at=at))
            else:
                row.featured_at = at
                row.times = (row.times or 0) + 1

    def evidence_since(
        self, workspace_id: int, persona_id: int, since: datetime | None
    ) -> list[tuple[str, int | None]]:
        """(summary, n) of evidence added to a persona since `since` (newest first)."""
        with self._sessions() as s:
            q = (
                select(Evidence.summary, Evidence.n)
                .join(Persona, Persona.id == Evidence.persona_id)
                .where(Persona.workspace_id == workspace_id, Evidence.persona_id == persona_id)
            )
            if since is not None:
                q = q.where(Evidence.created_at > since)
            return [(a, b) for a, b in s.execute(q.order_by(Evidence.id.desc()).limit(5)).all()]


class DeliveryStore:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    @classmethod
    def of(cls, store: Any) -> DeliveryStore:
        return cls(store._sessions)

    def claim(self, kind: str, target: str, period: str, *, now: datetime | None = None) -> bool:
        """True for exactly one caller per (kind, target, period). A failed transient
        delivery may be re-claimed, at most MAX_ATTEMPTS times in all."""
        with self._sessions() as s:  # the common case for reminders: already done
            status = s.scalar(
                select(Delivery.status).where(
                    Delivery.kind == kind,
                    Delivery.target == target[:200],
                    Delivery.period == period,
                )
            )
        if status is not None and status != "failed":
            return False
        try:
            with self._sessions.begin() as s:
                s.add(
                    Delivery(
                        kind=kind, target=target[:200], period=period, created_at=now or utcnow()
                    )
                )
            return True
        except IntegrityError:
            pass
        with self._sessions.begin() as s:
            return bool(
                s.execute(
                    update(Delivery)
                    .where(
                        Delivery.kind == kind,
                        Delivery.target == target[:200],
                        Delivery.period == period,
                        Delivery.status == "failed",
                        Delivery.attempts < MAX_ATTEMPTS,
                    )
                    .values(status="sending", attempts=Delivery.attempts + 1)
                ).rowcount
            )

    def finish(
        self,
        kind: str,
        target: str,
        period: str,
        *,
        status: str,
        message_id: str | None = None,
        detail: str | None = None,
    ) -> None:
        with self._sessions.begin() as s:
            s.execute(
                update(Delivery)
                .where(
                    Delivery.kind == kind,
                    Delivery.target == target[:200],
                    Delivery.period == period,
                )
                .values(status=status, message_id=message_id, detail=detail)
            )

    def list(self, kind: str | None = None) -> list[tuple[str, str, str, str]]:
        """(kind, target, period, status) — for tests and the operator."""
        with self._sessions() as s:
            q = select(Delivery.kind, Delivery.target, Delivery.period, Delivery.status)
            if kind:
                q = q.where(Delivery.kind == kind)
            return [tuple(r) for r in s.execute(q.order_by(Delivery.id)).all()]  # type: ignore[misc]

    def forget(self, kind: str, target: str, period: str) -> None:
        with self._sessions.begin() as s:
            s.execute(
                delete(Delivery).where(
                    Delivery.kind == kind, Delivery.target == target, Delivery.period == period
                )
            )
