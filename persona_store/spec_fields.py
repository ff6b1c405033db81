"""Field checks of the persona validator (`persona_store.spec`) that record problems.

Each check appends a `FieldProblem` to the list it is given and returns a usable stand-in
value, so one pass over a persona finds every problem in it, not just the first. A path is
a tuple like ('evidence', 0, 'n'); `format_path` writes it as `evidence[0].n`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from persona_store.suggest import did_you_mean

FieldPath = tuple[str | int, ...]
SHOW_LIMIT = 60


@dataclass(frozen=True)
class FieldProblem:
    """One thing wrong in a persona. `path` is inside the persona (() for the persona
    itself); `at_key` when the key is what is wrong (unknown field), not its value."""

    path: FieldPath
    message: str
    at_key: bool = False

    @property
    def field(self) -> str:
        return format_path(self.path)


def format_path(path: Sequence[str | int]) -> str:
    """('personas', 2, 'kind') -> 'personas[2].kind'; (3, 'name') -> '[3].name'."""
    out = ""
    for step in path:
        if isinstance(step, int):
            out += f"[{step}]"
        else:
            out += f".{step}" if out else step
    return out


def type_name(value: Any) -> str:
    return {
        dict: "a mapping",
        list: "a list",
        str: "text",
        int: "a number",
        float: "a number",
        bool: "true/false",
        type(None): "nothing",
    }.get(type(value), type(value).__name__)


def show(value: Any) -> str:
    """A value quoted for a message, shortened when long."""
    text = repr(value)
    return text if len(text) <= SHOW_LIMIT else text[: SHOW_LIMIT - 2] + "…" + text[-1]


def text(
    out: list[FieldProblem],
    data: dict[str, Any],
    key: str,
    *,
    limit: int,
    required: bool = False,
) -> str:
    value = data.get(key)
    if value is not None and (isinstance(value, bool) or not isinstance(value, str | int | float)):
        out.append(FieldProblem((key,), f"expected text, got {type_name(value)}"))
        return ""
    result = "" if value is None else str(value).strip()
    if not result:
        if required:
            out.append(FieldProblem((key,), "is required"))
    elif len(result) > limit:
        out.append(FieldProblem((key,), too_long(result, limit)))
    return result


def too_long(value: str, limit: int) -> str:
    return f"is {len(value):,} characters long; the limit is {limit:,}"


def text_items(
    out: list[FieldProblem], data: dict[str, Any], key: str, *, limit: int
) -> list[tuple[int, str]]:
    """The entries of a list of text with their positions (bad entries are left out)."""
    value = data.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        out.append(FieldProblem((key,), f"expected a list of text, got {type_name(value)}"))
        return []
    items = []
    for i, item in enumerate(value):
        if isinstance(item, bool) or not isinstance(item, str | int | float):
            out.append(FieldProblem((key, i), f"expected text, got {type_name(item)}"))
            continue
        entry = str(item).strip()
        if not entry:
            out.append(FieldProblem((key, i), "is empty"))
        elif len(entry) > limit:
            out.append(FieldProblem((key, i), too_long(entry, limit)))
        else:
            items.append((i, entry))
    return items


def choice(out: list[FieldProblem], value: Any, path: FieldPath, choices: Sequence[str]) -> str:
    if isinstance(value, str) and value in choices:
        return value
    hint = did_you_mean(value, choices)
    out.append(FieldProblem(path, f"{show(value)} is not one of {', '.join(choices)}{hint}"))
    return choices[0]


def whole_number(
    out: list[FieldProblem], value: Any, path: FieldPath, low: int, high: int | None, what: str
) -> int | None:
    ok = not isinstance(value, bool) and isinstance(value, int)
    if ok and value >= low and (high is None or value <= high):
        return value
    bounds = f" from {low} to {high}" if high is not None else ""
    out.append(FieldProblem(path, f"must be a whole number of {what}{bounds}, got {show(value)}"))
    return None


def a_date(out: list[FieldProblem], value: Any, path: FieldPath) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip()[:10])
        except ValueError:
            pass
    out.append(FieldProblem(path, f"expected a date like 2026-08-01, got {show(value)}"))
    return None


def unknown_keys(
    out: list[FieldProblem], data: dict[Any, Any], prefix: FieldPath, known: Sequence[str]
) -> None:
    for key in sorted(set(map(str, data)) - set(known)):
        hint = did_you_mean(key, known) or f" (known fields: {', '.join(sorted(known))})"
        out.append(FieldProblem((*prefix, key), f"unknown field{hint}", at_key=True))
