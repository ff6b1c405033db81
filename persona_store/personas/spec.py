"""PersonaSpec: a validated persona as written in a persona file (YAML/JSON) or snapshot.

`check_persona` is the single validator used by import and edits. What is valid is the
published JSON Schema (persona_store/schema/persona-file.schema.json, enforced by
`persona_store.schema.rules`); this module adds what a schema cannot say (a real calendar
date, evidence pointing at an existing line) and builds the spec. One pass finds every
problem of a persona, each naming its field (`evidence[0].n`), so messages can say exactly
what is wrong. `PersonaSpec.from_dict` raises them as one `SpecError`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from persona_store.models import LINE_KINDS
from persona_store.personas.spec_fields import FieldPath, FieldProblem, show, type_name
from persona_store.schema import rules

# File key (plural) -> profile line kind.
LINE_FIELDS: dict[str, str] = {
    "goals": "goal",
    "pains": "pain",
    "motivations": "motivation",
    "behaviors": "behavior",
    "objections": "objection",
    "channels": "channel",
}
assert set(LINE_FIELDS.values()) == set(LINE_KINDS)
# The empathy map's quadrants: `empathy: {says: [...], ...}`; each entry is a line `feels-2`.
EMPATHY_KINDS = ("says", "thinks", "feels", "does")
# Journey stages, in order, and what each stage lists: `decision-pain-1` is the first entry
# of `pains` of the `decision` stage.
STAGES = ("awareness", "consideration", "decision", "onboarding", "retention", "advocacy")
STAGE_FIELDS: dict[str, str] = {
    "goals": "goal",
    "pains": "pain",
    "touchpoints": "touchpoint",
    "questions": "question",
}
JOURNEY_KINDS = tuple(f"{stage}-{kind}" for stage in STAGES for kind in STAGE_FIELDS.values())
# Every kind of profile line, in the order a profile lists them.
ALL_LINE_KINDS = (*LINE_KINDS, *EMPATHY_KINDS, *JOURNEY_KINDS)
RELATIONS = ("buyer_of", "user_of")


# How the answerer reads a line of the empathy map or the journey: as the classic kind it
# behaves like (a stage's pains are pains; what a persona says, thinks or feels is their own
# voice, read like their quote; what they do is a habit; a stage's questions are concerns).
_BASE_KINDS = {
    "says": "quote",
    "thinks": "quote",
    "feels": "quote",
    "does": "behavior",
    "goal": "goal",
    "pain": "pain",
    "touchpoint": "channel",
    "question": "objection",
}


def base_kind(kind: str) -> str:
    """'decision-pain' -> 'pain', 'feels' -> 'quote', 'goal' -> 'goal'."""
    if kind in LINE_KINDS:
        return kind
    return _BASE_KINDS.get(kind.rpartition("-")[2] or kind, _BASE_KINDS.get(kind, "behavior"))


def relations_of(spec: PersonaSpec) -> dict[str, list[str]] | None:
    """The `personas.relations` column of a spec (None when it names none)."""
    found = {r: list(getattr(spec, r)) for r in RELATIONS if getattr(spec, r)}
    return found or None


def plural_of(kind: str) -> str:
    """'pain' -> 'pains', 'feels' -> 'feels', 'decision-pain' -> 'decision pains'."""
    if kind in EMPATHY_KINDS:
        return kind
    stage, _, rest = kind.rpartition("-")
    base = next(p for p, k in {**LINE_FIELDS, **STAGE_FIELDS}.items() if k == rest)
    return f"{stage} {base}" if stage else base


MAX_NAME = rules.persona_schema()["properties"]["name"]["maxLength"]


class SpecError(ValueError):
    """A persona is invalid. `problems` lists every problem found; `field` (a dotted path
    like `pains[2]`, or 'persona' for the persona as a whole) and `message` are the first."""

    def __init__(self, problems: Sequence[FieldProblem]) -> None:
        self.problems = tuple(problems)
        first = self.problems[0]
        self.field = first.field or "persona"
        self.message = first.message
        super().__init__("; ".join(f"{p.field or 'persona'}: {p.message}" for p in problems))


def slugify(name: str) -> str:
    """'Maya Chen' -> 'maya'; first word, ascii, lower case. Falls back to the full name."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_name.lower())
    return words[0][:63] if words else "persona"


@dataclass(frozen=True)
class EvidenceSpec:
    summary: str
    source: str = "manual"
    n: int | None = None
    date: date | None = None
    line: str | None = None  # key of a profile line this evidence supports
    # the file names this item for removal (evidence the bot or an import wrote survives
    # a persona-file import otherwise)
    remove: bool = False

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"summary": self.summary, "source": self.source}
        if self.n is not None:
            out["n"] = self.n
        if self.date is not None:
            out["date"] = self.date.isoformat()
        if self.line:
            out["line"] = self.line
        if self.remove:
            out["remove"] = True
        return out


@dataclass(frozen=True)
class PersonaSpec:
    name: str
    slug: str
    kind: str = "primary"
    role: str = ""
    summary: str = ""
    photo_url: str | None = None
    quote: str = ""
    segment: str = ""
    owners: tuple[str, ...] = ()
    review_every_days: int = 90
    last_reviewed: date | None = None
    home_channel: str | None = None
    lines: dict[str, tuple[str, ...]] = field(default_factory=dict)  # kind -> texts
    evidence: tuple[EvidenceSpec, ...] = ()
    buyer_of: tuple[str, ...] = ()  # slugs of the personas this one buys for
    user_of: tuple[str, ...] = ()  # slugs of the personas who buy for this one

    def to_dict(self) -> dict[str, Any]:
        """The persona-file shape (also the revision snapshot). Round-trips via from_dict."""
        out: dict[str, Any] = {"name": self.name, "slug": self.slug, "kind": self.kind}
        for key in ("role", "summary", "photo_url", "quote", "segment"):
            value = getattr(self, key)
            if value:
                out[key] = value
        if self.owners:
            out["owners"] = list(self.owners)
        out["review_every_days"] = self.review_every_days
        if self.last_reviewed:
            out["last_reviewed"] = self.last_reviewed.isoformat()
        if self.home_channel:
            out["home_channel"] = self.home_channel
        for plural, kind in LINE_FIELDS.items():
            texts = self.lines.get(kind, ())
            if texts:
                out[plural] = list(texts)
        empathy = {k: list(self.lines[k]) for k in EMPATHY_KINDS if self.lines.get(k)}
        if empathy:
            out["empathy"] = empathy
        journey = []
        for stage in STAGES:
            entry = {
                p: list(self.lines[f"{stage}-{k}"])
                for p, k in STAGE_FIELDS.items()
                if self.lines.get(f"{stage}-{k}")
            }
            if entry:
                journey.append({"stage": stage, **entry})
        if journey:
            out["journey"] = journey
        for relation in RELATIONS:
            if getattr(self, relation):
                out[relation] = list(getattr(self, relation))
        if self.evidence:
            out["evidence"] = [e.to_dict() for e in self.evidence]
        return out

    @classmethod
    def from_dict(cls, data: Any) -> PersonaSpec:
        """The spec of a persona mapping; raises SpecError listing every problem."""
        checked = check_persona(data)
        if checked.spec is None:
            raise SpecError(checked.problems)
        return checked.spec


@dataclass(frozen=True)
class PersonaCheck:
    """What `check_persona` found: the spec when there is no problem, else the problems.
    `slug` is the slug the persona would get, when it can be told (for duplicate checks)."""

    spec: PersonaSpec | None
    slug: str | None
    problems: tuple[FieldProblem, ...]


def check_persona(data: Any, *, check_refs: bool = False) -> PersonaCheck:
    """Validate one persona mapping, collecting every problem. `check_refs`: evidence
    `line: pain-2` must name an existing line (files; an edit may drop lines on purpose)."""
    if not isinstance(data, dict):
        message = f"expected a persona (a mapping with `name:` etc.), got {type_name(data)}"
        return PersonaCheck(None, None, (FieldProblem((), message),))
    data = rules.as_json(data)
    out = rules.schema_problems(data)
    bad = {p.path for p in out}
    _real_date(out, data.get("last_reviewed"), ("last_reviewed",), bad)
    evidence = data.get("evidence")
    for i, item in enumerate(evidence if isinstance(evidence, list) else ()):
        if isinstance(item, dict):
            _real_date(out, item.get("date"), ("evidence", i, "date"), bad)
            ref, path = item.get("line"), ("evidence", i, "line")
            if check_refs and ref and path not in bad and ("evidence", i) not in bad:
                _check_ref(out, ref, path, _lines(data))
    _journey_problems(out, data, bad)
    slug = _slug(data, bad)
    if out or slug is None:
        return PersonaCheck(None, slug, tuple(out))
    return PersonaCheck(_build(data, slug), slug, ())


def _text(value: Any) -> str:
    """Text as the schema allows it (text, a number or nothing), trimmed."""
    return "" if value is None else str(value).strip()


def _lines(data: dict[str, Any]) -> dict[str, tuple[str, ...]]:
    """kind -> texts, the classic lists, the empathy map and the journey alike."""
    found: dict[str, tuple[str, ...]] = {}
    for plural, kind in LINE_FIELDS.items():
        found[kind] = tuple(_text(v) for v in data.get(plural) or ())
    empathy = data.get("empathy")
    for kind in EMPATHY_KINDS:
        found[kind] = tuple(_text(v) for v in (empathy or {}).get(kind) or ())
    for entry in data.get("journey") or ():
        if isinstance(entry, dict) and entry.get("stage") in STAGES:
            for plural, kind in STAGE_FIELDS.items():
                texts = tuple(_text(v) for v in entry.get(plural) or ())
                key = f"{entry['stage']}-{kind}"
                found[key] = found.get(key, ()) + texts
    return {kind: texts for kind in ALL_LINE_KINDS if (texts := found.get(kind))}


def _slugs(value: Any) -> tuple[str, ...]:
    """`buyer_of: sam` or `buyer_of: [sam, lee]`."""
    items = [value] if isinstance(value, str) else value or ()
    return tuple(dict.fromkeys(str(v).strip() for v in items if str(v).strip()))


def _journey_problems(out: list[FieldProblem], data: dict[str, Any], bad: set[FieldPath]) -> None:
    """A stage listed twice in `journey` (its lines' ids would clash)."""
    seen: dict[str, int] = {}
    journey = data.get("journey")
    for i, entry in enumerate(journey if isinstance(journey, list) else ()):
        stage = entry.get("stage") if isinstance(entry, dict) else None
        if not isinstance(stage, str) or ("journey", i, "stage") in bad:
            continue
        if stage in seen:
            out.append(
                FieldProblem(
                    ("journey", i, "stage"),
                    f"{stage} is listed twice (also journey[{seen[stage]}])",
                )
            )
        seen.setdefault(stage, i)


def _date(value: Any) -> date | None:
    """An ISO date's first ten characters (the schema checked the shape); ValueError when
    no such day exists."""
    if not isinstance(value, str) or not value.strip():
        return None
    return date.fromisoformat(value.strip()[:10])


def _real_date(out: list[FieldProblem], value: Any, path: FieldPath, bad: set[FieldPath]) -> None:
    """The schema checks the shape of a date; the calendar says whether it exists."""
    if path in bad or path[:2] in bad:
        return
    try:
        _date(value)
    except ValueError:
        out.append(FieldProblem(path, f"expected a date like 2026-08-01, got {show(value)}"))


def _slug(data: dict[str, Any], bad: set[FieldPath]) -> str | None:
    """The slug the persona gets (also when it has other problems, for duplicate checks)."""
    slug = data.get("slug")
    if slug is not None:
        return None if ("slug",) in bad else slug
    name = data.get("name")
    usable = isinstance(name, str | int | float) and not isinstance(name, bool)
    return slugify(_text(name)) if usable and _text(name) else None


def _build(data: dict[str, Any], slug: str) -> PersonaSpec:
    """The spec of a persona that passed every check."""
    evidence = []
    for item in data.get("evidence") or ():
        if isinstance(item, str):
            item = {"summary": item}
        evidence.append(
            EvidenceSpec(
                summary=item["summary"].strip(),
                source=item.get("source", "manual"),
                n=None if item.get("n") is None else int(item["n"]),
                date=_date(item.get("date")),
                line=item.get("line"),
                remove=bool(item.get("remove")),
            )
        )
    return PersonaSpec(
        name=_text(data["name"]),
        slug=slug,
        kind=data.get("kind", "primary"),
        role=_text(data.get("role")),
        summary=_text(data.get("summary")),
        photo_url=_text(data.get("photo_url")) or None,
        quote=_text(data.get("quote")),
        segment=_text(data.get("segment")),
        owners=tuple(o.strip() for o in data.get("owners") or ()),
        review_every_days=int(data.get("review_every_days", 90)),
        last_reviewed=_date(data.get("last_reviewed")),
        home_channel=_text(data.get("home_channel")) or None,
        lines=_lines(data),
        evidence=tuple(evidence),
        buyer_of=_slugs(data.get("buyer_of")),
        user_of=_slugs(data.get("user_of")),
    )


def line_ref(ref: str) -> tuple[str, int] | None:
    """'pain-2' -> ('pain', 1), 'decision-pain-1' -> ('decision-pain', 0): kind and 0-based
    position; None when not shaped like that."""
    kind, _, number = ref.rpartition("-")
    if kind not in ALL_LINE_KINDS or not (number.isascii() and number.isdigit()):
        return None
    return kind, int(number) - 1


def resolve_ref(lines: dict[str, tuple[str, ...]], ref: str | None) -> tuple[str, int] | None:
    """File reference -> (kind, 0-based index) when it names an existing line, else None."""
    parsed = line_ref(ref) if ref else None
    if parsed is None:
        return None
    kind, index = parsed
    return parsed if 0 <= index < len(lines.get(kind, ())) else None


def _check_ref(
    out: list[FieldProblem], ref: str, path: FieldPath, lines: dict[str, tuple[str, ...]]
) -> None:
    parsed = line_ref(ref)
    if parsed is None or resolve_ref(lines, ref) is not None:
        return  # its shape is the schema's to check
    kind = parsed[0]
    count = len(lines.get(kind, ()))
    plural = plural_of(kind)
    if count == 0:
        has = f"has no {plural}"
    elif count == 1:
        has = f"has one {kind} ({kind}-1)"
    else:
        has = f"has {count} {plural} ({kind}-1 to {kind}-{count})"
    out.append(FieldProblem(path, f"{show(ref)} is not a line of this persona, which {has}"))
