"""Schedule math for the clock: digest schedules as data (cron fields + IANA time zone),
evaluated with APScheduler 3's `CronTrigger.get_next_fire_time`, and the catch-up rule
(a run missed while the clock was down is delivered once within the grace window; older
missed runs are skipped and reported).

Cron strings are stored in APScheduler field order "minute hour day month day_of_week" with
*named* weekdays (mon..sun), never numbers: APScheduler 3 numbers Monday 0 while crontab
numbers Sunday 0, so names avoid the ambiguity entirely.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.triggers.cron import CronTrigger

DEFAULT_GRACE = timedelta(hours=6)
MAX_CATCH_UP_STEPS = 1000  # safety net for very frequent crons after a long outage
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY_ALIASES = {
    "monday": "mon", "tuesday": "tue", "wednesday": "wed", "thursday": "thu",
    "friday": "fri", "saturday": "sat", "sunday": "sun", "tues": "tue", "thur": "thu",
    "thurs": "thu",
}  # fmt: skip


class ScheduleError(ValueError):
    """A schedule someone typed cannot be understood; the message says how to write it."""


@dataclass(frozen=True)
class Schedule:
    cron: str  # "minute hour day month day_of_week"
    timezone: str

    def describe(self) -> str:
        minute, hour, day, month, dow = self.cron.split()
        at = f"{int(hour):02d}:{int(minute):02d}" if hour.isdigit() and minute.isdigit() else ""
        if day == "*" and month == "*" and dow in DAYS:
            return f"weekly on {dow.capitalize()} at {at} {self.timezone}"
        if day == "*" and month == "*" and dow == "*":
            return f"daily at {at} {self.timezone}"
        if day == "*" and month == "*" and dow == "mon-fri":
            return f"weekdays at {at} {self.timezone}"
        return f"cron '{self.cron}' ({self.timezone})"


MAX_TIMEZONE = 64  # the longest IANA names are ~30 characters


def check_timezone(name: str) -> str:
    """`name` if it is an IANA time zone, else ScheduleError (also for names the file
    system refuses: too long, a directory such as 'Europe')."""
    try:
        if len(name) > MAX_TIMEZONE:
            raise ValueError(name)
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
        raise ScheduleError(
            f"'{name[:40]}' is not a time zone I know. Use an IANA name like Europe/Berlin, "
            "America/New_York or UTC."
        ) from exc
    return name


def _time(value: str) -> tuple[int, int]:
    m = re.fullmatch(r"(\d{1,2})(?::(\d{2}))?\s*(am|pm)?", value.lower())
    if not m:
        raise ScheduleError(f"'{value[:20]}' is not a time; write it like 09:00.")
    hour, minute = int(m.group(1)), int(m.group(2) or 0)
    if m.group(3) == "pm" and hour < 12:
        hour += 12
    if m.group(3) == "am" and hour == 12:
        hour = 0
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        raise ScheduleError(f"'{value}' is not a valid time of day.")
    return hour, minute


def parse_schedule(text: str, default_tz: str = "UTC") -> Schedule:
    """`weekly mon 09:00 Europe/Berlin`, `daily 08:30`, `weekdays 9am America/New_York`."""
    words = text.split()
    if not words:
        raise ScheduleError("When? e.g. `digest weekly mon 09:00 Europe/Berlin`.")
    kind = words[0].lower()
    rest = words[1:]
    if kind == "weekly":
        if not rest:
            raise ScheduleError("Which day? e.g. `digest weekly mon 09:00 Europe/Berlin`.")
        day = rest[0].lower().rstrip(",")
        day = _DAY_ALIASES.get(day, day)
        if day not in DAYS:
            raise ScheduleError(f"'{rest[0][:20]}' is not a day; use mon, tue, … sun.")
        dow, rest = day, rest[1:]
    elif kind == "daily":
        dow = "*"
    elif kind == "weekdays":
        dow = "mon-fri"
    else:
        raise ScheduleError(
            "Write the schedule like `weekly mon 09:00 Europe/Berlin`, `daily 09:00` or "
            "`weekdays 09:00 America/New_York`."
        )
    if not rest:
        raise ScheduleError("At what time? e.g. 09:00.")
    hour, minute = _time(rest[0])
    tz = check_timezone(rest[1] if len(rest) > 1 else default_tz)
    if len(rest) > 2:
        raise ScheduleError(f"I don't understand '{' '.join(rest[2:])[:40]}'.")
    schedule = Schedule(cron=f"{minute} {hour} * * {dow}", timezone=tz)
    trigger(schedule.cron, schedule.timezone)  # validates
    return schedule


@lru_cache(maxsize=1024)
def trigger(cron: str, timezone: str) -> CronTrigger:
    """A CronTrigger for stored fields; cached because many channels share a schedule."""
    minute, hour, day, month, dow = cron.split()
    return CronTrigger(
        minute=minute, hour=hour, day=day, month=month, day_of_week=dow, timezone=timezone
    )


def next_fire(cron: str, timezone: str, after: datetime) -> datetime:
    """The first fire time strictly after `after`, in UTC."""
    t = trigger(cron, timezone)
    fire = t.get_next_fire_time(None, after + timedelta(seconds=1))
    assert fire is not None
    # When clocks fall back, a local time like 01:30 happens twice and APScheduler 3 fires at
    # both; the same wall-clock time must not post twice, so skip the repeat.
    if _wall(fire, timezone) == _wall(after, timezone):
        fire = t.get_next_fire_time(None, fire.astimezone(UTC) + timedelta(seconds=1))
        assert fire is not None
    return fire.astimezone(UTC)


def _wall(moment: datetime, timezone: str) -> datetime:
    return moment.astimezone(ZoneInfo(timezone)).replace(tzinfo=None, fold=0)


def first_fire(cron: str, timezone: str, now: datetime) -> datetime:
    """The first fire time at or after `now` (a new subscription starts here), in UTC."""
    fire = trigger(cron, timezone).get_next_fire_time(None, now)
    assert fire is not None
    return fire.astimezone(UTC)


@dataclass(frozen=True)
class Plan:
    """What one sweep does for one schedule: deliver `fire` (or nothing), report `skipped`
    fire times that are beyond the grace window, and move on to `next_run`."""

    fire: datetime | None
    skipped: tuple[datetime, ...]
    next_run: datetime


def plan(
    cron: str,
    timezone: str,
    due_at: datetime,
    now: datetime,
    grace: timedelta = DEFAULT_GRACE,
) -> Plan:
    """`due_at` is the stored next run (<= now when due). Of every fire time between
    `due_at` and `now`, only the latest is delivered, and only if it is within `grace`."""
    if due_at > now:
        return Plan(None, (), due_at)
    fires = [due_at]
    for _ in range(MAX_CATCH_UP_STEPS):
        following = next_fire(cron, timezone, fires[-1])
        if following > now:
            break
        fires.append(following)
    else:
        following = next_fire(cron, timezone, now)
    latest = fires[-1]
    if now - latest <= grace:
        return Plan(latest, tuple(fires[:-1]), following)
    return Plan(None, tuple(fires), following)


def period_key(fire: datetime, cron: str | None = None, timezone: str | None = None) -> str:
    """The delivery-key period of a run: the local ISO week for weekly schedules, the local
    date for daily ones, so a channel never gets two digests in one period even when its
    schedule is changed in between (or a fall-back hour repeats); else the fire time."""
    if cron and timezone:
        minute, hour, day, month, dow = cron.split()
        local = fire.astimezone(ZoneInfo(timezone))
        if day == "*" and month == "*" and dow in DAYS:
            year, week, _ = local.isocalendar()
            return f"{year}-W{week:02d}"
        if day == "*" and month == "*" and hour.isdigit() and minute.isdigit():
            return local.date().isoformat()
    return fire.astimezone(UTC).strftime("%Y-%m-%dT%H:%MZ")
