"""Problems of a persona file: what is wrong and where (line, field path), reported all at
once. Lines come from YAML's node tree (JSON is parsed as YAML for that), composed once
for all problems of a file and only when there is one, so valid files never pay for it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import yaml

from persona_store.personas.spec_fields import FieldPath

REPORT_LIMIT = 50  # problems shown in full by `str(error)`; the rest are counted


@dataclass(frozen=True)
class FileProblem:
    """One thing wrong with a persona file: where (line, field path such as
    'personas[2].kind'), which persona (its name, when it has a usable one), and what."""

    file: str
    line: int | None
    field: str  # '' for the file as a whole
    message: str
    persona: str | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        what = self.field
        if self.persona:
            what = f"{what} ({self.persona})" if what else self.persona
        return f"{where}: {what}: {self.message}" if what else f"{where}: {self.message}"


class PersonaFileError(ValueError):
    """A persona file cannot be imported. `problems` lists every problem found, sorted by
    line; `str(error)` shows the first REPORT_LIMIT of them, one per line."""

    def __init__(self, problems: Sequence[FileProblem]) -> None:
        self.problems = tuple(problems)
        super().__init__(self.report())

    @property
    def first(self) -> FileProblem:
        return self.problems[0]

    def explain(self, limit: int = REPORT_LIMIT) -> str:
        """'Cannot import F: N problems, so nothing was changed.' and the report, indented."""
        n = len(self.problems)
        head = f"Cannot import {self.first.file}: {n:,} {'problem' if n == 1 else 'problems'}"
        body = "\n".join(f"  {line}" for line in self.report(limit).splitlines())
        return f"{head}, so nothing was changed.\n{body}"

    def report(self, limit: int = REPORT_LIMIT) -> str:
        """One line per problem, the first `limit` of them, then '… and N more'."""
        lines = [str(p) for p in self.problems[:limit]]
        rest = len(self.problems) - limit
        if rest > 0:
            lines.append(f"… and {rest:,} more {'problem' if rest == 1 else 'problems'}")
        return "\n".join(lines)


# A JSON surrogate pair such as \ud83d\ude00 is fine for json but not for libyaml's
# composer; lines are all we need from it, so such escapes become a plain one.
_SURROGATE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


def compose(text: str, fmt: str, loader: type) -> yaml.Node | None:
    """The document's node tree (for line numbers), or None when it cannot be composed."""
    if fmt == "json":
        text = _SURROGATE.sub(r"\\u0020", text)
    try:
        return yaml.compose(text, Loader=loader)
    except yaml.YAMLError:
        return None


def duplicate_keys(
    node: yaml.Node, path: FieldPath, visited: set[int] | None = None
) -> Iterator[tuple[FieldPath, str]]:
    """(path of the repeated key, key) for every key given twice in one mapping. A node
    reached again through an alias (*name) is walked once, at its first path."""
    visited = set() if visited is None else visited
    if id(node) in visited:
        return
    visited.add(id(node))
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value in node.value:
            key = str(key_node.value)
            if key in seen:
                yield (*path, key), key
            seen.add(key)
            yield from duplicate_keys(value, (*path, key), visited)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            yield from duplicate_keys(item, (*path, i), visited)


def line_of(root: yaml.Node | None, path: FieldPath, *, key: bool = False) -> int | None:
    """1-based line of the node at `path` (of its key when `key`), walking as deep as it
    exists. For a repeated key, the last one (the one a reader keeps) is found."""
    if root is None:
        return None
    node = root
    line = node.start_mark.line + 1
    for depth, step in enumerate(path):
        if isinstance(node, yaml.MappingNode) and isinstance(step, str):
            pairs = [(k, v) for k, v in node.value if str(k.value) == step]
            if not pairs:
                return line
            k, node = pairs[-1]
            line = (k if key and depth == len(path) - 1 else node).start_mark.line + 1
        elif isinstance(node, yaml.SequenceNode) and isinstance(step, int):
            if step >= len(node.value):
                return line
            node = node.value[step]
            line = node.start_mark.line + 1
        else:
            return line
    return line
