"""Import and export through files on SQLite and PostgreSQL: all-or-nothing imports,
re-import by slug, round trips, samples."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
import yaml

from persona_store import Store
from persona_store.personas.files import (
    PersonaFileError,
    dump_json,
    dump_markdown,
    dump_yaml,
    load_file,
    load_samples_if_empty,
    loads,
    sample_specs,
)
from persona_store.personas.spec import PersonaSpec


def export(store: Store, ws: int, fmt: str = "yaml") -> str:
    dump = {"yaml": dump_yaml, "json": dump_json, "md": dump_markdown}[fmt]
    return dump(store.list_personas(ws))


def state(store: Store, ws: int) -> tuple[int, str, list[tuple[str, int]]]:
    """Everything an import could change: count, export, versions."""
    views = store.list_personas(ws)
    return len(views), export(store, ws, "json"), [(v.slug, v.version) for v in views]


def import_file(store: Store, ws: int, path: Path) -> None:
    store.import_specs(ws, load_file(path), author="test")


@pytest.fixture
def seeded(store: Store) -> int:
    ws = store.default_workspace_id()
    assert load_samples_if_empty(store, ws) == 4
    return ws


# -- all or nothing ------------------------------------------------------------------------

BAD_FILES = {
    "syntax.yaml": "personas:\n  - name: Ada\n    goals: [a, b\n",
    "kind.yaml": "personas:\n  - name: Ada Park\n  - name: Maya Chen\n    kind: primry\n",
    "noname.yaml": "personas:\n  - name: Ada Park\n  - role: Nobody\n",
    "dupslug.yaml": "personas:\n  - name: Ada Park\n  - name: Ada Lovelace\n",
    "type.yaml": "personas:\n  - name: Ada Park\n  - name: Maya Chen\n    goals: Be fast\n",
    "unknown.yaml": "personas:\n  - name: Maya Chen\n    colour: red\n",
    "syntax.json": '{"personas": [{"name": "Ada"},]}',
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_bad_file_changes_nothing(store: Store, seeded: int, tmp_path: Path, name: str) -> None:
    before = state(store, seeded)
    path = tmp_path / name
    path.write_text(BAD_FILES[name], encoding="utf-8")
    with pytest.raises(PersonaFileError) as info:
        import_file(store, seeded, path)
    assert str(path) in str(info.value) and info.value.first.line
    assert state(store, seeded) == before


DATA = Path(__file__).parent / "data"


def _thousand(mistake_at: int) -> list[dict]:
    docs = [
        {
            "name": f"Persona {i:04d}",
            "slug": f"p{i:04d}",
            "kind": ("primary", "secondary", "negative")[i % 3],
            "owners": [f"slack:U{i:06d}"],
            "pains": [f"Pain {j} of persona {i}" for j in range(3)],
            "evidence": [{"summary": f"Interviews {i}", "source": "interview", "line": "pain-2"}],
        }
        for i in range(1000)
    ]
    docs[mistake_at]["kind"] = "primry"
    return docs


@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_one_mistake_among_1000_valid_personas_writes_nothing(
    store: Store, seeded: int, tmp_path: Path, fmt: str
) -> None:
    before = state(store, seeded)
    doc = {"personas": _thousand(mistake_at=998)}
    text = json.dumps(doc, indent=2) if fmt == "json" else yaml.safe_dump(doc, sort_keys=False)
    path = tmp_path / f"personas.{fmt}"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PersonaFileError) as info:
        import_file(store, seeded, path)
    line = next(n for n, t in enumerate(text.splitlines(), 1) if "primry" in t)
    assert [(p.line, p.field, p.persona) for p in info.value.problems] == [
        (line, "personas[998].kind", "Persona 0998")
    ]
    assert state(store, seeded) == before
    # The same file without the mistake imports every persona: the mistake alone stopped it.
    path.write_text(text.replace("primry", "primary"), encoding="utf-8")
    import_file(store, seeded, path)
    assert store.count(seeded) == 1004


@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_a_file_with_many_problems_writes_nothing(store: Store, seeded: int, fmt: str) -> None:
    before = state(store, seeded)
    with pytest.raises(PersonaFileError) as info:
        import_file(store, seeded, DATA / f"many_problems.{fmt}")
    assert len(info.value.problems) == 20
    assert state(store, seeded) == before


def test_database_failure_mid_import_rolls_everything_back(store: Store, seeded: int) -> None:
    before = state(store, seeded)
    maya = next(s for s in sample_specs() if s.slug == "maya")
    changed = PersonaSpec.from_dict({**maya.to_dict(), "role": "Changed"})
    new = PersonaSpec.from_dict({"name": "Ada Park", "pains": ["Tabs"]})
    broken = PersonaSpec(name=None, slug="broken")  # type: ignore[arg-type]  # NOT NULL
    with pytest.raises(Exception):  # noqa: B017 - the driver's IntegrityError
        store.import_specs(seeded, [changed, new, broken], author="test")
    assert state(store, seeded) == before


def test_duplicate_slug_given_to_the_store_is_refused(store: Store, seeded: int) -> None:
    before = state(store, seeded)
    twice = [PersonaSpec.from_dict({"name": "Ada"}), PersonaSpec.from_dict({"name": "Ada Park"})]
    with pytest.raises(ValueError, match="duplicate slug 'ada'"):
        store.import_specs(seeded, twice, author="test")
    assert state(store, seeded) == before


# -- re-import -----------------------------------------------------------------------------


def test_reimport_updates_by_slug_and_writes_a_revision(store: Store, seeded: int) -> None:
    text = export(store, seeded).replace(
        "role: Operations manager at a 40-person logistics firm",
        "role: Head of operations at a 60-person logistics firm",
    )
    result = store.import_specs(seeded, loads(text, name="e.yaml"), author="cli:import")
    assert result.updated == ("maya",) and result.created == ()
    assert sorted(result.unchanged) == ["gordon", "priya", "sam"]
    maya = store.get(seeded, "maya")
    assert maya is not None and maya.version == 2 and maya.role.startswith("Head of operations")
    revs = store.revisions(seeded, "maya")
    assert (revs[-1].version, revs[-1].author, revs[-1].note) == (2, "cli:import", "import")
    assert [r.version for r in store.revisions(seeded, "sam")] == [1]


def test_reimport_keeps_citation_keys(store: Store, seeded: int) -> None:
    before = {line.text: line.key for line in store.get(seeded, "maya").lines}  # type: ignore[union-attr]
    specs = loads(export(store, seeded), name="e.yaml")
    assert store.import_specs(seeded, specs, author="t").unchanged == tuple(s.slug for s in specs)
    after = {line.text: line.key for line in store.get(seeded, "maya").lines}  # type: ignore[union-attr]
    assert after == before


# -- round trips ---------------------------------------------------------------------------


def _edit_so_keys_are_not_sequential(store: Store, ws: int) -> None:
    maya = next(s for s in loads(export(store, ws), name="e.yaml") if s.slug == "maya")
    data = maya.to_dict()
    data["pains"] = data["pains"][1:] + ["Drivers lose paper delivery notes"]
    for item in data["evidence"]:
        if item.get("line") == "pain-2":
            item["line"] = "pain-1"  # still the per-seat pricing line, now first
    store.upsert(ws, PersonaSpec.from_dict(data), author="t")


@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_export_import_into_a_fresh_store_round_trips(
    store: Store, seeded: int, tmp_path: Path, fmt: str
) -> None:
    _edit_so_keys_are_not_sequential(store, seeded)
    maya = store.get(seeded, "maya")
    assert maya is not None and maya.lines_of("pain")[0].key == "pain-2"
    first = export(store, seeded, fmt)
    path = tmp_path / f"personas.{fmt}"
    path.write_text(first, encoding="utf-8")

    fresh = store.workspace_id("slack", "T_FRESH_1")
    fresh = store.workspace_id("slack", "T_FRESH_2")  # a second team: an empty workspace
    assert fresh != seeded and store.count(fresh) == 0
    import_file(store, fresh, path)
    assert export(store, fresh, fmt) == first
    md = export(store, seeded, "md")  # ids as stored: the evidence cites the line shown
    price = next(line for line in maya.lines if line.text.startswith("Price increases"))
    assert f"`[{price.key}]`" in md and f"supports {price.key})" in md
    copy = store.get(fresh, "maya")
    assert copy is not None
    # the evidence still supports the same text, whatever the keys are called
    by_key = {line.key: line.text for line in copy.lines}
    orig = {line.key: line.text for line in maya.lines}
    assert [by_key.get(e.line_key or "") for e in copy.evidence] == [
        orig.get(e.line_key or "") for e in maya.evidence
    ]


def test_markdown_export_shows_citation_keys_and_review_info(store: Store, seeded: int) -> None:
    md = export(store, seeded, "md")
    assert md.count("\n---\n") == 3
    assert "# Maya Chen" in md and "**Kind:** negative" in md
    assert "`[pain-1]`" in md and "## Channels" in md
    assert "Owners: slack:U0MAYAOWNR" in md and "reviewed every 90 days" in md


# -- samples -------------------------------------------------------------------------------


def test_samples_load_only_into_an_empty_workspace(store: Store) -> None:
    ws = store.default_workspace_id()
    other = store.workspace_id("slack", "T1")
    other = store.workspace_id("slack", "T2")
    store.upsert(other, PersonaSpec.from_dict({"name": "Ada"}), author="t")
    assert load_samples_if_empty(store, other) == 0 and store.count(other) == 1
    assert load_samples_if_empty(store, ws) == 4
    assert load_samples_if_empty(store, ws) == 0
    assert {p.slug for p in store.list_personas(ws)} == {"maya", "sam", "priya", "gordon"}
    sam = store.get(ws, "sam")
    assert sam is not None and sam.owners and sam.evidence and sam.quote


def test_two_processes_loading_samples_at_once_load_them_once(store: Store) -> None:
    ws = store.default_workspace_id()
    loaded: list[int] = []
    start = threading.Barrier(2)

    def run() -> None:
        start.wait()
        loaded.append(load_samples_if_empty(store, ws))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(loaded) == [0, 4] and store.count(ws) == 4
