"""The persona-file JSON Schema users get (persona_store/schema/persona-file.schema.json) is
what the import enforces: one file, read at run time, so the two cannot drift."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from copy import deepcopy
from importlib import resources
from typing import Any

import jsonschema
import pytest

from persona_store.models import EVIDENCE_SOURCES, LINE_KINDS, OWNER_PLATFORMS, PERSONA_KINDS
from persona_store.personas.files import PersonaFileError, loads
from persona_store.personas.spec import ALL_LINE_KINDS, LINE_FIELDS, PersonaSpec, SpecError
from persona_store.schema import rules


def published() -> dict[str, Any]:
    text = resources.files("persona_store.schema").joinpath("persona-file.schema.json")
    return json.loads(text.read_text(encoding="utf-8"))


def accepted_by_import(doc: Any) -> bool:
    try:
        loads(json.dumps(doc), name="doc.json")
    except PersonaFileError:
        return False
    return True


def valid_by_schema(doc: Any) -> bool:
    return jsonschema.Draft202012Validator(published()).is_valid(doc)


def persona(**fields: Any) -> dict[str, Any]:
    return {"personas": [{"name": "Maya Chen", **fields}]}


# Documents at the edges of every rule: the schema and the import must agree on each.
EDGES = [
    persona(),
    {"name": "Solo"},
    [{"name": "Solo"}],
    {"personas": None},
    {"personas": []},
    {"personas": {"name": "A"}},
    {"personas": [], "version": 2},
    persona(name=None),
    persona(name=""),
    persona(name="   "),
    persona(name=42),
    persona(name=True),
    persona(name="x" * 200),
    persona(name="x" * 201),
    persona(slug=None),
    persona(slug="maya-2"),
    persona(slug="Maya"),
    persona(slug=""),
    persona(slug=7),
    persona(kind="negative"),
    persona(kind="primry"),
    persona(kind=None),
    persona(role=None),
    persona(role=3.5),
    persona(role=["a"]),
    persona(summary="s" * 4000),
    persona(summary="s" * 4001),
    persona(photo_url="https://example.com/p.png"),
    persona(photo_url=""),
    persona(photo_url=None),
    persona(photo_url="ftp://example.com/p.png"),
    persona(photo_url=5),
    persona(owners=["slack:U1", "teams:29:1abc", "email:a@b.com"]),
    persona(owners=None),
    persona(owners=[]),
    persona(owners=["slack:"]),
    persona(owners=["slak:U1"]),
    persona(owners=[""]),
    persona(owners=[7]),
    persona(owners="slack:U1"),
    persona(review_every_days=1),
    persona(review_every_days=3650),
    persona(review_every_days=0),
    persona(review_every_days=3651),
    persona(review_every_days=None),
    persona(review_every_days="90"),
    persona(review_every_days=True),
    persona(last_reviewed="2026-08-01"),
    persona(last_reviewed=""),
    persona(last_reviewed=None),
    persona(last_reviewed="last week"),
    persona(last_reviewed=20260801),
    persona(goals=["Ship on time", 42]),
    persona(goals=None),
    persona(goals="Ship on time"),
    persona(goals=[""]),
    persona(goals=["  "]),
    persona(goals=[["nested"]]),
    persona(goals=["g" * 2001]),
    persona(evidence=["12 of 15 named onboarding"]),
    persona(evidence=[""]),
    persona(evidence=[42]),
    persona(evidence=None),
    persona(evidence="x"),
    persona(evidence=[{"summary": "x", "source": "survey", "n": 15, "date": "2026-07-10"}]),
    persona(evidence=[{"summary": "x", "n": None, "date": None, "line": None}]),
    persona(evidence=[{"source": "survey"}]),
    persona(evidence=[{"summary": " "}]),
    persona(evidence=[{"summary": 5}]),
    persona(evidence=[{"summary": "x", "source": "guess"}]),
    persona(evidence=[{"summary": "x", "n": -1}]),
    persona(evidence=[{"summary": "x", "n": 2.5}]),
    persona(evidence=[{"summary": "x", "line": "pains-1"}]),
    persona(evidence=[{"summary": "x", "line": 1}]),
    persona(evidence=[{"summary": "x", "colour": "red"}]),
    persona(goals=["a"], evidence=[{"summary": "x", "line": "goal-1"}]),
    persona(colour="red"),
]

# What the schema cannot say, so only the import refuses it (each named in the schema's
# description): a date that does not exist, evidence pointing at a missing line, two
# personas of one file with one slug.
ONLY_THE_IMPORT_REFUSES = [
    persona(last_reviewed="2026-02-30"),
    persona(evidence=[{"summary": "x", "line": "pain-1"}]),
    {"personas": [{"name": "Maya Chen"}, {"name": "Maya Ortiz"}]},
]


@pytest.mark.parametrize("doc", EDGES, ids=range(len(EDGES)))
def test_schema_and_import_agree(doc: Any) -> None:
    assert valid_by_schema(doc) == accepted_by_import(doc)


@pytest.mark.parametrize("doc", ONLY_THE_IMPORT_REFUSES)
def test_what_only_the_import_checks_is_named_in_the_schema(doc: Any) -> None:
    assert valid_by_schema(doc) and not accepted_by_import(doc)
    description = published()["description"]
    assert "real calendar date" in description and "existing entry" in description
    assert "share a slug" in description


def test_the_import_reads_the_published_file() -> None:
    assert rules.schema() == published()


@pytest.fixture
def edited_schema(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """A copy of the published schema that the import will use, edited by the test."""
    schema = deepcopy(published())
    monkeypatch.setattr(rules, "schema", lambda: schema)
    rules._persona_validator.cache_clear()
    yield schema
    rules._persona_validator.cache_clear()


def test_changing_the_schema_changes_what_the_import_applies(
    edited_schema: dict[str, Any],
) -> None:
    """Nothing in the import repeats a rule of the schema: edit the schema, the import
    follows, messages included."""
    properties = edited_schema["$defs"]["persona"]["properties"]
    properties["name"]["maxLength"] = 10
    properties["kind"]["enum"] = ["primary", "secondary", "negative", "anti"]
    properties["review_every_days"]["maximum"] = 400
    properties["tags"] = {"type": "array"}
    with pytest.raises(SpecError, match="name: is 11 characters long; the limit is 10"):
        PersonaSpec.from_dict({"name": "Maya Chen 2"})
    assert PersonaSpec.from_dict({"name": "Maya", "kind": "anti"}).kind == "anti"
    with pytest.raises(SpecError, match="whole number of days from 1 to 400, got 500"):
        PersonaSpec.from_dict({"name": "Maya", "review_every_days": 500})
    with pytest.raises(SpecError, match=r"unknown field \(did you mean tags\?\)"):
        PersonaSpec.from_dict({"name": "Maya", "tag": []})


def test_the_store_s_constants_are_the_schema_s() -> None:
    persona_defs = published()["$defs"]["persona"]["properties"]
    evidence_defs = published()["$defs"]["evidence"]["properties"]
    assert tuple(persona_defs["kind"]["enum"]) == PERSONA_KINDS
    assert tuple(evidence_defs["source"]["enum"]) == EVIDENCE_SOURCES
    line = re.compile(evidence_defs["line"]["pattern"])
    # every kind of line, the empathy map's and the journey's too, and nothing else
    assert all(line.fullmatch(f"{kind}-2") for kind in ALL_LINE_KINDS)
    assert set(LINE_KINDS) < set(ALL_LINE_KINDS)
    for wrong in ("goals-1", "decision-1", "feel-1", "decision-touchpoints-1", "pain-x"):
        assert not line.fullmatch(wrong)
    platforms = re.search(r"\((.*)\):", persona_defs["owners"]["items"]["pattern"])
    assert platforms is not None and tuple(platforms.group(1).split("|")) == OWNER_PLATFORMS
    assert set(LINE_FIELDS) <= set(persona_defs)
    everything = PersonaSpec.from_dict(
        {"name": "Maya", "role": "r", "summary": "s", "photo_url": "https://x", "quote": "q",
         "segment": "g", "owners": ["slack:U1"], "last_reviewed": "2026-08-01",
         "home_channel": "slack:C1", **{k: ["x"] for k in LINE_FIELDS},
         "empathy": {k: ["x"] for k in ("says", "thinks", "feels", "does")},
         "journey": [{"stage": "decision", "goals": ["g"], "pains": ["p"],
                      "touchpoints": ["t"], "questions": ["q"]}],
         "buyer_of": ["sam"], "user_of": "lee",
         "evidence": [{"summary": "e", "n": 1, "date": "2026-08-01", "line": "goal-1",
                       "remove": True}]}
    )  # fmt: skip
    assert set(everything.to_dict()) == set(persona_defs)  # the export writes every field
    assert set(everything.to_dict()["evidence"][0]) == set(evidence_defs)
    stage_defs = published()["$defs"]["stage"]["properties"]
    assert set(everything.to_dict()["journey"][0]) == set(stage_defs)
    assert everything.to_dict()["user_of"] == ["lee"]


def test_a_deeply_nested_value_is_reported_by_its_type_not_walked() -> None:
    deep: list[Any] = []
    for _ in range(50_000):
        deep = [deep]
    doc = {"name": "A", "goals": deep, "quote": {"a": deep}, "colour": deep,
           "evidence": [{"summary": deep}], "kind": deep}  # fmt: skip
    with pytest.raises(SpecError) as info:
        PersonaSpec.from_dict(doc)
    known = ", ".join(sorted(rules.persona_schema()["properties"]))
    assert {p.field: p.message for p in info.value.problems} == {
        "colour": f"unknown field (known fields: {known})",
        "kind": "[[[[]]]] is not one of primary, secondary, negative",  # cut at MAX_DEPTH
        "quote": "expected text, got a mapping",
        "goals[0]": "expected text, got a list",
        "evidence[0].summary": "is required text",
    }  # fmt: skip
