"""Which export column holds what: `--map summary=Subject,date=Created` or a guess from the
header names, printed before anything is written."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from persona_store.suggest import did_you_mean

FIELDS = ("summary", "date", "n", "link", "line")
# Header names (folded: lower case, letters and digits only) each field is guessed from,
# best first: help desks (Zendesk, Freshdesk, Intercom), CRMs (HubSpot, Salesforce),
# analytics and survey tools.
GUESSES: dict[str, tuple[str, ...]] = {
    "summary": (
        "summary",
        "subject",
        "title",
        "insight",
        "finding",
        "feedback",
        "comment",
        "comments",
        "quote",
        "note",
        "notes",
        "description",
        "text",
        "message",
        "body",
        "answer",
        "response",
        "event",
        "eventname",
        "question",
        "topic",
        "issue",
    ),
    "date": (
        "date",
        "created",
        "createdat",
        "createddate",
        "createdon",
        "datecreated",
        "opened",
        "submitted",
        "submittedat",
        "timestamp",
        "time",
        "day",
        "week",
        "collected",
        "updated",
        "updatedat",
        "closed",
        "lastactivitydate",
    ),
    "n": (
        "n",
        "count",
        "responses",
        "respondents",
        "users",
        "uniqueusers",
        "sessions",
        "volume",
        "total",
        "tickets",
        "occurrences",
        "events",
        "people",
        "accounts",
    ),
    "link": ("link", "url", "ticketurl", "permalink", "href", "recordurl", "web"),
    "line": ("line", "profileline", "lineid", "persona line", "personaline"),
}


def fold(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


class MappingError(ValueError):
    """`--map` is malformed or names a column the file does not have."""


@dataclass(frozen=True)
class Mapping:
    """field -> column name (None: the file has none); `given`: fields set by `--map`."""

    columns: dict[str, str | None]
    given: frozenset[str]

    def describe(self) -> str:
        """'summary ← Subject (guessed), date ← Created (--map), n: none (each row is 1)…'"""
        out = []
        for f in FIELDS:
            col = self.columns.get(f)
            if col is None:
                note = {
                    "n": "none (each row counts as 1)",
                    "date": "none (rows are undated)",
                    "line": "none (link rows with `evidence suggest`)",
                }.get(f, "none")
                out.append(f"{f}: {note}")
            else:
                out.append(f"{f} ← {col} ({'--map' if f in self.given else 'guessed'})")
        return "Columns: " + "; ".join(out)


def parse_map(spec: str | None) -> dict[str, str]:
    """'summary=Subject,date=Created' -> {'summary': 'Subject', 'date': 'Created'}."""
    out: dict[str, str] = {}
    for part in (spec or "").split(","):
        if not part.strip():
            continue
        key, sep, column = part.partition("=")
        key = key.strip().lower()
        if not sep or not column.strip():
            raise MappingError(
                f"--map expects FIELD=COLUMN pairs, e.g. summary=Subject; got {part!r}"
            )
        if key not in FIELDS:
            raise MappingError(
                f"--map: unknown field {key!r}{did_you_mean(key, FIELDS)} "
                f"(fields: {', '.join(FIELDS)})"
            )
        out[key] = column.strip()
    return out


SHOWN_COLUMNS = 20  # a header of 100,000 columns is named in a line, not a page


def column_list(header: Sequence[str]) -> str:
    """The header's names for a message: the first few (each cut short), then how many more."""
    shown = [name if len(name) <= 40 else name[:39] + "…" for name in header[:SHOWN_COLUMNS]]
    more = len(header) - len(shown)
    return ", ".join(shown) + (f" and {more:,} more" if more > 0 else "") or "none"


def build_mapping(header: Sequence[str], given: dict[str, str]) -> Mapping:
    """The columns of each field: `--map` first (it must name a real column), then a guess
    from the header names; a column is used for one field only."""
    by_fold: dict[str, str] = {}
    for name in header:
        by_fold.setdefault(fold(name), name)
    columns: dict[str, str | None] = {}
    for f, wanted in given.items():
        found = wanted if wanted in header else by_fold.get(fold(wanted))
        if found is None:
            raise MappingError(
                f"--map {f}={wanted}: the file has no column {wanted!r} "
                f"(its columns: {column_list(header)})"
            )
        columns[f] = found
    used = set(columns.values())
    for f in FIELDS:
        if f in columns:
            continue
        guess = next(
            (by_fold[g] for g in map(fold, GUESSES[f]) if g in by_fold and by_fold[g] not in used),
            None,
        )
        columns[f] = guess
        if guess is not None:
            used.add(guess)
    if columns["summary"] is None:
        raise MappingError(
            "Which column holds the evidence text? None of the columns looks like it "
            f"(its columns: {column_list(header)}). Name it: --map summary=COLUMN"
        )
    return Mapping(columns, frozenset(given))
