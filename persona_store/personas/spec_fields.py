"""The words of persona problems: `FieldProblem` (what is wrong, at which field) and the
helpers that phrase values and paths for it. A path is a tuple like ('evidence', 0, 'n');
`format_path` writes it as `evidence[0].n`. What is wrong is decided by the persona-file
schema (`persona_store.schema.rules`) and `persona_store.personas.spec`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

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


def too_long(value: str, limit: int) -> str:
    return f"is {len(value):,} characters long; the limit is {limit:,}"
