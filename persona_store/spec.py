"""PersonaSpec: a validated persona as written in a persona file (YAML/JSON) or snapshot.

`check_persona` is the single validator used by import, edits and the JSON Schema tests: one
pass finds every problem of a persona, each naming its field (`evidence[0].n`), so messages
can say exactly what is wrong. `PersonaSpec.from_dict` raises them as one `SpecError`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from persona_store import spec_fields as check
from persona_store.models import EVIDENCE_SOURCES, LINE_KINDS, OWNER_PLATFORMS, PERSONA_KINDS
from persona_store.spec_fields import FieldPath, FieldProblem, show, type_name
from persona_store.suggest import close_matches

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

MAX_NAME = 200
MAX_TEXT = 2000
SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
PERSONA_FIELDS = (
    "name",
    "slug",
    "kind",
    "role",
    "summary",
    "photo_url",
    "quote",
    "segment",
    "owners",
    "review_every_days",
    "last_reviewed",
    "home_channel",
    *LINE_FIELDS,
    "evidence",
)
EVIDENCE_FIELDS = ("summary", "source", "n", "date", "line")


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

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"summary": self.summary, "source": self.source}
        if self.n is not None:
            out["n"] = self.n
        if self.date is not None:
            out["date"] = self.date.isoformat()
        if self.line:
            out["line"] = self.line
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
    out: list[FieldProblem] = []
    check.unknown_keys(out, data, (), PERSONA_FIELDS)
    name = check.text(out, data, "name", required=True, limit=MAX_NAME)
    slug = _slug(out, data.get("slug"), name)
    kind = check.choice(out, data.get("kind", "primary"), ("kind",), PERSONA_KINDS)
    review = data.get("review_every_days", 90)
    review = check.whole_number(out, review, ("review_every_days",), 1, 3650, "days")
    owners = _owners(out, data)
    lines: dict[str, tuple[str, ...]] = {}
    for plural, line_kind in LINE_FIELDS.items():
        texts = check.text_items(out, data, plural, limit=MAX_TEXT)
        if texts:
            lines[line_kind] = tuple(t for _, t in texts)
    evidence = _evidence_list(out, data.get("evidence"), lines if check_refs else None)
    photo = check.text(out, data, "photo_url", limit=MAX_TEXT) or None
    if photo and not photo.startswith(("https://", "http://")):
        out.append(FieldProblem(("photo_url",), f"must be an http(s) URL, got {show(photo)}"))
    role = check.text(out, data, "role", limit=MAX_TEXT)
    summary = check.text(out, data, "summary", limit=MAX_TEXT * 2)
    quote = check.text(out, data, "quote", limit=MAX_TEXT)
    segment = check.text(out, data, "segment", limit=MAX_NAME)
    home_channel = check.text(out, data, "home_channel", limit=MAX_NAME) or None
    last_reviewed = check.a_date(out, data.get("last_reviewed"), ("last_reviewed",))
    if out or slug is None or review is None:
        return PersonaCheck(None, slug, tuple(out))
    spec = PersonaSpec(
        name=name,
        slug=slug,
        kind=kind,
        role=role,
        summary=summary,
        photo_url=photo,
        quote=quote,
        segment=segment,
        owners=owners,
        review_every_days=review,
        last_reviewed=last_reviewed,
        home_channel=home_channel,
        lines=lines,
        evidence=evidence,
    )
    return PersonaCheck(spec, slug, ())


def line_ref(ref: str) -> tuple[str, int] | None:
    """'pain-2' -> ('pain', 1): kind and 0-based position; None when not shaped like that."""
    kind, _, number = ref.rpartition("-")
    if kind not in LINE_KINDS or not (number.isascii() and number.isdigit()):
        return None
    return kind, int(number) - 1


def resolve_ref(lines: dict[str, tuple[str, ...]], ref: str | None) -> tuple[str, int] | None:
    """File reference -> (kind, 0-based index) when it names an existing line, else None."""
    parsed = line_ref(ref) if ref else None
    if parsed is None:
        return None
    kind, index = parsed
    return parsed if 0 <= index < len(lines.get(kind, ())) else None


def _slug(out: list[FieldProblem], slug: Any, name: str) -> str | None:
    if slug is None:
        return slugify(name) if name else None
    if isinstance(slug, str) and SLUG_RE.match(slug):
        return slug
    message = f"{show(slug)} is not a slug: use 1-63 lower-case letters, digits or dashes"
    if isinstance(slug, str):
        fixed = re.sub(r"[^a-z0-9]+", "-", slug.lower()).strip("-")[:63]
        message += f" (did you mean {fixed}?)" if SLUG_RE.match(fixed) else ", e.g. 'maya'"
    out.append(FieldProblem(("slug",), message))
    return None


def _owners(out: list[FieldProblem], data: dict[str, Any]) -> tuple[str, ...]:
    owners = []
    for i, owner in check.text_items(out, data, "owners", limit=MAX_NAME):
        platform, _, user = owner.partition(":")
        if platform in OWNER_PLATFORMS and user:
            owners.append(owner)
            continue
        close = close_matches(platform, OWNER_PLATFORMS, n=1) if user else []
        hint = f" (did you mean {close[0]}:{user}?)" if close else ""
        out.append(
            FieldProblem(
                ("owners", i),
                f"{show(owner)} should look like slack:U0123, teams:29:1abc or email:a@b.com{hint}",
            )
        )
    return tuple(owners)


def _evidence_list(
    out: list[FieldProblem], raw: Any, lines: dict[str, tuple[str, ...]] | None
) -> tuple[EvidenceSpec, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        out.append(FieldProblem(("evidence",), f"expected a list, got {type_name(raw)}"))
        return ()
    items = (_evidence(out, item, ("evidence", i), lines) for i, item in enumerate(raw))
    return tuple(item for item in items if item is not None)


def _evidence(
    out: list[FieldProblem], item: Any, path: FieldPath, lines: dict[str, tuple[str, ...]] | None
) -> EvidenceSpec | None:
    if isinstance(item, str):
        item = {"summary": item}
    if not isinstance(item, dict):
        message = f"expected a mapping (summary: …) or text, got {type_name(item)}"
        out.append(FieldProblem(path, message))
        return None
    before = len(out)
    check.unknown_keys(out, item, path, EVIDENCE_FIELDS)
    summary = item.get("summary")
    if not isinstance(summary, str) or not summary.strip():
        out.append(FieldProblem((*path, "summary"), "is required text"))
    elif len(summary.strip()) > MAX_TEXT:
        out.append(FieldProblem((*path, "summary"), check.too_long(summary.strip(), MAX_TEXT)))
    source = check.choice(out, item.get("source", "manual"), (*path, "source"), EVIDENCE_SOURCES)
    n = item.get("n")
    if n is not None:
        n = check.whole_number(out, n, (*path, "n"), 0, None, "people or data points")
    when = check.a_date(out, item.get("date"), (*path, "date"))
    line = item.get("line")
    if line is not None and not isinstance(line, str):
        out.append(
            FieldProblem(
                (*path, "line"), f"must be a profile line id like pain-2, got {show(line)}"
            )
        )
    elif line and lines is not None:
        _check_ref(out, line, (*path, "line"), lines)
    if len(out) > before:
        return None
    assert isinstance(summary, str)
    return EvidenceSpec(summary=summary.strip(), source=source, n=n, date=when, line=line)


def _check_ref(
    out: list[FieldProblem], ref: str, path: FieldPath, lines: dict[str, tuple[str, ...]]
) -> None:
    parsed = line_ref(ref)
    if parsed is None:
        kind, _, number = ref.rpartition("-")
        close = close_matches(kind.rstrip("s"), LINE_KINDS, n=1)
        hint = f" (did you mean {close[0]}-{number}?)" if close and number else ""
        message = f"{show(ref)} is not a profile line id like pain-2{hint}"
        out.append(FieldProblem(path, message))
        return
    if resolve_ref(lines, ref) is not None:
        return
    kind = parsed[0]
    count = len(lines.get(kind, ()))
    plural = next(p for p, k in LINE_FIELDS.items() if k == kind)
    if count == 0:
        has = f"has no {plural}"
    elif count == 1:
        has = f"has one {kind} ({kind}-1)"
    else:
        has = f"has {count} {plural} ({kind}-1 to {kind}-{count})"
    out.append(FieldProblem(path, f"{show(ref)} is not a line of this persona, which {has}"))
