"""Persona files: read YAML/JSON into validated `PersonaSpec`s, write YAML/JSON/Markdown.

Reading is all-or-nothing: `load_file` either returns every persona of the file or raises
`PersonaFileError` listing every problem of the file (every persona, every field, duplicate
slugs and keys), each with its line and field path, sorted by line. Line numbers come from
YAML's node marks (JSON is parsed as YAML for that purpose), composed once and only when
there is a problem, so valid files parse at C speed. Validation itself is
`persona_store.personas.spec.check_persona`, the same for YAML and JSON.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy.exc import IntegrityError, OperationalError

from persona_store.personas.convert import spec_of
from persona_store.personas.file_limits import (
    check_depth,
    check_yaml_graph,
    number_too_long,
    read_capped,
    refuse,
    too_deep,
)
from persona_store.personas.file_problems import (
    REPORT_LIMIT,
    FileProblem,
    PersonaFileError,
    compose,
    duplicate_keys,
    line_of,
)
from persona_store.personas.markdown import dump_markdown
from persona_store.personas.spec import LINE_FIELDS, MAX_NAME, PersonaSpec, check_persona
from persona_store.personas.spec_fields import FieldPath, format_path, type_name
from persona_store.personas.views import PersonaView
from persona_store.suggest import close_matches

try:  # libyaml when available: much faster on big files
    _BaseLoader: type = yaml.CSafeLoader
    _Dumper: type = yaml.CSafeDumper
except AttributeError:  # pragma: no cover - pure-Python PyYAML
    _BaseLoader = yaml.SafeLoader
    _Dumper = yaml.SafeDumper

_LABEL_LIMIT = 40


class _Loader(_BaseLoader):  # type: ignore[misc, valid-type]
    """Safe loader that notices duplicate keys (YAML would silently keep only the last
    `pains:` of a persona; they are reported with the other problems) and keeps an
    impossible date such as 2026-13-01 as text for the validator to report."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.duplicate_keys = False

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if isinstance(key, str | int):
                if key in seen:
                    self.duplicate_keys = True
                seen.add(key)
        return super().construct_mapping(node, deep=deep)

    def construct_yaml_timestamp(self, node: yaml.ScalarNode) -> Any:
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError:
            return self.construct_scalar(node)


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_yaml_timestamp)


FORMATS = ("yaml", "json")
SAMPLES_PACKAGE = "persona_store.samples"
SAMPLES_FILE = "personas.yaml"


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
            [FileProblem(str(path), None, "", "is Markdown, which is for reading only; "
                         "import a YAML or JSON file (`personas export --format yaml`)")]
        )  # fmt: skip
    with path.open("rb") as stream:
        raw = read_capped(stream, str(path))
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise PersonaFileError(
            [FileProblem(str(path), None, "", f"is not UTF-8 text ({exc.reason})")]
        ) from None
    return loads(text, name=str(path))


@dataclass(frozen=True)
class _Shape:
    """Where the personas sit in the document: under `prefix` as a list, or (not `listed`)
    the document is one persona mapping."""

    prefix: FieldPath = ("personas",)
    listed: bool = True

    def path(self, index: int) -> FieldPath:
        return (*self.prefix, index) if self.listed else self.prefix

    def index(self, path: FieldPath) -> int | None:
        """Which persona a path inside the document belongs to."""
        n = len(self.prefix)
        if not self.listed:
            return 0
        inside = len(path) > n and path[:n] == self.prefix and isinstance(path[n], int)
        return int(path[n]) if inside else None


class _Found:
    """Problems found so far, each located by its path in the document."""

    def __init__(self, shape: _Shape = _Shape()) -> None:
        self.shape = shape
        self.labels: list[str | None] = []  # persona names, by position
        self.items: list[tuple[FieldPath, str, bool]] = []  # path, message, at key

    def add(self, path: FieldPath, message: str, *, key: bool = False) -> None:
        self.items.append((path, message, key))

    def persona(self, path: FieldPath) -> str | None:
        index = self.shape.index(path)
        return self.labels[index] if index is not None and index < len(self.labels) else None

    def named(self, index: int) -> str:
        """'personas[0] (Maya Chen)': a persona as another problem refers to it."""
        label = self.labels[index]
        where = format_path(self.shape.path(index)) or "the persona"
        return f"{where} ({label})" if label else where


def loads(text: str, *, name: str = "<text>", fmt: str | None = None) -> list[PersonaSpec]:
    """Parse and validate persona file content (fmt 'yaml' or 'json'; sniffed if None)."""
    fmt = fmt or detect_format(name, text)
    data, repeated_keys = _parse(text, name, fmt)
    found = _Found()
    items = _persona_items(data, found)
    found.labels = [_label(item) for item in items]
    specs: list[PersonaSpec] = []
    first_by_slug: dict[str, int] = {}
    for index, item in enumerate(items):
        where = found.shape.path(index)
        checked = check_persona(item, check_refs=True)
        for p in checked.problems:
            found.add((*where, *p.path), p.message, key=p.at_key)
        if checked.spec is not None:
            specs.append(checked.spec)
        slug = checked.slug
        if slug is None:
            continue
        other = first_by_slug.setdefault(slug, index)
        if other != index:
            own = "slug" in item
            said = f"slug {slug!r} is" if own else f"gives the slug {slug!r},"
            found.add(
                (*where, "slug" if own else "name"),
                f"{said} already used by {found.named(other)}; give one of them its own `slug:`",
            )
    if found.items or repeated_keys:
        raise PersonaFileError(_locate(text, name, fmt, found, repeated_keys))
    return specs


def _parse(text: str, name: str, fmt: str) -> tuple[Any, bool]:
    """The document and whether it has a key twice in one mapping. A syntax error is the
    one problem reported: nothing after it can be read reliably."""
    if fmt == "json":
        duplicates: list[bool] = []

        def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
            mapping = dict(items)
            if len(mapping) != len(items):
                duplicates.append(True)
            return mapping

        try:
            data = json.loads(text, object_pairs_hook=pairs)
        except json.JSONDecodeError as exc:
            raise PersonaFileError(
                [FileProblem(name, exc.lineno, "", f"JSON syntax error: {exc.msg}")]
            ) from None
        except RecursionError:
            raise too_deep(name) from None
        except ValueError as exc:
            raise _bad_value(name, exc) from None
        check_depth(data, name)
        return data, bool(duplicates)
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, False
        check_yaml_graph(node, name)  # before any object is built from it
        return loader.construct_document(node), loader.duplicate_keys
    except PersonaFileError:  # a ValueError too: our own limits, as they are
        raise
    except ValueError as exc:  # not YAMLError: a number past Python's digit limit
        raise _bad_value(name, exc) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        detail = " ".join(str(x) for x in (exc.context, exc.problem) if x)
        constructor = isinstance(exc, yaml.constructor.ConstructorError)
        kind = "YAML error" if constructor else "YAML syntax error"
        line = mark.line + 1 if mark else None
        raise PersonaFileError([FileProblem(name, line, "", f"{kind}: {detail}")]) from None
    except yaml.YAMLError as exc:
        raise PersonaFileError([FileProblem(name, None, "", f"YAML error: {exc}")]) from None
    finally:
        loader.dispose()


def _bad_value(name: str, exc: ValueError) -> PersonaFileError:
    if number_too_long(exc):
        return refuse(name, "has a number that is too long (at most 4,300 digits)")
    return refuse(name, f"cannot be read: {str(exc)[:200]}")


def _persona_items(data: Any, found: _Found) -> list[Any]:
    """The persona mappings of a file in any accepted shape (setting `found.shape`);
    problems with the shape itself go to `found`."""
    if data is None:
        found.add((), "the file is empty; expected `personas:` followed by a list")
        return []
    if isinstance(data, list):
        found.shape = _Shape((), listed=True)
        return data
    if not isinstance(data, dict):
        found.add((), f"expected `personas:` followed by a list, got {type_name(data)}")
        return []
    key = "personas"
    if key not in data:
        typo = [
            k
            for k, v in data.items()
            if isinstance(k, str) and isinstance(v, list) and close_matches(k, [key], n=1)
        ]
        if not typo or "name" in data:
            found.shape = _Shape((), listed=False)
            return [data]
        key = typo[0]  # `persona:` for `personas:`: say so, and still check what it holds
    for other in sorted(str(k) for k in data if k != "personas"):
        hint = "did you mean personas?" if other == key else "only `personas:` is allowed here"
        found.add((other,), f"unknown top-level field ({hint})", key=True)
    found.shape = _Shape((key,))
    personas = data[key]
    if personas is None:
        return []
    if not isinstance(personas, list):
        found.add(
            (key,),
            "expected a list of personas (each starting with `- name:`), "
            f"got {type_name(personas)}",
        )
        return []
    return personas


def _label(item: Any) -> str | None:
    """The persona's name for messages, when it has a usable one."""
    name = item.get("name") if isinstance(item, dict) else None
    if not isinstance(name, str) or not name.strip() or len(name) > MAX_NAME:
        return None
    name = " ".join(name.split())
    return name if len(name) <= _LABEL_LIMIT else name[: _LABEL_LIMIT - 1] + "…"


def _locate(
    text: str, name: str, fmt: str, found: _Found, repeated_keys: bool
) -> list[FileProblem]:
    """Every problem with its line (one compose of the document for all), sorted by line."""
    root = compose(text, fmt, _Loader)
    if repeated_keys and root is not None:
        for path, key in duplicate_keys(root, ()):
            once = f'one "{key}"' if fmt == "json" else f"one `{key}:`"
            message = f"duplicate key {key!r}: only {once} is allowed here"
            found.add(path, message, key=True)
    problems = [
        FileProblem(
            name, line_of(root, path, key=key), format_path(path), message, found.persona(path)
        )
        for path, message, key in found.items
    ]
    if not problems:  # the parser saw a repeated key that the composer could not place
        problems.append(FileProblem(name, None, "", "a key is given twice in one mapping"))
    return sorted(problems, key=lambda p: p.line or 0)


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
    "REPORT_LIMIT",
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
