"""Persona files without a database: parsing shapes, error messages with file, line, persona
and field, the JSON Schema, the sample personas and the exporters."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from persona_store.files import (
    PersonaFileError,
    detect_format,
    dump_json,
    dump_markdown,
    dump_yaml,
    load_file,
    loads,
    sample_specs,
)
from persona_store.spec import PersonaSpec


def _schema_validator() -> jsonschema.Draft202012Validator:
    text = resources.files("persona_store.schema").joinpath("persona-file.schema.json")
    schema = json.loads(text.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def _as_json(doc: Any) -> Any:
    """What the document is once written as JSON (YAML dates become ISO strings)."""
    return json.loads(json.dumps(doc, default=str))


def _error(tmp_path: Path, name: str, text: str) -> PersonaFileError:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PersonaFileError) as info:
        load_file(path)
    return info.value


# -- shapes --------------------------------------------------------------------------------


def test_accepts_personas_list_single_mapping_and_bare_list(tmp_path: Path) -> None:
    listed = loads("personas:\n  - name: Maya Chen\n    goals: [Ship fast]\n", name="a.yaml")
    single = loads("name: Maya Chen\ngoals: [Ship fast]\n", name="b.yaml")
    bare = loads('[{"name": "Maya Chen", "goals": ["Ship fast"]}]', name="c.json")
    assert listed == single == bare
    assert listed[0].slug == "maya" and listed[0].lines == {"goal": ("Ship fast",)}


def test_format_by_extension_or_sniffing() -> None:
    assert detect_format("x.yml", "{}") == "yaml"
    assert detect_format("x.JSON", "name: a") == "json"
    assert detect_format("personas", ' {"personas": []}') == "json"
    assert detect_format("personas", "personas: []") == "yaml"
    assert loads('{"name": "Ada"}', name="no-extension")[0].name == "Ada"


def test_empty_personas_list_is_fine_but_an_empty_file_is_not(tmp_path: Path) -> None:
    assert loads("personas: []\n", name="a.yaml") == []
    err = _error(tmp_path, "empty.yaml", "# nothing here\n")
    assert "empty.yaml" in str(err) and "empty" in err.first.message


# -- errors --------------------------------------------------------------------------------


def test_unknown_kind_names_file_line_persona_and_field(tmp_path: Path) -> None:
    err = _error(
        tmp_path,
        "personas.yaml",
        "personas:\n"
        "  - name: Bo Lind\n"
        "    pains: [Slow exports]\n"
        "  - name: Maya Chen\n"
        "    role: Ops\n"
        "    kind: primry\n",
    )
    assert str(err) == (
        'personas.yaml:6: persona "Maya Chen", field "kind": '
        "must be one of primary, secondary, negative, got 'primry'"
    ).replace("personas.yaml", str(tmp_path / "personas.yaml"))
    assert (err.first.line, err.first.persona, err.first.field) == (6, '"Maya Chen"', "kind")


def test_missing_name_is_reported_by_position(tmp_path: Path) -> None:
    err = _error(
        tmp_path, "p.yaml", "personas:\n  - name: Ada\n  - role: Nobody\n    kind: primary\n"
    )
    assert err.first.persona == "#2" and err.first.field == "name" and err.first.line == 3
    assert "is required" in str(err)


def test_duplicate_slug_in_file(tmp_path: Path) -> None:
    err = _error(
        tmp_path,
        "p.yaml",
        "personas:\n  - name: Maya Chen\n  - name: Ada\n  - name: Maya Ortiz\n",
    )
    assert err.first.line == 4 and err.first.field == "slug"
    assert "duplicate slug 'maya'" in str(err) and '"Maya Chen" already uses it' in str(err)


def test_wrong_type_points_at_the_value(tmp_path: Path) -> None:
    err = _error(
        tmp_path,
        "p.yaml",
        "personas:\n  - name: Maya Chen\n    goals: Be fast\n    pains: [ok]\n",
    )
    assert err.first.field == "goals" and err.first.line == 3
    assert "expected a list of text, got text" in str(err)


def test_nested_list_item_and_evidence_fields_have_their_own_lines(tmp_path: Path) -> None:
    err = _error(
        tmp_path,
        "p.yaml",
        "personas:\n"
        "  - name: Maya Chen\n"
        "    pains:\n"
        "      - ok\n"
        "      - [nested]\n"
        "  - name: Sam\n"
        "    evidence:\n"
        "      - summary: Survey\n"
        "        source: guess\n",
    )
    assert [(p.line, p.field) for p in err.problems] == [
        (5, "pains[1]"),
        (9, "evidence[0].source"),
    ]  # every bad persona is reported, in file order


def test_unknown_field_points_at_the_key(tmp_path: Path) -> None:
    err = _error(tmp_path, "p.yaml", "personas:\n  - name: Maya\n    goals: [a]\n    colour: red\n")
    assert err.first.line == 4 and err.first.field == "colour"
    assert "unknown field" in str(err)


def test_unknown_top_level_field(tmp_path: Path) -> None:
    err = _error(tmp_path, "p.yaml", "personas: []\nversion: 2\n")
    assert err.first.line == 2 and "unknown top-level field" in str(err)


def test_yaml_syntax_error_has_a_line(tmp_path: Path) -> None:
    err = _error(tmp_path, "p.yaml", "personas:\n  - name: A\n    goals: [a, b\n  - name: B\n")
    assert err.first.line == 4 and "YAML syntax error" in str(err)


def test_duplicate_yaml_key_is_an_error_not_a_silent_overwrite(tmp_path: Path) -> None:
    err = _error(tmp_path, "p.yaml", "personas:\n  - name: Maya\n    pains: [a]\n    pains: [b]\n")
    assert err.first.line == 4 and "duplicate key 'pains'" in str(err)


def test_json_syntax_error_has_a_line(tmp_path: Path) -> None:
    err = _error(
        tmp_path, "p.json", '{"personas": [\n  {"name": "A"},\n  {"name": "B" "kind": 1}\n]}'
    )
    assert err.first.line == 3 and "JSON syntax error" in str(err)


def test_json_field_errors_have_lines_too(tmp_path: Path) -> None:
    err = _error(
        tmp_path, "p.json", '{"personas": [\n  {"name": "A"},\n  {"name": "B",\n   "kind": 3}\n]}'
    )
    assert (err.first.line, err.first.persona, err.first.field) == (4, '"B"', "kind")


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_bytes(b"name: \xff\xfe\n")
    with pytest.raises(PersonaFileError, match="not UTF-8"):
        load_file(path)


def test_markdown_export_is_refused_with_what_to_do(tmp_path: Path) -> None:
    err = _error(tmp_path, "personas.md", "# Maya Chen\n\n- Goals `[goal-1]`\n")
    assert "Markdown" in str(err) and "--format yaml" in str(err)


# -- JSON Schema ---------------------------------------------------------------------------


def test_sample_file_and_exports_validate_against_the_schema() -> None:
    validator = _schema_validator()
    sample = resources.files("persona_store.samples").joinpath("personas.yaml").read_text()
    validator.validate(_as_json(yaml.safe_load(sample)))
    specs = sample_specs()
    validator.validate(json.loads(dump_json(specs)))
    validator.validate(_as_json(yaml.safe_load(dump_yaml(specs))))


@pytest.mark.parametrize(
    "doc",
    [
        {"personas": [{"kind": "primary"}]},  # no name
        {"personas": [{"name": "A", "kind": "primry"}]},
        {"personas": [{"name": "A", "goals": "Be fast"}]},
        {"personas": [{"name": "A", "colour": "red"}]},
        {"personas": [{"name": "A", "owners": ["bob"]}]},
        {"personas": [{"name": "A", "evidence": [{"summary": "x", "source": "guess"}]}]},
        {"personas": [{"name": "A", "evidence": [{"summary": "x", "n": -1}]}]},
        {"personas": [{"name": "A", "review_every_days": 0}]},
        {"personas": [{"name": "A", "slug": "Not A Slug"}]},
        {"personas": {"name": "A"}},
        {"personas": [], "version": 2},
    ],
)
def test_bad_documents_fail_the_schema_and_the_loader(doc: dict) -> None:
    assert not _schema_validator().is_valid(doc)
    with pytest.raises(PersonaFileError):
        loads(json.dumps(doc), name="bad.json")


def test_schema_accepts_every_shape_the_loader_accepts() -> None:
    validator = _schema_validator()
    for doc in ({"name": "Solo"}, [{"name": "Solo"}], {"personas": None}):
        assert validator.is_valid(doc), doc
        loads(json.dumps(doc), name="ok.json")


# -- samples and exporters -----------------------------------------------------------------


def test_four_sample_personas_with_one_negative() -> None:
    specs = sample_specs()
    assert len(specs) == 4
    assert sorted(s.kind for s in specs) == ["negative", "primary", "secondary", "secondary"]
    maya = next(s for s in specs if s.slug == "maya")
    assert maya.name == "Maya Chen" and maya.kind == "primary"
    text = " ".join(" ".join(v) for v in maya.lines.values()).lower()
    assert "free tier" in text and "onboarding" in text
    assert any(
        w in " ".join(maya.lines["pain"] + maya.lines["objection"]).lower()
        for w in ("price", "budget", "expensive")
    )
    for spec in specs:
        assert spec.owners and spec.quote and spec.segment and spec.last_reviewed
        assert 2 <= len(spec.evidence) <= 4
        assert all(e.n and e.date for e in spec.evidence)
        assert all(len(spec.lines.get(k, ())) >= 3 for k in ("goal", "pain", "objection"))


def test_yaml_and_json_exports_load_back_to_the_same_specs() -> None:
    specs = sample_specs()
    assert loads(dump_yaml(specs), name="x.yaml") == specs
    assert loads(dump_json(specs), name="x.json") == specs


def test_markdown_is_a_one_pager_per_persona_with_escaped_text() -> None:
    spec = PersonaSpec.from_dict(
        {
            "name": "Maya *Chen*",
            "quote": "No <script> please",
            "goals": ["Go home on time"],
            "owners": ["slack:U1"],
            "last_reviewed": "2026-08-01",
            "evidence": [
                {"summary": "12 of 15", "source": "interview", "n": 15, "date": "2026-07-10"}
            ],
        }
    )
    md = dump_markdown([spec, *sample_specs()])
    assert md.count("\n# ") + md.startswith("# ") == 5
    assert "# Maya \\*Chen\\*" in md and "\\<script\\>" in md
    assert "## Goals" in md and "- Go home on time" in md
    assert "Owners: slack:U1" in md and "Last reviewed: 2026-08-01" in md
    assert "Next review due: 2026-10-30" in md
    assert "12 of 15 (interview, n=15, 2026-07-10)" in md
