"""The digest's question of the day/week closes just before the next post of its schedule,
computed from the subscription's cron and time zone (DST included): a daily or weekdays
channel has one question open at a time, not seven, and its results come out before the
next digest."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.features.digest import QOTW_BEFORE_NEXT
from persona_store import Store
from persona_store.scheduling.models import Survey
from persona_store.scheduling.schedules import DigestStore
from persona_store.surveys.repository import SurveyStore, SurveyView
from tests.sched_helpers import Clock, RecordingAdapter, deps_for, seed, sweep_once

CHANNEL = "C-daily"


def subscribe(store: Store, cron: str, timezone: str, first: datetime) -> None:
    DigestStore.of(store).subscribe(
        store.default_workspace_id(), platform="web", ext_workspace="local",
        conversation_id=CHANNEL, thread_id=None, service_url=None, cron=cron,
        timezone=timezone, next_run_at=first,
    )  # fmt: skip


def questions(store: Store) -> list[SurveyView]:
    ws = store.default_workspace_id()
    with store._sessions() as s:
        ids = s.scalars(select(Survey.id).order_by(Survey.id)).all()
    found = [SurveyStore.of(store).get(ws, i) for i in ids]
    return [q for q in found if q is not None]


def sweep(store: Store, adapter: RecordingAdapter, now: datetime) -> None:
    asyncio.run(sweep_once(deps_for(store, Clock(now)), [adapter], now))


def test_daily_question_closes_just_before_the_next_post_across_dst(store: Store) -> None:
    """Daily at 09:00 Berlin from Sat 24 Oct 2026 (CEST, 07:00 UTC) over the switch to CET
    (08:00 UTC from Sunday): each day's question closes five minutes before the next day's
    post, its results are posted before that digest, and never more than one is open."""
    seed(store)
    # 09:00 Berlin: summer time on the 24th, winter time from the 25th on.
    fires = [datetime(2026, 10, 24, 7, 0, tzinfo=UTC)]
    fires += [datetime(2026, 10, day, 8, 0, tzinfo=UTC) for day in range(25, 32)]
    subscribe(store, "0 9 * * *", "Europe/Berlin", fires[0])
    adapter = RecordingAdapter()
    ws = store.default_workspace_id()
    for day, (fire, following) in enumerate(zip(fires, fires[1:], strict=False)):
        sweep(store, adapter, fire + timedelta(seconds=20))
        *_, question = questions(store)
        assert question.closes_at == following - QOTW_BEFORE_NEXT, day
        assert [q.id for q in questions(store) if q.is_open] == [question.id], day
        SurveyStore.of(store).vote(ws, question.id, 0, platform="web", user_id="U1", now=fire)
        sweep(store, adapter, following - QOTW_BEFORE_NEXT - timedelta(seconds=30))
        assert SurveyStore.of(store).get(ws, question.id).is_open, day
        sweep(store, adapter, following - QOTW_BEFORE_NEXT + timedelta(seconds=30))
        assert not any(q.is_open for q in questions(store)), day
    kinds = [r.text.split(" — ", 1)[0].split(":", 1)[0] for _, r, _ in adapter.sent]
    assert kinds == ["Persona of the day", "Final results"] * (len(fires) - 1)


@pytest.mark.parametrize(
    ("cron", "timezone", "fire", "closes"),
    [
        # weekdays 09:00 New York: Friday's question stays open over the weekend and closes
        # just before Monday's post.
        ("0 9 * * mon-fri", "America/New_York", datetime(2026, 11, 20, 14, 0, tzinfo=UTC),
         datetime(2026, 11, 23, 13, 55, tzinfo=UTC)),
        # weekly Monday 09:00 Berlin: a week on, less five minutes.
        ("0 9 * * mon", "Europe/Berlin", datetime(2026, 11, 16, 8, 0, tzinfo=UTC),
         datetime(2026, 11, 23, 7, 55, tzinfo=UTC)),
        # daily 08:30 Tokyo (no DST): the next morning, less five minutes.
        ("30 8 * * *", "Asia/Tokyo", datetime(2026, 11, 19, 23, 30, tzinfo=UTC),
         datetime(2026, 11, 20, 23, 25, tzinfo=UTC)),
    ],
)  # fmt: skip
def test_question_closes_before_the_schedules_next_post(
    sqlite_store: Store, cron: str, timezone: str, fire: datetime, closes: datetime
) -> None:
    seed(sqlite_store)
    subscribe(sqlite_store, cron, timezone, fire)
    adapter = RecordingAdapter()
    sweep(sqlite_store, adapter, fire + timedelta(minutes=2))  # a post a little late
    [question] = questions(sqlite_store)
    assert question.closes_at == closes
    sweep(sqlite_store, adapter, closes - timedelta(minutes=1))
    assert questions(sqlite_store)[0].is_open
    sweep(sqlite_store, adapter, closes + timedelta(minutes=1))
    assert not questions(sqlite_store)[0].is_open


def test_after_an_outage_the_old_question_closes_before_the_new_digest(store: Store) -> None:
    """The clock was down across the close of Monday's question and Tuesday's post: the first
    sweep back posts Monday's results first, then Tuesday's digest, never two open at once."""
    seed(store)
    monday = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)  # 09:00 Berlin
    subscribe(store, "0 9 * * *", "Europe/Berlin", monday)
    adapter = RecordingAdapter()
    sweep(store, adapter, monday + timedelta(seconds=20))
    [first] = questions(store)
    ws = store.default_workspace_id()
    SurveyStore.of(store).vote(ws, first.id, 0, platform="web", user_id="U1", now=monday)
    tuesday = monday + timedelta(days=1)
    sweep(store, adapter, tuesday + timedelta(minutes=10))  # both overdue now
    kinds = [r.text.split(" — ", 1)[0].split(":", 1)[0] for _, r, _ in adapter.sent]
    assert kinds == ["Persona of the day", "Final results", "Persona of the day"]
    assert not SurveyStore.of(store).get(ws, first.id).is_open
    assert len([q for q in questions(store) if q.is_open]) == 1
