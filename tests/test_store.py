"""Store behaviour on SQLite and PostgreSQL (the `store` fixture runs every test on both):
upsert and revisions, lookup with did-you-mean, stable citation keys, evidence links,
workspace isolation."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from persona_store import Store
from persona_store.personas.spec import EvidenceSpec, PersonaSpec
from persona_store.store import spec_of


def spec(**data: object) -> PersonaSpec:
    return PersonaSpec.from_dict({"name": "Maya Chen", **data})


def keys(store: Store, ws: int, slug: str, kind: str) -> dict[str, str]:
    view = store.get(ws, slug)
    assert view is not None
    return {line.text: line.key for line in view.lines_of(kind)}


# -- upsert and revisions ------------------------------------------------------------------


def test_upsert_creates_then_no_op_then_updates_with_revisions(store: Store) -> None:
    ws = store.default_workspace_id()
    view, outcome = store.upsert(ws, spec(pains=["Price"], owners=["slack:U1"]), author="a")
    assert outcome == "created" and view.version == 1 and view.slug == "maya"
    assert view.last_reviewed_at is not None  # a new persona counts as reviewed now
    assert [r.version for r in store.revisions(ws, "maya")] == [1]

    again, outcome = store.upsert(ws, spec(pains=["Price"], owners=["slack:U1"]), author="b")
    assert outcome == "unchanged" and again.version == 1
    assert len(store.revisions(ws, "maya")) == 1  # no revision for a no-op

    changed, outcome = store.upsert(ws, spec(pains=["Price", "Onboarding"]), author="carol")
    assert outcome == "updated" and changed.version == 2
    revs = store.revisions(ws, "maya")
    assert [(r.version, r.author) for r in revs] == [(1, "a"), (2, "carol")]
    assert revs[-1].snapshot["pains"] == ["Price", "Onboarding"]
    assert "owners" not in revs[-1].snapshot  # owners removed by the new spec
    assert revs[-1].snapshot == spec_of(changed).to_dict()


def test_last_reviewed_from_file_wins_and_is_kept_when_omitted(store: Store) -> None:
    ws = store.default_workspace_id()
    store.upsert(ws, spec(last_reviewed="2026-08-01"), author="a")
    view, outcome = store.upsert(ws, spec(), author="a")  # no date in the file: keep it
    assert outcome == "unchanged"
    assert view.last_reviewed_at == datetime(2026, 8, 1, tzinfo=UTC)


def test_mark_reviewed_set_owners_and_add_evidence_write_revisions(store: Store) -> None:
    ws = store.default_workspace_id()
    store.upsert(ws, spec(pains=["Price", "Onboarding"]), author="a")
    at = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
    assert store.mark_reviewed(ws, "maya", author="r", at=at).last_reviewed_at == at
    view = store.set_owners(ws, "maya", ["slack:U9", "email:x@example.com"], author="o")
    assert [o.ref for o in view.owners] == ["slack:U9", "email:x@example.com"]
    view = store.add_evidence(
        ws,
        "maya",
        EvidenceSpec(summary="Price still #1", source="survey", n=14, line="pain-1"),
        author="survey",
        details={"counts": [9, 5]},
    )
    (e,) = view.evidence
    assert (e.n, e.line_key, e.details) == (14, "pain-1", {"counts": [9, 5]})
    assert isinstance(e.collected_at, date)
    assert [r.version for r in store.revisions(ws, "maya")] == [1, 2, 3, 4]
    assert view.version == 4


# -- lookup --------------------------------------------------------------------------------


@pytest.fixture
def team(store: Store) -> int:
    ws = store.default_workspace_id()
    for name in ("Maya Chen", "Sam Okafor", "Sara Lind", "Priya Raman"):
        store.upsert(ws, PersonaSpec.from_dict({"name": name}), author="t")
    return ws


@pytest.mark.parametrize("query", ["maya", "Maya Chen", "MAYA", "  maya chen ", "@maya?", "may"])
def test_lookup_by_slug_name_first_name_or_unique_prefix(
    store: Store, team: int, query: str
) -> None:
    found = store.lookup(team, query)
    assert found.persona is not None and found.persona.name == "Maya Chen"


def test_lookup_did_you_mean(store: Store, team: int) -> None:
    found = store.lookup(team, "Mya")
    assert found.persona is None and found.suggestions[0] == "Maya Chen"
    assert store.lookup(team, "Zebedee").suggestions == ()


def test_lookup_ambiguous_prefix(store: Store, team: int) -> None:
    found = store.lookup(team, "sa")
    assert found.persona is None and found.ambiguous == ("Sam Okafor", "Sara Lind")
    assert store.lookup(team, "sam").persona.name == "Sam Okafor"  # type: ignore[union-attr]


# -- citation keys -------------------------------------------------------------------------


def test_citation_keys_are_stable_across_edits_and_reorders(store: Store) -> None:
    ws = store.default_workspace_id()
    store.upsert(ws, spec(pains=["Price", "Onboarding", "Support"]), author="a")
    assert keys(store, ws, "maya", "pain") == {
        "Price": "pain-1",
        "Onboarding": "pain-2",
        "Support": "pain-3",
    }
    # drop the first, reorder, add a new one: survivors keep their keys, the new key is fresh
    store.upsert(ws, spec(pains=["Support", "Onboarding", "Data entry"]), author="a")
    assert keys(store, ws, "maya", "pain") == {
        "Support": "pain-3",
        "Onboarding": "pain-2",
        "Data entry": "pain-4",
    }
    view = store.get(ws, "maya")
    assert [line.text for line in view.lines_of("pain")] == ["Support", "Onboarding", "Data entry"]  # type: ignore[union-attr]


def test_file_evidence_points_at_lines_by_position(store: Store) -> None:
    ws = store.default_workspace_id()
    store.upsert(ws, spec(pains=["Price", "Onboarding", "Support"]), author="a")
    store.upsert(
        ws,
        spec(
            pains=["Onboarding", "Support"],  # "Price" removed: Onboarding is now the 1st pain
            evidence=[{"summary": "12 of 15", "source": "interview", "line": "pain-1"}],
        ),
        author="a",
    )
    view = store.get(ws, "maya")
    assert view is not None and view.evidence[0].line_key == "pain-2"  # the stable key
    assert spec_of(view).evidence[0].line == "pain-1"  # the file form: position again


def test_evidence_details_survive_reimport(store: Store) -> None:
    ws = store.default_workspace_id()
    store.upsert(ws, spec(pains=["Price"]), author="a")
    view = store.add_evidence(
        ws,
        "maya",
        EvidenceSpec(summary="Survey", source="survey", n=3, date=date(2026, 9, 1)),
        author="bot",
        details={"survey_id": 7},
    )
    _, outcome = store.upsert(ws, spec_of(view), author="import")
    assert outcome == "unchanged"
    assert store.get(ws, "maya").evidence[0].details == {"survey_id": 7}  # type: ignore[union-attr]


# -- workspaces ----------------------------------------------------------------------------


def test_workspace_isolation_for_every_method(store: Store) -> None:
    a = store.workspace_id("slack", "T_A")  # the first Slack team shares the default
    b = store.workspace_id("slack", "T_B")  # a second team gets its own workspace
    assert a == store.default_workspace_id() and a != b
    assert store.workspace_id("slack", "T_B") == b  # stable
    store.upsert(a, spec(pains=["Price"]), author="a")

    assert store.count(b) == 0 and store.list_personas(b) == []
    assert store.get(b, "maya") is None
    assert store.lookup(b, "maya").persona is None and store.lookup(b, "mya").suggestions == ()
    assert store.revisions(b, "maya") == []
    with pytest.raises(KeyError):
        store.add_evidence(b, "maya", EvidenceSpec(summary="x"), author="b")
    with pytest.raises(KeyError):
        store.mark_reviewed(b, "maya", author="b")
    with pytest.raises(KeyError):
        store.set_owners(b, "maya", ["slack:U1"], author="b")

    # the same slug in B is a different persona; A is untouched
    view, outcome = store.upsert(b, spec(pains=["Other"]), author="b")
    assert outcome == "created" and view.workspace_id == b
    assert [line.text for line in store.get(a, "maya").lines] == ["Price"]  # type: ignore[union-attr]
    assert store.count(a) == 1 and store.count(b) == 1
    result = store.import_specs(b, [spec(pains=["Changed"])], author="b")
    assert result.updated == ("maya",)
    assert [r.version for r in store.revisions(a, "maya")] == [1]


def test_linked_platform_shares_a_workspace(store: Store) -> None:
    a = store.workspace_id("slack", "T_A")
    assert store.workspace_id("teams", "tenant-1") == a  # first tenant joins the default
    other = store.workspace_id("teams", "tenant-2")
    assert other != a
    store.link_workspace("teams", "tenant-2", a)
    assert store.workspace_id("teams", "tenant-2") == a
