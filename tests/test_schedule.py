"""Schedule math with frozen time: parsing, next fire times across time zones and DST
changes, and the catch-up rule (one run within the grace window, older ones skipped)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from bot.schedule import (
    ScheduleError,
    first_fire,
    next_fire,
    parse_schedule,
    period_key,
    plan,
)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_parse_schedule() -> None:
    s = parse_schedule("weekly mon 09:00 Europe/Berlin")
    assert (s.cron, s.timezone) == ("0 9 * * mon", "Europe/Berlin")
    assert s.describe() == "weekly on Mon at 09:00 Europe/Berlin"
    assert parse_schedule("daily 8:30", "America/New_York").cron == "30 8 * * *"
    assert parse_schedule("weekdays 9am UTC").cron == "0 9 * * mon-fri"
    assert parse_schedule("weekly Friday 4pm").cron == "0 16 * * fri"
    for bad, message in [
        ("weekly funday 09:00", "not a day"),
        ("weekly mon 25:00", "not a valid time"),
        ("weekly mon 09:00 Mars/Olympus", "time zone"),
        ("hourly", "Write the schedule"),
        ("weekly mon", "what time"),
    ]:
        with pytest.raises(ScheduleError, match=message):
            parse_schedule(bad)


def test_weekday_names_not_numbers() -> None:
    # 2026-11-20 is a Friday; Monday 09:00 Berlin (CET, UTC+1) is 08:00 UTC on the 23rd.
    assert first_fire("0 9 * * mon", "Europe/Berlin", utc(2026, 11, 20, 10)) == utc(2026, 11, 23, 8)
    assert first_fire("0 9 * * sun", "UTC", utc(2026, 11, 20, 10)) == utc(2026, 11, 22, 9)


def test_berlin_dst_end_moves_utc_time() -> None:
    # Summer time ends on Sunday 2026-10-25: Monday 09:00 local is 07:00 UTC before, 08:00 after.
    before = utc(2026, 10, 19, 7)
    assert first_fire("0 9 * * mon", "Europe/Berlin", utc(2026, 10, 18)) == before
    assert next_fire("0 9 * * mon", "Europe/Berlin", before) == utc(2026, 10, 26, 8)


def test_new_york_dst_start_and_end_fire_once_a_day() -> None:
    # Spring forward on 2026-03-08: 02:30 does not exist that day; it must not fire twice or
    # crash, and the next days are back at 02:30 EDT (06:30 UTC).
    fires = [first_fire("30 2 * * *", "America/New_York", utc(2026, 3, 6))]
    for _ in range(4):
        fires.append(next_fire("30 2 * * *", "America/New_York", fires[-1]))
    days = [f.astimezone(UTC).date() for f in fires]
    assert len(set(days)) == len(days)  # never twice in one day
    assert fires[0] == utc(2026, 3, 6, 7, 30)  # EST
    assert fires[-1].hour == 6  # EDT
    # Fall back on 2026-11-01: 01:30 happens twice locally; still one run that day.
    fall = [first_fire("30 1 * * *", "America/New_York", utc(2026, 10, 31))]
    for _ in range(3):
        fall.append(next_fire("30 1 * * *", "America/New_York", fall[-1]))
    assert len({f.date() for f in fall}) == 4


def test_plan_catch_up_within_grace() -> None:
    cron, tz = "0 9 * * mon", "Europe/Berlin"
    due = utc(2026, 11, 23, 8)
    # On time.
    p = plan(cron, tz, due, due + timedelta(seconds=30))
    assert p.fire == due and p.skipped == () and p.next_run == utc(2026, 11, 30, 8)
    # Clock was down for 2 hours: caught up once.
    p = plan(cron, tz, due, due + timedelta(hours=2))
    assert p.fire == due
    # Down for 7 hours: skipped (and reported), next week is next.
    p = plan(cron, tz, due, due + timedelta(hours=7))
    assert p.fire is None and p.skipped == (due,) and p.next_run == utc(2026, 11, 30, 8)
    # Not due yet.
    assert plan(cron, tz, due, due - timedelta(minutes=1)).fire is None


def test_plan_daily_after_long_outage_delivers_only_latest() -> None:
    cron, tz = "0 9 * * *", "UTC"
    due = utc(2026, 11, 20, 9)
    p = plan(cron, tz, due, utc(2026, 11, 23, 10))
    assert p.fire == utc(2026, 11, 23, 9)
    assert p.skipped == (utc(2026, 11, 20, 9), utc(2026, 11, 21, 9), utc(2026, 11, 22, 9))
    assert period_key(p.fire) == "2026-11-23T09:00Z"
    assert period_key(p.fire, cron, tz) == "2026-11-23"
    # Weekly: the local ISO week (Sunday 23:30 UTC is already Monday in Tokyo).
    sunday_night = utc(2026, 11, 22, 23, 30)
    assert period_key(sunday_night, "30 8 * * mon", "Asia/Tokyo") == "2026-W48"
    assert period_key(sunday_night, "30 23 * * sun", "UTC") == "2026-W47"


def test_frozen_clock_subscription_starts_next_occurrence() -> None:
    with time_machine.travel(datetime(2026, 3, 29, 0, 30, tzinfo=UTC), tick=False):
        # Berlin switches to summer time at 01:00 UTC this Sunday.
        now = datetime.now(UTC)
        assert first_fire("0 9 * * sun", "Europe/Berlin", now) == utc(2026, 3, 29, 7)
        assert first_fire("0 9 * * sat", "Europe/Berlin", now) == utc(2026, 4, 4, 7)
        assert first_fire("0 9 * * sun", "Asia/Kolkata", now) == utc(2026, 3, 29, 3, 30)
