"""Dates as exports write them: ISO (`2026-08-01`, `2026-08-01T09:30:00Z`), `2026/08/01`,
US `08/01/2026`, European `01.08.2026` and `01/08/2026`, `Aug 1, 2026`, `1 Aug 2026`,
`01-Aug-26`, each with or without a time. Whether `03/04/2026` is March or April is decided
for the whole file: a row like `31/01/2026` makes it day-first, `01/31/2026` month-first,
neither means month-first (US tools); a file with both is refused."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime

_ISO = re.compile(r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:$|[T ])")
_NUMERIC = re.compile(r"^(\d{1,2})([/.-])(\d{1,2})\2(\d{2}|\d{4})(?:$|[T ,])")
_NAMED = (
    "%b %d %Y",
    "%B %d %Y",
    "%d %b %Y",
    "%d %B %Y",
    "%d-%b-%Y",
    "%d-%b-%y",
    "%a %b %d %Y",
    "%A %B %d %Y",
)
_TIME = re.compile(
    r"\s+\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?\s*([AaPp][Mm])?(\s*(UTC|GMT|Z|[+-]\d{2}:?\d{2}))?$"
)


class DateError(ValueError):
    pass


@dataclass
class DateOrder:
    """What the file's slash dates say about their order, learnt while checking it."""

    day_first_row: int | None = None  # a row whose first number can only be a day
    month_first_row: int | None = None
    forced: bool | None = None  # set from outside (tests, a future flag)
    _seen: set[str] = field(default_factory=set, repr=False)

    @property
    def day_first(self) -> bool:
        if self.forced is not None:
            return self.forced
        return self.day_first_row is not None

    def describe(self) -> str | None:
        if self.day_first_row is not None:
            row = self.day_first_row
            return f"Dates like 03/04/2026 are read day first (row {row} can only be read so)."
        if self.month_first_row is not None:
            row = self.month_first_row
            return f"Dates like 03/04/2026 are read month first (row {row} can only be read so)."
        return None


def _ymd(y: int, m: int, d: int) -> date:
    try:
        return date(y, m, d)
    except ValueError as exc:
        raise DateError(str(exc)) from None


def _year(text: str) -> int:
    y = int(text)
    return y + 2000 if len(text) == 2 else y


def parse_date(value: str, order: DateOrder, row: int, *, learn: bool = False) -> date:
    """The date `value` names; DateError when it names none. `learn`: record what the
    value says about the file's day/month order (the checking pass)."""
    text = value.strip()
    m = _ISO.match(text)
    if m:
        return _ymd(int(m[1]), int(m[2]), int(m[3]))
    m = _NUMERIC.match(text)
    if m:
        a, sep, b, y = int(m[1]), m[2], int(m[3]), _year(m[4])
        if sep == ".":  # 01.08.2026: always day first
            return _ymd(y, b, a)
        if learn and a > 12 and b <= 12 and order.day_first_row is None:
            order.day_first_row = row
        if learn and b > 12 and a <= 12 and order.month_first_row is None:
            order.month_first_row = row
        if a > 12 or b > 12:  # only one reading is possible
            return _ymd(y, b, a) if a > 12 else _ymd(y, a, b)
        return _ymd(y, b, a) if order.day_first else _ymd(y, a, b)
    plain = _TIME.sub("", text).replace(",", " ").replace(".", " ")
    plain = re.sub(r"(\d)(st|nd|rd|th)\b", r"\1", re.sub(r"\s+", " ", plain).strip())
    for fmt in _NAMED:
        try:
            return datetime.strptime(plain, fmt).date()
        except ValueError:
            continue
    raise DateError("not a date")
