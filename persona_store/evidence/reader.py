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


class NotCsvError(ValueError):
    """The file is a workbook or another binary file, not CSV text."""


BINARY_HINTS = (
    (b"PK\x03\x04", "an Excel workbook (.xlsx) or another zip file"),
    (b"\xd0\xcf\x11\xe0", "an old Excel workbook (.xls)"),
    (b"%PDF", "a PDF"),
)


def sniff_encoding(path: Path) -> str:
    """'utf-8-sig' (a BOM), 'utf-16' (Excel's "Unicode text"), 'utf-8', 'cp1252' (Excel on
    Windows) or 'latin-1' (always decodes): the first that reads the whole file. A workbook
    or other binary file raises NotCsvError."""
    with path.open("rb") as f:
        head = f.read(64 * 1024)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    for magic, what in BINARY_HINTS:
        if head.startswith(magic):
            raise NotCsvError(f"looks like {what}, not CSV: save it as CSV (UTF-8) and import that")
    if b"\x00" in head:
        raise NotCsvError("is not text (it holds NUL bytes): export it as CSV and import that")
    for encoding in ("utf-8", "cp1252"):
        if _decodes(path, encoding):
            return encoding
    return "latin-1"


ENCODING_NAMES = {
    "utf-8-sig": "UTF-8 with BOM",
    "utf-8": "UTF-8",
    "utf-16": "UTF-16",
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
