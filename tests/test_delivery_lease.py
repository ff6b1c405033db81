"""Delivery claims left unfinished (the clock died between claim and finish), on SQLite and
PostgreSQL: a stale 'sending' claim is taken over by exactly one of many concurrent
claimants, a fresh one by none; take-overs count towards MAX_ATTEMPTS; the slow original
cannot overwrite the result of the attempt that replaced it."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, event

from persona_store import Store
from persona_store.scheduling.schedules import CLAIM_LEASE, MAX_ATTEMPTS, Claim, DeliveryStore

T0 = datetime(2026, 11, 23, 8, 0, 5, tzinfo=UTC)
KEY = ("digest", "web:local:C1", "2026-W48")


@contextmanager
def writes_held_until(engine: Engine, parties: int) -> Iterator[None]:
    """The worst interleaving, made certain: every claimant's UPDATE of `deliveries` waits
    until all `parties` claimants have read the row and decided to write. (Left alone,
    threads tend to run one after another and a racy claim would pass by luck.)"""
    gate = threading.Barrier(parties, timeout=20)

    def hold(_conn, _cursor, statement: str, *_args) -> None:  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("UPDATE DELIVERIES"):
            gate.wait()

    event.listen(engine, "before_cursor_execute", hold)
    try:
        yield
    finally:
        event.remove(engine, "before_cursor_execute", hold)


def claim_in_threads(deliveries: DeliveryStore, now: datetime, n: int = 8) -> list[Claim]:
    """`n` claimants (like `n` clocks) asking for KEY at the same moment."""
    start = threading.Barrier(n)
    results: list[Claim] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            start.wait()
            results.append(deliveries.claim(*KEY, now=now))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    return results


def status_of(deliveries: DeliveryStore) -> str:
    [(_, _, _, status)] = deliveries.list("digest")
    return status


def test_stale_claim_is_taken_over_exactly_once(store: Store, engine: Engine) -> None:
    deliveries = DeliveryStore.of(store)
    first = deliveries.claim(*KEY, now=T0)  # ... and then the clock is killed
    assert first and first.state == "new" and first.attempt == 1
    later = T0 + CLAIM_LEASE + timedelta(minutes=1)
    with writes_held_until(engine, 8):
        results = claim_in_threads(deliveries, later)
    winners = [r for r in results if r]
    assert len(winners) == 1, results
    assert winners[0].state == "resumed" and winners[0].attempt == 2
    assert winners[0].claimed_at == T0  # what the warning names
    assert sorted(r.state for r in results if not r) == ["busy"] * 7
    # The new claim is fresh: nobody takes it over until its own lease has passed.
    assert deliveries.claim(*KEY, now=later + CLAIM_LEASE - timedelta(seconds=1)).state == "busy"
    assert deliveries.finish(*KEY, status="sent", message_id="m1", attempt=2)
    assert not deliveries.claim(*KEY, now=later + 2 * CLAIM_LEASE)
    assert status_of(deliveries) == "sent"


def test_fresh_claim_is_not_taken_over(store: Store) -> None:
    deliveries = DeliveryStore.of(store)
    assert deliveries.claim(*KEY, now=T0)
    within = T0 + CLAIM_LEASE - timedelta(seconds=1)
    results = claim_in_threads(deliveries, within, n=4)
    assert [r.state for r in results] == ["busy"] * 4
    assert all(r.claimed_at == T0 for r in results)
    assert status_of(deliveries) == "sending"
    # A clock whose time is behind the claim (skew) does not take it either.
    assert deliveries.claim(*KEY, now=T0 - timedelta(minutes=5)).state == "busy"


def test_take_overs_count_towards_max_attempts(store: Store) -> None:
    deliveries = DeliveryStore.of(store)
    now = T0
    assert deliveries.claim(*KEY, now=now)
    for attempt in range(2, MAX_ATTEMPTS + 1):  # each attempt dies mid-send
        now += CLAIM_LEASE + timedelta(seconds=1)
        taken = deliveries.claim(*KEY, now=now)
        assert taken.state == "resumed" and taken.attempt == attempt
    now += CLAIM_LEASE + timedelta(seconds=1)
    given_up = deliveries.claim(*KEY, now=now)
    assert not given_up and given_up.state == "abandoned" and given_up.attempt == MAX_ATTEMPTS
    assert status_of(deliveries) == "dead"  # no clock dies on it a fourth time
    assert deliveries.claim(*KEY, now=now + timedelta(days=1)).state == "done"


def test_failed_then_stale_then_failed_uses_one_budget(store: Store) -> None:
    deliveries = DeliveryStore.of(store)
    assert deliveries.claim(*KEY, now=T0)
    assert deliveries.finish(*KEY, status="failed", detail="timeout", attempt=1)
    retry = deliveries.claim(*KEY, now=T0 + timedelta(minutes=1))
    assert retry.state == "retry" and retry.attempt == 2  # ... and the clock dies
    resumed = deliveries.claim(*KEY, now=T0 + CLAIM_LEASE + timedelta(minutes=2))
    assert resumed.state == "resumed" and resumed.attempt == MAX_ATTEMPTS
    assert deliveries.finish(*KEY, status="failed", detail="timeout", attempt=MAX_ATTEMPTS)
    assert deliveries.claim(*KEY, now=T0 + timedelta(hours=1)).state == "done"


def test_slow_original_cannot_overwrite_the_take_over(store: Store) -> None:
    deliveries = DeliveryStore.of(store)
    assert deliveries.claim(*KEY, now=T0)
    taken = deliveries.claim(*KEY, now=T0 + CLAIM_LEASE + timedelta(seconds=1))
    assert deliveries.finish(*KEY, status="sent", message_id="m2", attempt=taken.attempt)
    # The first attempt was not dead after all, only very slow, and then failed.
    assert not deliveries.finish(*KEY, status="failed", detail="late timeout", attempt=1)
    assert status_of(deliveries) == "sent"
    assert not deliveries.claim(*KEY, now=T0 + timedelta(hours=1))  # no third post


def test_claim_times_in_other_zones_compare_as_instants(store: Store) -> None:
    """Claim times are stored in UTC, so a caller's zone cannot make a claim look stale."""
    deliveries = DeliveryStore.of(store)
    berlin = T0.astimezone(ZoneInfo("Europe/Berlin"))
    assert deliveries.claim(*KEY, now=berlin)
    assert deliveries.claim(*KEY, now=T0 + timedelta(minutes=1)).state == "busy"
    assert deliveries.claim(*KEY, now=T0 + CLAIM_LEASE + timedelta(seconds=1)).state == "resumed"
