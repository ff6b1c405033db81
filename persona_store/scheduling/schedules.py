"""Queries for scheduled work: digest subscriptions, delivery keys and digest rotation.

`DeliveryStore.claim` is the exactly-once guard: it inserts (kind, target, period) before a
post is sent; the unique constraint makes every other claimant (a second clock, a retried
sweep, a restart) get a falsy Claim and skip. A claim left 'sending' for longer than
CLAIM_LEASE (its clock died mid-send) is taken over by one later claimant.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from persona_store.models import Evidence, Persona, utcnow
from persona_store.scheduling.models import Delivery, DigestFeature, DigestSubscription

MAX_ATTEMPTS = 3
# How long a 'sending' claim is trusted to be in progress. Past it, the clock that took it is
# presumed dead and a later sweep may take the delivery over. Well above a send's worst case:
# building the reply (LLM calls are capped under a minute) plus Slack's retries (up to seven
# 15-second requests and three Retry-After waits) or the Bot Connector's (three tries, at most
# 8 s apart) add up to about six minutes. It is also how late a post left unfinished by a
# crash goes out.
CLAIM_LEASE = timedelta(minutes=15)
# A key written ahead, with no attempt yet, by the transaction that made its post due (a
# survey's close): the post is owed, and the first claim takes it like a new key.
PENDING = "pending"


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def _key(kind: str, target: str, period: str) -> tuple[Any, ...]:
    return (Delivery.kind == kind, Delivery.target == target[:200], Delivery.period == period)


@dataclass(frozen=True)
class Claim:
    """What `DeliveryStore.claim` found; truthy when the caller now holds the key.

    state: new (or pending) | retry (a failed attempt) | resumed (a stale 'sending' one) — ours;
    busy (someone else's claim, still within its lease) | done (sent, empty, dead, or failed
    with no attempts left) | abandoned (stale with no attempts left: now 'dead') — not ours.
    `attempt` is the attempt number the holder must pass to `finish`; `claimed_at` is when
    the earlier claim was taken (busy, resumed, done) or now (new, retry)."""

    state: str
    attempt: int = 0
    claimed_at: datetime | None = None

    def __bool__(self) -> bool:
        return self.state in ("new", "retry", "resumed")


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
        return cls(store.sessions)

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

    def record_feature(self, sub_id: int, workspace_id: int, slug: str, at: datetime) -> None:
        """Persona `slug` was featured by subscription `sub_id` at `at` (nothing if the
        persona is gone meanwhile)."""
        with self._sessions.begin() as s:
            persona_id = s.scalar(
                select(Persona.id).where(Persona.workspace_id == workspace_id, Persona.slug == slug)
            )
            if persona_id is None:
                return
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
        return cls(store.sessions)

    def claim(
        self,
        kind: str,
        target: str,
        period: str,
        *,
        now: datetime | None = None,
        lease: timedelta = CLAIM_LEASE,
    ) -> Claim:
        """Take (kind, target, period) before posting; truthy for exactly one caller.

        A new key is inserted ('sending'); the unique constraint turns every other claimant
        away. A 'pending' key (written ahead, `PENDING`) is taken as a new one. A 'failed'
        (transient) attempt may be taken again, and so may a 'sending' one
        claimed more than `lease` ago: its clock died between claim and finish (a killed
        dyno). Both are conditional UPDATEs checked by rowcount, so of two clocks racing for
        the same key only one wins, and both count towards MAX_ATTEMPTS. A stale claim with
        no attempts left is marked 'dead' instead (something in it may be what kills the
        clock).

        Taking over a stale claim makes delivery at-least-once after a crash instead of
        at-most-once: had the platform already accepted the post when the clock died (the
        moment between the send returning and `finish`), it is posted a second time. That
        window is a few milliseconds; losing the post silently was the worse failure.

        Whether a late post is still worth sending is the caller's decision, not the
        claim's: the key names a period, not a run (a weekly digest moved from Monday to
        Wednesday still has this week's key, and its Wednesday post is on time). The digest
        sweep only asks for a run within the grace window (`bot.schedule.plan`), so a digest
        claim is never taken over for a run older than that; a review reminder stays due
        until it is answered, so a late one is still wanted.
        """
        now = (now or utcnow()).astimezone(UTC)
        where = _key(kind, target, period)
        row = self._state(where)
        if row is None:
            try:
                with self._sessions.begin() as s:
                    s.add(
                        Delivery(
                            kind=kind, target=target[:200], period=period,
                            created_at=now, claimed_at=now,
                        )
                    )  # fmt: skip
                return Claim("new", attempt=1, claimed_at=now)
            except IntegrityError:
                row = self._state(where)  # another claimant inserted it a moment ago
                if row is None:
                    return Claim("busy", claimed_at=now)
        status, attempts, claimed_at = row
        if status in ("failed", PENDING) and attempts < MAX_ATTEMPTS:
            won = self._take(where, Delivery.status == status, attempts, now)
            if not won:
                return Claim("busy", 0, now)
            return Claim("new" if status == PENDING else "retry", attempts + 1, now)
        if status != "sending":
            return Claim("done", attempts, claimed_at)
        if claimed_at > now - lease:
            return Claim("busy", attempts, claimed_at)
        stale = (Delivery.status == "sending", Delivery.claimed_at < now - lease)
        if attempts >= MAX_ATTEMPTS:
            gave_up = self._give_up(where, stale, attempts)
            return Claim("abandoned" if gave_up else "done", attempts, claimed_at)
        if self._take(where, and_(*stale), attempts, now):
            return Claim("resumed", attempts + 1, claimed_at)
        return Claim("busy", attempts, claimed_at)  # another clock took it over first

    def _state(self, where: tuple[Any, ...]) -> tuple[str, int, datetime] | None:
        with self._sessions() as s:
            row = s.execute(
                select(Delivery.status, Delivery.attempts, Delivery.claimed_at).where(*where)
            ).first()
        if row is None:
            return None
        return row.status, row.attempts, _aware(row.claimed_at) or utcnow()

    def _take(self, where: tuple[Any, ...], condition: Any, attempts: int, now: datetime) -> bool:
        """Compare-and-set: the row is ours only if nobody changed it since we read it."""
        with self._sessions.begin() as s:
            return bool(
                s.execute(
                    update(Delivery)
                    .where(*where, condition, Delivery.attempts == attempts)
                    .values(status="sending", attempts=attempts + 1, claimed_at=now)
                ).rowcount
            )

    def _give_up(self, where: tuple[Any, ...], stale: tuple[Any, ...], attempts: int) -> bool:
        detail = f"left unfinished {attempts} times (the clock stopped mid-send); given up"
        with self._sessions.begin() as s:
            return bool(
                s.execute(
                    update(Delivery)
                    .where(*where, *stale, Delivery.attempts == attempts)
                    .values(status="dead", detail=detail)
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
        attempt: int | None = None,
    ) -> bool:
        """Record how a claim ended. With `attempt` (the claim's), only while the claim is
        still that one: after a take-over, the slow original must not overwrite the result
        of the attempt that replaced it. False when the row was not updated."""
        where = _key(kind, target, period)
        if attempt is not None:
            where = (*where, Delivery.attempts == attempt)
        with self._sessions.begin() as s:
            return bool(
                s.execute(
                    update(Delivery)
                    .where(*where)
                    .values(status=status, message_id=message_id, detail=detail)
                ).rowcount
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
