"""Persona files: read YAML/JSON into validated `PersonaSpec`s, write YAML/JSON/Markdown.

Reading is all-or-nothing: `load_file` either returns every persona of the file or raises
`PersonaFileError` naming the file, line, persona and field of each problem, so nothing is
ever half-imported. Line numbers come from YAML's node marks (JSON is parsed as YAML for
that purpose), looked up only when there is an error, so valid files parse at C speed.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy.exc import IntegrityError, OperationalError

from persona_store.convert import spec_of
from persona_store.markdown import dump_markdown
from persona_store.spec import LINE_FIELDS, PersonaSpec, SpecError
from persona_store.views import PersonaView

try:  # libyaml when available: much faster on big files
    _BaseLoader: type = yaml.CSafeLoader
    _Dumper: type = yaml.CSafeDumper
except AttributeError:  # pragma: no cover - pure-Python PyYAML
    _BaseLoader = yaml.SafeLoader
    _Dumper = yaml.SafeDumper


class _Loader(_BaseLoader):  # type: ignore[misc, valid-type]
    """Safe loader that refuses duplicate keys: YAML would silently keep only the last
    `pains:` of a persona, losing the first list without a word."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if isinstance(key, str | int) and key in seen:
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    f"duplicate key {key!r} (only one `{key}:` is allowed here)",
                    key_node.start_mark,
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


FORMATS = ("yaml", "json")
SAMPLES_PACKAGE = "persona_store.samples"
SAMPLES_FILE = "personas.yaml"


@dataclass(frozen=True)
class FileProblem:
    """One thing wrong with a persona file."""

    file: str
    line: int | None
    persona: str | None  # '"Maya Chen"' or '#3' (1-based position in the file)
    field: str | None  # dotted path inside the persona, e.g. 'pains[2]' or 'evidence[0].n'
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        parts = []
        if self.persona:
            parts.append(f"persona {self.persona}")
        if self.field:
            parts.append(f'field "{self.field}"')
        prefix = f"{where}: {', '.join(parts)}" if parts else where
        return f"{prefix}: {self.message}"


class PersonaFileError(ValueError):
    """A persona file cannot be imported. `problems` lists every problem found (in file
    order); `str(error)` is one line per problem, ready to print."""

    def __init__(self, problems: Sequence[FileProblem]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    @property
    def first(self) -> FileProblem:
        return self.problems[0]


# -- reading -------------------------------------------------------------------------------


def detect_format(name: str, text: str) -> str:
    """'yaml' or 'json': by extension, else by sniffing the first character."""
    suffix = Path(name).suffix.lower()
    if suffix in (".yaml", ".yml"):
        return "yaml"
    if suffix == ".json":
        return "json"
    return "json" if text.lstrip()[:1] in ("{", "[") else "yaml"


def load_file(path: str | Path) -> list[PersonaSpec]:
    """Read and validate a persona file. Raises PersonaFileError (or OSError if unreadable)."""
    path = Path(path)
    if path.suffix.lower() in (".md", ".markdown"):
        raise PersonaFileError(
            [FileProblem(str(path), None, None, None, "is Markdown, which is for reading only; "
                         "import a YAML or JSON file (`personas export --format yaml`)")]
        )  # fmt: skip
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise PersonaFileError(
            [FileProblem(str(path), None, None, None, f"is not UTF-8 text ({exc.reason})")]
        ) from None
    return loads(text, name=str(path))


def loads(text: str, *, name: str = "<text>", fmt: str | None = None) -> list[PersonaSpec]:
    """Parse and validate persona file content (fmt 'yaml' or 'json'; sniffed if None)."""
    fmt = fmt or detect_format(name, text)
    data = _parse(text, name, fmt)
    items, root_problem = _persona_items(data)
    if root_problem is not None:
        path, message = root_problem
        raise PersonaFileError([_locate(text, name, fmt, path, None, None, message)])
    specs: list[PersonaSpec] = []
    problems: list[FileProblem] = []
    first_by_slug: dict[str, int] = {}
    prefix, single = _items_path(data)
    for index, item in enumerate(items):
        label = _label(item, index)
        item_path = prefix if single else [*prefix, index]
        try:
            spec = PersonaSpec.from_dict(item)
        except SpecError as exc:
            problems.append(_spec_problem(text, name, fmt, item_path, label, exc))
            continue
        if spec.slug in first_by_slug:
            other = _label(items[first_by_slug[spec.slug]], first_by_slug[spec.slug])
            problems.append(
                _locate(
                    text,
                    name,
                    fmt,
                    [*item_path, "slug" if "slug" in item else "name"],
                    label,
                    "slug",
                    f"duplicate slug {spec.slug!r}: persona {other}"
                    " already uses it (give one of them its own `slug:`)",
                )
            )
            continue
        first_by_slug[spec.slug] = index
        specs.append(spec)
    if problems:
        raise PersonaFileError(problems)
    return specs


def _parse(text: str, name: str, fmt: str) -> Any:
    if fmt == "json":
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise PersonaFileError(
                [FileProblem(name, exc.lineno, None, None, f"JSON syntax error: {exc.msg}")]
            ) from None
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - a safe loader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        detail = " ".join(str(x) for x in (exc.context, exc.problem) if x)
        kind = (
            "YAML error"
            if isinstance(exc, yaml.constructor.ConstructorError)
            else "YAML syntax error"
        )
        raise PersonaFileError(
            [
                FileProblem(
                    name,
                    mark.line + 1 if mark else None,
                    None,
                    None,
                    f"{kind}: {detail}",
                )
            ]
        ) from None
    except yaml.YAMLError as exc:
        raise PersonaFileError(
            [FileProblem(name, None, None, None, f"YAML error: {exc}")]
        ) from None


def _items_path(data: Any) -> tuple[list[str | int], bool]:
    """Where the personas sit: (path prefix, True when the file is one persona mapping)."""
    if isinstance(data, dict) and "personas" in data:
        return ["personas"], False
    if isinstance(data, dict):
        return [], True
    return [], False


def _persona_items(data: Any) -> tuple[list[Any], tuple[list[str | int], str] | None]:
    """The persona mappings of a file in any accepted shape, or a problem at the root."""
    if data is None:
        return [], ([], "the file is empty; expected `personas:` followed by a list")
    if isinstance(data, list):
        return data, None
    if isinstance(data, dict):
        if "personas" in data:
            extra = sorted(str(k) for k in data if k != "personas")
            if extra:
                return [], ([extra[0]], "unknown top-level field (only `personas:` is allowed)")
            personas = data["personas"]
            if personas is None:
                return [], None
            if not isinstance(personas, list):
                return [], (["personas"], "expected a list of personas")
            return personas, None
        return [data], None
    return [], ([], "expected `personas:` followed by a list of personas")


def _label(item: Any, index: int) -> str:
    if isinstance(item, dict) and isinstance(item.get("name"), str) and item["name"].strip():
        return f'"{item["name"].strip()}"'
    return f"#{index + 1}"


def _spec_problem(
    text: str, name: str, fmt: str, item_path: list[str | int], label: str, exc: SpecError
) -> FileProblem:
    field = None if exc.field == "persona" else exc.field
    path = [*item_path, *_split_field(field)] if field else item_path
    unknown = exc.message.startswith("unknown field")
    return _locate(text, name, fmt, path, label, field, exc.message, key=unknown)


def _split_field(field: str) -> list[str | int]:
    """'evidence[0].n' -> ['evidence', 0, 'n']."""
    out: list[str | int] = []
    for part in field.split("."):
        head, *indexes = part.split("[")
        if head:
            out.append(head)
        out.extend(int(i.rstrip("]")) for i in indexes if i.rstrip("]").isdigit())
    return out


def _locate(
    text: str,
    name: str,
    fmt: str,
    path: list[str | int],
    persona: str | None,
    field: str | None,
    message: str,
    *,
    key: bool = False,
) -> FileProblem:
    return FileProblem(name, _line_of(text, path, key=key), persona, field, message)


def _line_of(text: str, path: list[str | int], *, key: bool = False) -> int | None:
    """1-based line of the node at `path` (of its key when `key`), walking as deep as it
    exists. JSON is (nearly) YAML, so one composer serves both."""
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError:
        return None
    if node is None:
        return None
    line = node.start_mark.line + 1
    for step in path:
        if isinstance(node, yaml.MappingNode) and isinstance(step, str):
            for k, v in node.value:
                if str(k.value) == step:
                    line = (k if key and step == path[-1] else v).start_mark.line + 1
                    node = v
                    break
            else:
                return line
        elif isinstance(node, yaml.SequenceNode) and isinstance(step, int):
            if step >= len(node.value):
                return line
            node = node.value[step]
            line = node.start_mark.line + 1
        else:
            return line
    return line


# -- writing -------------------------------------------------------------------------------


def _specs(personas: Iterable[PersonaSpec | PersonaView]) -> list[PersonaSpec]:
    return [spec_of(p) if isinstance(p, PersonaView) else p for p in personas]


def to_document(personas: Iterable[PersonaSpec | PersonaView]) -> dict[str, Any]:
    """The file document: {'personas': [...]} in file shape (what the JSON Schema describes)."""
    return {"personas": [spec.to_dict() for spec in _specs(personas)]}


def dump_yaml(personas: Iterable[PersonaSpec | PersonaView]) -> str:
    header = (
        "# Persona Bot personas. Edit, then: persona-bot personas import FILE\n"
        "# Format: see 'Persona file format' in the README.\n"
    )
    body = yaml.dump(
        to_document(personas),
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        width=100,
        default_flow_style=False,
    )
    return header + body


def dump_json(personas: Iterable[PersonaSpec | PersonaView]) -> str:
    return json.dumps(to_document(personas), indent=2, ensure_ascii=False) + "\n"


# -- samples -------------------------------------------------------------------------------


def sample_specs() -> list[PersonaSpec]:
    """The four sample personas shipped in the package."""
    resource = resources.files(SAMPLES_PACKAGE).joinpath(SAMPLES_FILE)
    return loads(resource.read_text(encoding="utf-8"), name=SAMPLES_FILE, fmt="yaml")


def load_samples_if_empty(store: Any, workspace_id: int) -> int:
    """Import the sample personas when the workspace has none; returns how many were loaded
    (0 when it already had personas, or another process loaded them at the same moment)."""
    if store.count(workspace_id):
        return 0
    specs = sample_specs()
    try:
        result = store.import_specs(workspace_id, specs, author="samples")
    except (IntegrityError, OperationalError):
        if store.count(workspace_id):  # a concurrent process imported them first
            return 0
        raise
    return len(result.created)


__all__ = [
    "FORMATS",
    "LINE_FIELDS",
    "FileProblem",
    "PersonaFileError",
    "detect_format",
    "dump_json",
    "dump_markdown",
    "dump_yaml",
    "load_file",
    "load_samples_if_empty",
    "loads",
    "sample_specs",
    "to_document",
]
