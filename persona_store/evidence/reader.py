"""Reading an export: its encoding (UTF-8, UTF-8 with a BOM, Windows-1252/Latin-1), its
delimiter, and its records one at a time (quoted newlines included), so a file of any size
is read in constant memory. Rows are numbered as a spreadsheet shows them: the header is
row 1."""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

CHUNK = 1 << 20
FIELD_LIMIT = 1 << 20  # one cell of 1 MB at most: a sign of a broken quote, not an export
csv.field_size_limit(FIELD_LIMIT)


class CsvReadError(ValueError):
    """The file cannot be read as CSV at `row` (a NUL byte, a runaway quoted cell)."""

    def __init__(self, row: int, message: str) -> None:
        self.row = row
        super().__init__(message)


def _decodes(path: Path, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        with path.open("rb") as f:
            while chunk := f.read(CHUNK):
                decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def sniff_encoding(path: Path) -> str:
    """'utf-8-sig' (a BOM), 'utf-8', 'cp1252' (Excel on Windows) or 'latin-1' (always
    decodes): the first that reads the whole file."""
    with path.open("rb") as f:
        head = f.read(3)
    if head == codecs.BOM_UTF8:
        return "utf-8-sig"
    for encoding in ("utf-8", "cp1252"):
        if _decodes(path, encoding):
            return encoding
    return "latin-1"


ENCODING_NAMES = {
    "utf-8-sig": "UTF-8 with BOM",
    "utf-8": "UTF-8",
    "cp1252": "Windows-1252 (Latin-1)",
    "latin-1": "Latin-1",
}


def sniff_delimiter(path: Path, encoding: str) -> str:
    with path.open(encoding=encoding, newline="") as f:
        sample = f.read(64 * 1024)
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        return ","


@dataclass(frozen=True)
class CsvFile:
    path: Path
    encoding: str
    delimiter: str

    @classmethod
    def open(cls, path: Path) -> CsvFile:
        encoding = sniff_encoding(path)
        return cls(path, encoding, sniff_delimiter(path, encoding))

    def header(self) -> list[str]:
        for _, record in self._records():
            return [c.strip() for c in record]
        return []

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        """(spreadsheet row, cells) of every data row, blank rows skipped."""
        records = self._records()
        next(records, None)  # the header
        for row, record in records:
            if any(c.strip() for c in record):
                yield row, record

    def _records(self) -> Iterator[tuple[int, list[str]]]:
        with self.path.open("rb") as raw:
            text = io.TextIOWrapper(raw, encoding=self.encoding, newline="")
            reader = csv.reader(text, delimiter=self.delimiter)
            row = 0
            while True:
                row += 1
                try:
                    record = next(reader)
                except StopIteration:
                    return
                except csv.Error as exc:
                    raise CsvReadError(row, f"cannot be read as CSV ({exc})") from None
                yield row, record
