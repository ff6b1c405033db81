"""One export row -> one evidence row, or the problems of its cells (row and column named).

`check_file` reads the whole file once and reports every problem (all or nothing, like a
persona import); `read_rows` reads it again, now known to be good, for the writer. Both
stream: nothing but the current row and the first problems is held in memory."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from persona_store.evidence.dates import DateError, DateOrder, parse_date
from persona_store.evidence.mapping import Mapping, MappingError, build_mapping
from persona_store.evidence.reader import CsvFile, CsvReadError, NotCsvError
from persona_store.personas.file_problems import FileProblem, PersonaFileError

MAX_SUMMARY = 2000  # as a persona file's evidence summary
MAX_PROBLEMS = 1000  # then the check stops counting: the file is wrong somewhere basic
_URL = re.compile(r"^https?://\S+$")


class EvidenceFileError(PersonaFileError):
    """An export cannot be imported: every problem, by row and column."""


@dataclass(frozen=True)
class EvidenceRow:
    row: int  # spreadsheet row (header = 1)
    summary: str
    date: date | None
    n: int | None
    link: str | None
    line: str | None  # a profile line's citation id, e.g. pain-2

    def content_hash(self, source: str) -> str:
        """Same content, same hash: what makes a re-import add nothing. The file name, row
        and line are left out (a renamed export, a row moved, a link made later)."""
        parts = (
            source,
            " ".join(self.summary.split()).lower(),
            self.date.isoformat() if self.date else "",
            str(self.n or ""),
            self.link or "",
        )
        return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


@dataclass
class CheckedFile:
    """A file that passed the check: how to read it again and what it holds."""

    csv: CsvFile
    mapping: Mapping
    order: DateOrder
    line_keys: frozenset[str] = frozenset()  # the persona's citation ids (`line` column)
    rows: int = 0
    linked: int = 0
    problems: list[FileProblem] = field(default_factory=list)

    def read_rows(self) -> Iterator[EvidenceRow]:
        for row in _parse_all(self, learn=False):
            if isinstance(row, EvidenceRow):
                yield row


def _cell(record: Sequence[str], header: list[str], column: str | None) -> str:
    if column is None:
        return ""
    i = header.index(column)
    return record[i].strip() if i < len(record) else ""


def _parse(
    row: int,
    record: Sequence[str],
    checked: CheckedFile,
    header: list[str],
    line_keys: frozenset[str],
    learn: bool,
) -> EvidenceRow | list[tuple[str, str]]:
    cols = checked.mapping.columns
    problems: list[tuple[str, str]] = []
    for column in cols.values():
        if column is not None and "\x00" in _cell(record, header, column):
            problems.append((column, "holds a NUL character: the file is damaged or not text"))
            return problems
    summary = _cell(record, header, cols["summary"])
    if not summary:
        problems.append((cols["summary"] or "", "is empty (every row needs its evidence text)"))
    elif len(summary) > MAX_SUMMARY:
        summary = summary[: MAX_SUMMARY - 1].rstrip() + "…"
    when: date | None = None
    raw = _cell(record, header, cols["date"])
    if raw:
        try:
            when = parse_date(raw, checked.order, row, learn=learn)
        except DateError:
            problems.append(
                (
                    cols["date"] or "",
                    f"expected a date like 2026-08-01, 08/01/2026 or Aug 1, 2026, got {raw[:40]!r}",
                )
            )
    n: int | None = None
    raw = _cell(record, header, cols["n"]).replace(",", "").replace("_", "").replace(" ", "")
    if raw:
        try:
            number = float(raw)
            if number < 0 or number != int(number) or number > 2**31 - 1:
                raise ValueError
            n = int(number)
        except ValueError:
            problems.append(
                (
                    cols["n"] or "",
                    f"expected a whole number of people or data points, got {raw[:40]!r}",
                )
            )
    link = _cell(record, header, cols["link"]) or None
    if link and not _URL.match(link):
        problems.append((cols["link"] or "", f"expected an http(s) URL, got {link[:60]!r}"))
    line = _cell(record, header, cols["line"]) or None
    if line and line not in line_keys:
        known = ", ".join(sorted(line_keys)[:8]) or "none"
        problems.append(
            (
                cols["line"] or "",
                f"{line[:40]!r} is not a line of this persona "
                f"(its lines: {known}{'…' if len(line_keys) > 8 else ''})",
            )
        )
    if problems:
        return problems
    return EvidenceRow(row, summary, when, n, link, line)


def _parse_all(checked: CheckedFile, *, learn: bool) -> Iterator[EvidenceRow | FileProblem]:
    header = checked.csv.header()
    keys = checked.line_keys
    name = checked.csv.path.name
    try:
        for row, record in checked.csv.rows():
            parsed = _parse(row, record, checked, header, keys, learn)
            if isinstance(parsed, EvidenceRow):
                yield parsed
            else:
                for column, message in parsed:
                    yield FileProblem(name, None, f"row {row}, column {column}", message)
    except CsvReadError as exc:
        yield FileProblem(name, None, f"row {exc.row}", str(exc))


def check_file(
    path: Path,
    given_map: dict[str, str],
    line_keys: frozenset[str],
    progress: Callable[[str], None] = lambda _: None,
) -> CheckedFile:
    """Read the whole export once; raises EvidenceFileError listing every problem."""
    name = path.name
    try:
        csv_file = CsvFile.open(path)
    except NotCsvError as exc:
        raise EvidenceFileError([FileProblem(name, None, "", str(exc))]) from None
    header = csv_file.header()
    if not header:
        raise EvidenceFileError([FileProblem(name, None, "", "is empty (no header row)")])
    try:
        mapping = build_mapping(header, given_map)
    except MappingError as exc:
        raise EvidenceFileError([FileProblem(name, None, "", str(exc))]) from None
    checked = CheckedFile(csv_file, mapping, DateOrder(), line_keys)
    progress(mapping.describe())
    extra = 0
    for item in _parse_all(checked, learn=True):
        if isinstance(item, FileProblem):
            if len(checked.problems) < MAX_PROBLEMS:
                checked.problems.append(item)
            else:
                extra += 1
            continue
        checked.rows += 1
        checked.linked += item.line is not None
    order = checked.order
    if order.day_first_row is not None and order.month_first_row is not None:
        checked.problems.append(
            FileProblem(
                name,
                None,
                f"rows {order.day_first_row} and {order.month_first_row}",
                "mix day-first (31/01/2026) and month-first (01/31/2026) dates; export the "
                "dates as 2026-01-31 and import again",
            )
        )
    if extra:
        checked.problems.append(
            FileProblem(name, None, "", f"… and {extra:,} more problems (not listed)")
        )
    if not checked.problems and not checked.rows:
        checked.problems.append(FileProblem(name, None, "", "has a header but no rows"))
    if checked.problems:
        raise EvidenceFileError(checked.problems)
    return checked
