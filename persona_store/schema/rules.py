"""The persona-file JSON Schema (persona-file.schema.json, next to this module) enforced at
run time: what users validate their files with is what the import applies.

`schema_problems(persona)` validates one persona mapping against `$defs/persona` with
jsonschema and turns every error into a `FieldProblem` in the words the import has always
used ("must be a whole number of days from 1 to 3650, got 0", "did you mean goals?"): the
schema says what is valid, this module only says it kindly. The checks a schema cannot state
(a real calendar date, evidence pointing at an existing line, unique slugs in a file) live
with the persona spec and the file reader.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import date, datetime
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from persona_store.models import LINE_KINDS, OWNER_PLATFORMS
from persona_store.personas.spec_fields import FieldPath, FieldProblem, show, too_long, type_name
from persona_store.suggest import close_matches, did_you_mean

SCHEMA_FILE = "persona-file.schema.json"
# What a whole number counts, for its message.
UNITS = {"review_every_days": "days", "n": "people or data points"}
LIST_FIELDS = ("goals", "pains", "motivations", "behaviors", "objections", "channels", "owners",
               "says", "thinks", "feels", "does", "touchpoints", "questions", "buyer_of",
               "user_of")  # fmt: skip
DATE_FIELDS = ("last_reviewed", "date")
# persona -> journey (1) -> stage (2) -> pains (3) -> entry (4): text from here on
MAX_DEPTH = 4
OWNER_EXAMPLE = "should look like slack:U0123, teams:29:1abc or email:a@b.com"


@cache
def schema() -> dict[str, Any]:
    """The published persona-file schema (the file users get)."""
    text = resources.files(__package__).joinpath(SCHEMA_FILE).read_text(encoding="utf-8")
    document: dict[str, Any] = json.loads(text)
    Draft202012Validator.check_schema(document)
    return document


@cache
def _persona_validator() -> Draft202012Validator:
    return Draft202012Validator(_inline({"$ref": "#/$defs/persona"}, schema()["$defs"]))


def _inline(node: Any, defs: dict[str, Any]) -> Any:
    """The schema with every `$ref` to `$defs` replaced by the definition itself (the
    schema has no recursion): the same rules, validated three times faster."""
    if isinstance(node, list):
        return [_inline(item, defs) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _inline(value, defs) for key, value in node.items()}
    ref = node.pop("$ref", None)
    if ref is None:
        return node
    target = _inline(defs[ref.removeprefix("#/$defs/")], defs)
    if set(target) & set(node):  # both apply, as beside a $ref in JSON Schema 2020-12
        return {**node, "allOf": [target]}
    return {**target, **node}


def persona_schema() -> dict[str, Any]:
    """`$defs/persona`: the fields of a persona, their types, limits and choices."""
    return schema()["$defs"]["persona"]


def evidence_schema() -> dict[str, Any]:
    return schema()["$defs"]["evidence"]


def choices(field: str, *, evidence: bool = False) -> tuple[str, ...]:
    """The allowed values of an enum field (kind; evidence source)."""
    properties = (evidence_schema() if evidence else persona_schema())["properties"]
    return tuple(properties[field]["enum"])


def as_json(persona: dict[Any, Any]) -> dict[Any, Any]:
    """The persona as JSON would give it (YAML's unquoted dates become ISO text), and no
    deeper than a valid persona goes: a list or mapping where only text may be (below a
    list's entry, e.g. evidence[0].summary) is replaced by an empty one of its kind. It is
    wrong either way and is reported by its type, but nothing walks a deeply nested value."""

    def plain(value: Any, depth: int) -> Any:
        if isinstance(value, datetime | date):
            return value.isoformat()
        if isinstance(value, list):
            return [plain(v, depth + 1) for v in value] if depth < MAX_DEPTH else []
        if isinstance(value, dict):
            return {k: plain(v, depth + 1) for k, v in value.items()} if depth < MAX_DEPTH else {}
        return value

    return {key: plain(value, 1) for key, value in persona.items()}


def schema_problems(persona: dict[Any, Any]) -> list[FieldProblem]:
    """Every way the persona breaks the schema, one problem per field, in field order."""
    found: dict[tuple[FieldPath, bool], FieldProblem] = {}
    for error in _persona_validator().iter_errors(persona):
        for problem in _explain(error):
            found.setdefault((problem.path, problem.at_key), problem)
    order = list(persona_schema()["properties"]) + list(evidence_schema()["properties"])
    return sorted(found.values(), key=lambda p: (not p.at_key, *_rank(p.path, order)))


def _rank(path: FieldPath, order: list[str]) -> list[int]:
    return [step if isinstance(step, int) else order.index(step) if step in order else -1
            for step in path]  # fmt: skip


def _explain(error: ValidationError) -> Iterator[FieldProblem]:
    path: FieldPath = tuple(error.absolute_path)
    keyword, value = error.validator, error.instance
    if keyword == "additionalProperties":
        known = list(error.schema.get("properties", {}))
        for key in sorted(set(map(str, value)) - set(known)):
            hint = did_you_mean(key, known) or f" (known fields: {', '.join(sorted(known))})"
            yield FieldProblem((*path, key), f"unknown field{hint}", at_key=True)
        return
    if keyword == "required":
        evidence = bool(path) and path[0] == "evidence"
        for key in error.validator_value:
            if key not in value:
                yield FieldProblem((*path, key), "is required text" if evidence else "is required")
        return
    yield FieldProblem(*_message(path, keyword, value, error))


def _message(path: FieldPath, keyword: Any, value: Any, error: ValidationError) -> tuple:
    field = next((step for step in reversed(path) if isinstance(step, str)), "")
    item = bool(path) and isinstance(path[-1], int)
    if field == "evidence" and item:  # a whole evidence entry: a mapping or its summary
        if keyword == "type":
            return path, f"expected a mapping (summary: …) or text, got {type_name(value)}"
        field, path = "summary", (*path, "summary")
    if field == "journey" and item and keyword == "type":
        return path, f"expected a stage (stage: decision, pains: [...]), got {type_name(value)}"
    if field == "empathy" and keyword == "type":
        return path, f"expected a mapping (says: [...], feels: [...]), got {type_name(value)}"
    if (
        field in ("buyer_of", "user_of")
        and keyword == "pattern"
        or (item and len(path) > 1 and path[-2] in ("buyer_of", "user_of"))
    ):
        return path, _not_a_slug(value)
    if field in LIST_FIELDS and not item or field in ("evidence", "journey"):
        what = "a list" if field in ("evidence", "journey") else "a list of text"
        return path, f"expected {what}, got {type_name(value)}"
    if keyword == "maxLength":
        return path, too_long(value, error.validator_value)
    if field in UNITS:
        return path, _whole_number(field, value, error)
    if field in DATE_FIELDS:
        return path, f"expected a date like 2026-08-01, got {show(value)}"
    if keyword == "enum":
        allowed = error.validator_value
        hint = did_you_mean(value, allowed)
        return path, f"{show(value)} is not one of {', '.join(allowed)}{hint}"
    if field == "slug":
        return path, _not_a_slug(value)
    if field == "photo_url" and keyword == "pattern":
        return path, f"must be an http(s) URL, got {show(value)}"
    if field == "line":
        return path, _not_a_line_id(value)
    if field == "owners" and keyword == "pattern":
        return path, _not_an_owner(value)
    if field == "summary":
        return path, "is required text"
    if keyword == "type" and not (field == "name" and value is None):
        return path, f"expected text, got {type_name(value)}"
    return path, "is empty" if item else "is required"  # blank: minLength or pattern \S


def _whole_number(field: str, value: Any, error: ValidationError) -> str:
    low, high = error.schema.get("minimum"), error.schema.get("maximum")  # beside the type
    bounds = f" from {low} to {high}" if high is not None else ""
    return f"must be a whole number of {UNITS[field]}{bounds}, got {show(value)}"


def _not_a_slug(slug: Any) -> str:
    message = f"{show(slug)} is not a slug: use 1-63 lower-case letters, digits or dashes"
    if not isinstance(slug, str):
        return message + ", e.g. 'maya'"
    fixed = re.sub(r"[^a-z0-9]+", "-", slug.lower()).strip("-")[:63]
    pattern = persona_schema()["properties"]["slug"]["pattern"]
    return message + (f" (did you mean {fixed}?)" if re.match(pattern, fixed) else ", e.g. 'maya'")


def _not_a_line_id(ref: Any) -> str:
    if not isinstance(ref, str):
        return f"must be a profile line id like pain-2, got {show(ref)}"
    kind, _, number = ref.rpartition("-")
    close = close_matches(kind.rstrip("s"), LINE_KINDS, n=1)
    hint = f" (did you mean {close[0]}-{number}?)" if close and number else ""
    return f"{show(ref)} is not a profile line id like pain-2{hint}"


def _not_an_owner(owner: str) -> str:
    platform, _, user = owner.strip().partition(":")
    close = close_matches(platform, OWNER_PLATFORMS, n=1) if user else []
    hint = f" (did you mean {close[0]}:{user}?)" if close else ""
    return f"{show(owner.strip())} {OWNER_EXAMPLE}{hint}"
