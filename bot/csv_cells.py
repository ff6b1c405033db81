"""CSV that is safe to open in a spreadsheet (OWASP "CSV Injection").

Questions, options and voter ids come from chat and are untrusted: a cell starting with
=, +, -, @, tab or carriage return is run as a formula by Excel, LibreOffice and Google
Sheets (`=HYPERLINK("https://evil.example", …)`). Such text cells get a leading `'`, and
every text cell is quoted so a separator inside one never starts a new cell. Numbers are
written as numbers. Every CSV the project writes goes through `writer`.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any, Protocol

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class _Writable(Protocol):
    def write(self, text: str, /) -> Any: ...


def safe_cell(value: object) -> object:
    """`value`, with a `'` in front when it is text a spreadsheet would run."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class SafeWriter:
    """`csv.writer` that neutralises every cell (see the module docstring)."""

    def __init__(self, out: _Writable) -> None:
        self._writer = csv.writer(out, lineterminator="\n", quoting=csv.QUOTE_NONNUMERIC)

    def writerow(self, row: Iterable[object]) -> None:
        self._writer.writerow([safe_cell(v) for v in row])


def writer(out: _Writable) -> SafeWriter:
    return SafeWriter(out)
