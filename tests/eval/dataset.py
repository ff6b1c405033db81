"""The evaluation set on disk: personas (tests/eval/personas/*.yaml, the project's own persona
file format) and labelled cases (tests/eval/cases/train.yaml, test.yaml and dev.yaml)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import yaml

from persona_store.personas.files import load_file
from persona_store.personas.spec import PersonaSpec

EVAL_DIR = Path(__file__).resolve().parent
PERSONA_DIR = EVAL_DIR / "personas"
CASE_DIR = EVAL_DIR / "cases"
SPLITS = ("train", "test", "dev")
TUNING = "train"  # the only split whose per-case results may be looked at
HELD_OUT = "test"  # untouched while tuning: aggregate figures only
VALIDATION = "dev"  # written blind later, on its own personas: aggregate figures only
EXPECTS = ("support", "oppose", "mixed", "unknown", "fact")
PROFILE_FIELDS = ("quote", "summary", "role")  # citable with these ids, besides kind-N lines

Split = Literal["train", "test", "dev"]


@dataclass(frozen=True)
class Case:
    id: str
    persona: str  # slug
    question: str
    expect: str  # one of EXPECTS
    lines: tuple[str, ...]  # ids a right answer cites (any one of them counts)
    tags: tuple[str, ...]

    @property
    def group(self) -> str | None:
        return next((t.removeprefix("group:") for t in self.tags if t.startswith("group:")), None)

    def has(self, tag: str) -> bool:
        return tag in self.tags


def load_cases(split: Split) -> list[Case]:
    data = yaml.safe_load((CASE_DIR / f"{split}.yaml").read_text(encoding="utf-8"))
    cases = []
    for raw in data["cases"]:
        case = Case(
            id=str(raw["id"]),
            persona=str(raw["persona"]),
            question=str(raw["question"]),
            expect=str(raw["expect"]),
            lines=tuple(str(x) for x in raw.get("lines") or ()),
            tags=tuple(str(x) for x in raw.get("tags") or ()),
        )
        if case.expect not in EXPECTS:
            raise ValueError(f"{split}.yaml {case.id}: expect {case.expect!r} not in {EXPECTS}")
        cases.append(case)
    return cases


def persona_files() -> list[Path]:
    return sorted(PERSONA_DIR.glob("*.yaml"))


def load_specs() -> list[PersonaSpec]:
    """Every evaluation persona, read by the project's own persona file loader."""
    return [spec for path in persona_files() for spec in load_file(path)]


def citable_text(spec: PersonaSpec, key: str) -> str | None:
    """The text behind a citation id as the store keys it ("pain-2" = second pain), or the
    quote / summary / role; None if the persona has no such line."""
    if key in PROFILE_FIELDS:
        return getattr(spec, key) or None
    kind, _, number = key.rpartition("-")
    lines = spec.lines.get(kind, ())
    if not number.isdigit() or not 1 <= int(number) <= len(lines):
        return None
    return lines[int(number) - 1]
