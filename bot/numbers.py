"""Numbers people type or buttons carry (survey, decision, gap, evidence ids).

`str.isdigit()` is true for "²", "٣" or full-width "１", which `int()` then refuses or reads
as another digit; and a database integer ends at 2**31 - 1. Every id from chat goes
through here, so odd digits are "not a number" and a huge one is "not found", never a crash.
"""

from __future__ import annotations

MAX_ID = 2**31 - 1  # INTEGER columns (SQLite's and PostgreSQL's ids, decision numbers)


def is_number(text: str) -> bool:
    """Plain ASCII digits only ("12"; not "²", "٣", "１", "-1" or "")."""
    return text.isascii() and text.isdigit()


def id_of(text: str) -> int | None:
    """An id typed or carried in a button: ASCII digits up to MAX_ID (past it no row can
    have it: 0 is returned, which no row has either), else None."""
    if not is_number(text):
        return None
    return int(text) if len(text) <= 10 and int(text) <= MAX_ID else 0
