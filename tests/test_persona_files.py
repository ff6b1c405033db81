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

from persona_store.personas.files import (
    PersonaFileError,
    detect_format,
    dump_json,
    dump_markdown,
    dump_yaml,
    load_file,
    loads,
    sample_specs,
)
from persona_store.personas.spec import PersonaSpec, SpecError
from tests.golden_util import assert_golden


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


def test_unknown_kind_names_file_line_field_path_and_persona(tmp_path: Path) -> None:
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
        "personas.yaml:6: personas[1].kind (Maya Chen): "
        "'primry' is not one of primary, secondary, negative (did you mean primary?)"
    ).replace("personas.yaml", str(tmp_path / "personas.yaml"))
    assert (err.first.line, err.first.persona, err.first.field) == (
        6,
        "Maya Chen",
        "personas[1].kind",
    )


def test_missing_name_is_reported_by_position(tmp_path: Path) -> None:
    err = _error(
        tmp_path, "p.yaml", "personas:\n  - name: Ada\n  - role: Nobody\n    kind: primary\n"
    )
    assert (err.first.line, err.first.field, err.first.persona) == (3, "personas[1].name", None)
    assert "is required" in str(err)


def test_duplicate_slug_in_file(tmp_path: Path) -> None:
    err = _error(
        tmp_path,
        "p.yaml",
        "personas:\n  - name: Maya Chen\n  - name: Ada\n  - name: Maya Ortiz\n    slug: ada\n",
    )
    assert [(p.line, p.field) for p in err.problems] == [(5, "personas[2].slug")]
    assert "slug 'ada' is already used by personas[1] (Ada)" in str(err)
    err = _error(
        tmp_path,
        "p.yaml",
        "personas:\n  - name: Maya Chen\n  - name: Ada\n  - name: Maya Ortiz\n",
    )
    assert (err.first.line, err.first.field) == (4, "personas[2].name")
    assert "gives the slug 'maya', already used by personas[0] (Maya Chen)" in str(err)


def test_wrong_type_points_at_the_value(tmp_path: Path) -> None:
    err = _error(
        tmp_path,
        "p.yaml",
        "personas:\n  - name: Maya Chen\n    goals: Be fast\n    pains: [ok]\n",
    )
    assert (err.first.field, err.first.line) == ("personas[0].goals", 3)
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
        (5, "personas[0].pains[1]"),
        (9, "personas[1].evidence[0].source"),
    ]  # every bad persona is reported, in file order


def test_unknown_field_points_at_the_key_and_suggests(tmp_path: Path) -> None:
    err = _error(tmp_path, "p.yaml", "personas:\n  - name: Maya\n    goal: [a]\n    colour: red\n")
    assert [(p.line, p.field) for p in err.problems] == [
        (3, "personas[0].goal"),
        (4, "personas[0].colour"),
    ]
    assert err.problems[0].message == "unknown field (did you mean goals?)"
    assert err.problems[1].message.startswith("unknown field (known fields: behaviors, ")


DATA = Path(__file__).parent / "data"

# (line in the YAML file, line in the JSON file, field, start of the message)
MANY_PROBLEMS = [
    (5, 5, "personas[0].kind", "'primry' is not one of primary, secondary, negative (did you"),
    (7, 7, "personas[0].goal", "unknown field (did you mean goals?)"),
    (10, 10, "personas[0].pains[1]", "expected text, got a list"),
    (11, 12, "personas[0].owners[1]", "'slak:U0456' should look like slack:U0123"),
    (12, 13, "personas[0].review_every_days", "must be a whole number of days from 1 to 3650"),
    (13, 14, "personas[0].last_reviewed", "expected a date like 2026-08-01, got '2026-13-01'"),
    (14, 16, "personas[1].name", "is required"),
    (15, 18, "personas[1].slug", "'No Slug' is not a slug"),
    (16, 19, "personas[1].quote", "expected text, got a mapping"),
    (18, 23, "personas[2].segment", "is 232 characters long; the limit is 200"),
    (19, 24, "personas[2].objections", "expected a list of text, got text"),
    (20, 25, "personas[2].photo_url", "must be an http(s) URL"),
    (23, 29, "personas[2].evidence[0].source", "'interveiw' is not one of survey, interview"),
    (24, 30, "personas[2].evidence[0].n", "must be a whole number of people or data points"),
    (25, 31, "personas[2].evidence[0].date", "expected a date like 2026-08-01, got 'last week'"),
    (26, 32, "personas[2].evidence[0].line", "'pain-1' is not a line of this persona"),
    (27, 34, "personas[2].evidence[1]", "expected a mapping (summary: …) or text, got a number"),
    (28, 38, "personas[3].name", "gives the slug 'maya', already used by personas[0] (Maya Chen)"),
    (30, 40, "personas[3].pains", "duplicate key 'pains': only one "),
    (31, 43, "version", "unknown top-level field (only `personas:` is allowed here)"),
]  # fmt: skip


@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_every_problem_in_every_persona_is_reported_with_its_line(fmt: str) -> None:
    with pytest.raises(PersonaFileError) as info:
        load_file(DATA / f"many_problems.{fmt}")
    problems = info.value.problems
    got = [(p.line, p.field) for p in problems]
    assert got == [(y if fmt == "yaml" else j, f) for y, j, f, _ in MANY_PROBLEMS]
    for problem, (*_, message) in zip(problems, MANY_PROBLEMS, strict=True):
        assert problem.message.startswith(message), problem
    assert {p.persona for p in problems} == {"Maya Chen", "Sam Ortiz", "Maya Ortiz", None}


def test_the_report_reads_well() -> None:
    text = (DATA / "many_problems.yaml").read_text(encoding="utf-8")
    with pytest.raises(PersonaFileError) as info:
        loads(text, name="many_problems.yaml")
    assert_golden("files/many_problems.txt", info.value.explain() + "\n")


def test_the_report_is_capped_and_says_how_many_more() -> None:
    text = "personas:\n" + "".join(
        f"  - name: Persona {i}\n    slug: p{i}\n    kind: k{i}\n" for i in range(120)
    )
    with pytest.raises(PersonaFileError) as info:
        loads(text, name="p.yaml")
    err = info.value
    assert len(err.problems) == 120
    assert [p.line for p in err.problems] == [4 + 3 * i for i in range(120)]
    lines = str(err).splitlines()
    assert len(lines) == 51 and lines[-1] == "… and 70 more problems"
    assert lines[49].startswith("p.yaml:151: personas[49].kind (Persona 49): 'k49'")
    assert err.explain().startswith(
        "Cannot import p.yaml: 120 problems, so nothing was changed.\n  p.yaml:4: "
    )
    assert err.report(limit=5).splitlines()[-1] == "… and 115 more problems"
    one = err.report(limit=119).splitlines()
    assert len(one) == 120 and one[-1] == "… and 1 more problem"


def test_an_impossible_yaml_date_is_a_problem_not_a_crash() -> None:
    with pytest.raises(PersonaFileError) as info:
        loads("name: Ada\nlast_reviewed: 2026-02-30\n", name="p.yaml")
    assert str(info.value) == (
        "p.yaml:2: last_reviewed (Ada): expected a date like 2026-08-01, got '2026-02-30'"
    )


def test_evidence_must_point_at_a_line_of_the_file_but_edits_may_drop_lines() -> None:
    doc = {"name": "Ada", "pains": ["Tabs"], "evidence": [{"summary": "x", "line": "pain-2"}]}
    with pytest.raises(PersonaFileError) as info:
        loads(json.dumps(doc), name="p.json")
    assert info.value.first.field == "evidence[0].line"
    assert "'pain-2' is not a line of this persona, which has one pain (pain-1)" in str(info.value)
    doc["evidence"] = [{"summary": "x", "line": "pains-1"}]
    with pytest.raises(PersonaFileError, match=r"not a profile line id .*did you mean pain-1\?"):
        loads(json.dumps(doc), name="p.json")
    # An edit (Slack modal) may remove the line evidence pointed at: the link is dropped.
    doc["evidence"] = [{"summary": "x", "line": "pain-2"}]
    assert PersonaSpec.from_dict(doc).evidence[0].line == "pain-2"


def test_from_dict_raises_every_problem_of_the_persona() -> None:
    with pytest.raises(SpecError) as info:
        PersonaSpec.from_dict({"kind": "negativ", "owners": ["teams"], "colour": "red"})
    err = info.value
    assert [p.field for p in err.problems] == ["colour", "name", "kind", "owners[0]"]
    assert (err.field, err.message) == ("colour", err.problems[0].message)  # what edits show
    assert "(did you mean negative?)" in str(err)
    with pytest.raises(SpecError, match="name: is required"):
        PersonaSpec.from_dict({"name": "   "})  # blank is missing, not a persona called ''


def test_json_with_escaped_emoji_still_has_lines() -> None:
    text = '{"personas": [\n  {"name": "Zo\\u00eb \\ud83d\\ude00",\n   "kind": "main"}\n]}'
    with pytest.raises(PersonaFileError) as info:
        loads(text, name="p.json")
    assert (info.value.first.line, info.value.first.persona) == (3, "Zoë 😀")


def test_personas_misspelt_at_the_top_is_named_and_its_personas_still_checked() -> None:
    with pytest.raises(PersonaFileError) as info:
        loads("persona:\n  - name: Ada\n    kind: main\n", name="p.yaml")
    assert [str(p) for p in info.value.problems] == [
        "p.yaml:1: persona: unknown top-level field (did you mean personas?)",
        "p.yaml:3: persona[0].kind (Ada): 'main' is not one of primary, secondary, negative",
    ]


def test_unknown_top_level_field(tmp_path: Path) -> None:
    err = _error(tmp_path, "p.yaml", "personas: []\nversion: 2\n")
    assert err.first.line == 2 and "unknown top-level field" in str(err)


def test_yaml_syntax_error_has_a_line(tmp_path: Path) -> None:
    err = _error(tmp_path, "p.yaml", "personas:\n  - name: A\n    goals: [a, b\n  - name: B\n")
    assert err.first.line == 4 and "YAML syntax error" in str(err)


def test_duplicate_keys_are_errors_not_silent_overwrites(tmp_path: Path) -> None:
    err = _error(
        tmp_path,
        "p.yaml",
        "personas:\n  - name: Maya\n    pains: [a]\n    pains: [b]\n    kind: nope\n",
    )
    assert [(p.line, p.field) for p in err.problems] == [
        (4, "personas[0].pains"),
        (5, "personas[0].kind"),  # and the rest of the file is still checked
    ]
    assert "duplicate key 'pains'" in str(err)
    err = _error(tmp_path, "p.json", '{"name": "Maya",\n "pains": ["a"],\n "pains": ["b"]}')
    assert (err.first.line, err.first.field) == (3, "pains")
    assert "duplicate key 'pains'" in str(err)


def test_json_syntax_error_has_a_line(tmp_path: Path) -> None:
    err = _error(
        tmp_path, "p.json", '{"personas": [\n  {"name": "A"},\n  {"name": "B" "kind": 1}\n]}'
    )
    assert err.first.line == 3 and "JSON syntax error" in str(err)


def test_json_field_errors_have_lines_too(tmp_path: Path) -> None:
    err = _error(
        tmp_path, "p.json", '{"personas": [\n  {"name": "A"},\n  {"name": "B",\n   "kind": 3}\n]}'
    )
    assert (err.first.line, err.first.persona, err.first.field) == (4, "B", "personas[1].kind")


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
