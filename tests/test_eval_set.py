"""The evaluation set's own invariants (tests/eval): sizes and category counts that issue 9
asks for, every cited id exists in its persona (as the store keys it), phrasing groups, the
paraphrase rule, and that the personas import through the real store."""

from __future__ import annotations

from collections import Counter, defaultdict

from persona_store import Store
from tests.eval.dataset import EXPECTS, citable_text, load_cases, load_specs
from tests.eval.wording import shared_content_words

TRAIN = load_cases("train")
TEST = load_cases("test")
ALL = TRAIN + TEST
SPECS = {spec.slug: spec for spec in load_specs()}


def _tagged(tag: str, cases=ALL) -> list:  # type: ignore[no-untyped-def]
    return [c for c in cases if c.has(tag)]


def test_sizes_and_split() -> None:
    assert len(ALL) >= 200
    assert len({c.id for c in ALL}) == len(ALL), "case ids are unique across both splits"
    share = len(TEST) / len(ALL)
    assert 0.28 <= share <= 0.38, f"test split is {share:.0%} of the set, want about a third"
    for cases in (TRAIN, TEST):  # stratified: every persona and stance in both splits
        assert {c.persona for c in cases} == set(SPECS)
        assert {c.expect for c in cases} >= {"support", "oppose", "unknown", "fact"}


def test_at_least_six_new_personas() -> None:
    assert len(SPECS) >= 6
    from persona_store.personas.files import sample_specs

    assert not set(SPECS) & {s.slug for s in sample_specs()}, "not the samples"
    for spec in SPECS.values():
        assert spec.quote and spec.summary and spec.role
        assert all(spec.lines.get(kind) for kind in ("goal", "pain", "behavior", "objection"))


def test_category_counts() -> None:
    assert len(_tagged("negation")) >= 40
    uncovered = _tagged("uncovered")
    assert len(uncovered) >= 30
    assert all(c.expect == "unknown" for c in uncovered)
    facts = _tagged("fact")
    assert len(facts) >= 30
    assert all(c.expect in ("fact", "unknown") for c in facts)
    assert len(_tagged("paraphrase")) >= 50
    groups = {c.group for c in ALL if c.group}
    assert len(groups) >= 20


def test_expect_and_cited_ids() -> None:
    for case in ALL:
        assert case.persona in SPECS, case.id
        assert case.expect in EXPECTS
        if case.expect == "unknown":
            assert not case.lines, f"{case.id}: nothing to cite when the profile is silent"
        else:
            assert case.lines, f"{case.id}: a right answer cites at least one line"
        for key in case.lines:
            assert citable_text(SPECS[case.persona], key), f"{case.id}: no line {key}"


def test_groups_are_three_phrasings_of_one_stance_in_one_split() -> None:
    members: dict[str, list] = defaultdict(list)
    for case in ALL:
        if case.group:
            members[case.group].append(case)
    test_ids = {c.id for c in TEST}
    for name, cases in members.items():
        assert len(cases) == 3, name
        assert len({c.expect for c in cases}) == 1, name
        assert len({c.persona for c in cases}) == 1, name
        assert len({c.question for c in cases}) == 3, name
        assert len({c.id in test_ids for c in cases}) == 1, f"{name} straddles the splits"


def test_paraphrases_share_no_content_word_with_their_lines() -> None:
    for case in _tagged("paraphrase"):
        spec = SPECS[case.persona]
        ignore = frozenset({spec.slug, spec.name.split()[0].lower()})
        for key in case.lines:
            shared = shared_content_words(case.question, citable_text(spec, key) or "", ignore)
            assert not shared, f"{case.id} shares {sorted(shared)} with {key}"


def test_split_keeps_every_category() -> None:
    for cases in (TRAIN, TEST):
        counts = Counter(t for c in cases for t in c.tags)
        for tag in ("negation", "uncovered", "fact", "paraphrase", "mixed"):
            assert counts[tag] > 0, tag


def test_personas_import_through_the_store_with_the_cited_keys(sqlite_store: Store) -> None:
    ws = sqlite_store.default_workspace_id()
    sqlite_store.import_specs(ws, list(SPECS.values()), author="test")
    for slug, spec in SPECS.items():
        view = sqlite_store.get(ws, slug)
        assert view is not None
        for line in view.lines:
            assert citable_text(spec, line.key) == line.text, f"{slug} {line.key}"
