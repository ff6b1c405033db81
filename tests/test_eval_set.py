"""The evaluation set's own invariants (tests/eval): sizes and category counts that issue 9
asks for, every cited id exists in its persona (as the store keys it), phrasing groups, the
paraphrase rule, and that the personas import through the real store.

The category minimums are counted over train + test, as when the set landed; the dev
(validation) split, written later on its own personas, is checked for the same rules but does
not count towards them."""

from __future__ import annotations

from collections import Counter, defaultdict

from persona_store import Store
from tests.eval.dataset import EXPECTS, SPLITS, citable_text, load_cases, load_specs
from tests.eval.wording import shared_content_words

BY_SPLIT = {split: load_cases(split) for split in SPLITS}
TRAIN = BY_SPLIT["train"]
TEST = BY_SPLIT["test"]
DEV = BY_SPLIT["dev"]
ALL = TRAIN + TEST  # what the category minimums are counted over
EVERY = [case for cases in BY_SPLIT.values() for case in cases]
SPECS = {spec.slug: spec for spec in load_specs()}
DEV_PERSONAS = {c.persona for c in DEV}


def _tagged(tag: str, cases=ALL) -> list:  # type: ignore[no-untyped-def]
    return [c for c in cases if c.has(tag)]


def test_sizes_and_split() -> None:
    assert len(ALL) >= 200
    assert len({c.id for c in EVERY}) == len(EVERY), "case ids are unique across all splits"
    share = len(TEST) / len(ALL)
    assert 0.28 <= share <= 0.38, f"test split is {share:.0%} of train + test, want a third"
    for cases in (TRAIN, TEST):  # stratified: every persona and stance in both splits
        assert {c.persona for c in cases} == set(SPECS) - DEV_PERSONAS
        assert {c.expect for c in cases} >= {"support", "oppose", "unknown", "fact"}


def test_dev_split_is_its_own_personas() -> None:
    assert len(DEV) >= 80
    assert len(DEV_PERSONAS) >= 3
    assert not DEV_PERSONAS & {c.persona for c in ALL}, "dev personas are unseen in train/test"
    assert {c.expect for c in DEV} >= {"support", "oppose", "mixed", "unknown", "fact"}
    assert len({c.group for c in DEV if c.group}) >= 6


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
    facts = _tagged("fact")
    assert len(facts) >= 30
    assert len(_tagged("paraphrase")) >= 50
    groups = {c.group for c in ALL if c.group}
    assert len(groups) >= 20


def test_tag_meanings_hold_in_every_split() -> None:
    assert all(c.expect == "unknown" for c in _tagged("uncovered", EVERY))
    assert all(c.expect in ("fact", "unknown") for c in _tagged("fact", EVERY))


def test_expect_and_cited_ids() -> None:
    for case in EVERY:
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
    for case in EVERY:
        if case.group:
            members[case.group].append(case)
    split_of = {c.id: split for split, cases in BY_SPLIT.items() for c in cases}
    for name, cases in members.items():
        assert len(cases) == 3, name
        assert len({c.expect for c in cases}) == 1, name
        assert len({c.persona for c in cases}) == 1, name
        assert len({c.question for c in cases}) == 3, name
        assert len({split_of[c.id] for c in cases}) == 1, f"{name} straddles the splits"


def test_paraphrases_share_no_content_word_with_their_lines() -> None:
    for case in _tagged("paraphrase", EVERY):
        spec = SPECS[case.persona]
        ignore = frozenset({spec.slug, spec.name.split()[0].lower()})
        for key in case.lines:
            shared = shared_content_words(case.question, citable_text(spec, key) or "", ignore)
            assert not shared, f"{case.id} shares {sorted(shared)} with {key}"


def test_split_keeps_every_category() -> None:
    for split, cases in BY_SPLIT.items():
        counts = Counter(t for c in cases for t in c.tags)
        for tag in ("negation", "uncovered", "fact", "paraphrase", "mixed"):
            assert counts[tag] > 0, f"{split}: {tag}"


def test_personas_import_through_the_store_with_the_cited_keys(sqlite_store: Store) -> None:
    ws = sqlite_store.default_workspace_id()
    sqlite_store.import_specs(ws, list(SPECS.values()), author="test")
    for slug, spec in SPECS.items():
        view = sqlite_store.get(ws, slug)
        assert view is not None
        for line in view.lines:
            assert citable_text(spec, line.key) == line.text, f"{slug} {line.key}"
