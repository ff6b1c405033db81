"""PersonaSpec: a validated persona as written in a persona file (YAML/JSON) or snapshot.

`PersonaSpec.from_dict` is the single validator used by import, edits and the JSON Schema
tests; it raises `SpecError` naming the field, so messages can say exactly what is wrong.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from persona_store.models import EVIDENCE_SOURCES, LINE_KINDS, OWNER_PLATFORMS, PERSONA_KINDS

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


class SpecError(ValueError):
    """A persona field is invalid. `field` is a dotted path like `pains[2]`."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(f"{field_name}: {message}")
        self.field = field_name
        self.message = message


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
        if not isinstance(data, dict):
            raise SpecError("persona", f"expected a mapping, got {_type_name(data)}")
        known = {
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
            "evidence",
            *LINE_FIELDS,
        }
        unknown = sorted(set(map(str, data)) - known)
        if unknown:
            raise SpecError(unknown[0], f"unknown field (known fields: {', '.join(sorted(known))})")
        name = _text(data, "name", required=True, limit=MAX_NAME)
        slug = data.get("slug")
        if slug is None:
            slug = slugify(name)
        elif not isinstance(slug, str) or not SLUG_RE.match(slug):
            raise SpecError("slug", "use 1-63 lower-case letters, digits or dashes, e.g. 'maya'")
        kind = data.get("kind", "primary")
        if kind not in PERSONA_KINDS:
            raise SpecError("kind", f"must be one of {', '.join(PERSONA_KINDS)}, got {kind!r}")
        review = data.get("review_every_days", 90)
        if isinstance(review, bool) or not isinstance(review, int) or not 1 <= review <= 3650:
            raise SpecError("review_every_days", "must be a whole number of days from 1 to 3650")
        owners = _str_list(data, "owners")
        for i, owner in enumerate(owners):
            platform, _, user = owner.partition(":")
            if platform not in OWNER_PLATFORMS or not user:
                raise SpecError(
                    f"owners[{i}]",
                    f"{owner!r} should look like slack:U0123, teams:29:1abc or email:a@b.com",
                )
        lines: dict[str, tuple[str, ...]] = {}
        for plural, line_kind in LINE_FIELDS.items():
            texts = _str_list(data, plural)
            if texts:
                lines[line_kind] = tuple(texts)
        evidence_raw = data.get("evidence") or []
        if not isinstance(evidence_raw, list):
            raise SpecError("evidence", f"expected a list, got {_type_name(evidence_raw)}")
        evidence = tuple(_evidence(item, f"evidence[{i}]") for i, item in enumerate(evidence_raw))
        photo = _text(data, "photo_url", limit=MAX_TEXT) or None
        if photo and not photo.startswith(("https://", "http://")):
            raise SpecError("photo_url", "must be an http(s) URL")
        return cls(
            name=name,
            slug=slug,
            kind=kind,
            role=_text(data, "role", limit=MAX_TEXT),
            summary=_text(data, "summary", limit=MAX_TEXT * 2),
            photo_url=photo,
            quote=_text(data, "quote", limit=MAX_TEXT),
            segment=_text(data, "segment", limit=MAX_NAME),
            owners=tuple(owners),
            review_every_days=review,
            last_reviewed=_date(data.get("last_reviewed"), "last_reviewed"),
            home_channel=_text(data, "home_channel", limit=MAX_NAME) or None,
            lines=lines,
            evidence=evidence,
        )


def _type_name(value: Any) -> str:
    return {
        dict: "a mapping",
        list: "a list",
        str: "text",
        int: "a number",
        float: "a number",
        bool: "true/false",
        type(None): "nothing",
    }.get(type(value), type(value).__name__)


def _text(data: dict[str, Any], key: str, *, required: bool = False, limit: int) -> str:
    value = data.get(key)
    if value is None or value == "":
        if required:
            raise SpecError(key, "is required")
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise SpecError(key, f"expected text, got {_type_name(value)}")
    text = str(value).strip()
    if len(text) > limit:
        raise SpecError(key, f"is {len(text)} characters long; the limit is {limit}")
    return text


def _str_list(data: dict[str, Any], key: str) -> list[str]:
    value = data.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise SpecError(key, f"expected a list of text, got {_type_name(value)}")
    out = []
    for i, item in enumerate(value):
        if isinstance(item, bool) or not isinstance(item, str | int | float):
            raise SpecError(f"{key}[{i}]", f"expected text, got {_type_name(item)}")
        text = str(item).strip()
        if not text:
            raise SpecError(f"{key}[{i}]", "is empty")
        if len(text) > MAX_TEXT:
            raise SpecError(
                f"{key}[{i}]", f"is {len(text)} characters long; the limit is {MAX_TEXT}"
            )
        out.append(text)
    return out


def _date(value: Any, key: str) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip()[:10])
        except ValueError:
            pass
    raise SpecError(key, f"expected a date like 2026-08-01, got {value!r}")


def _evidence(item: Any, path: str) -> EvidenceSpec:
    if isinstance(item, str):
        item = {"summary": item}
    if not isinstance(item, dict):
        raise SpecError(path, f"expected a mapping, got {_type_name(item)}")
    unknown = sorted(set(map(str, item)) - {"summary", "source", "n", "date", "line"})
    if unknown:
        raise SpecError(
            f"{path}.{unknown[0]}", "unknown field (use summary, source, n, date, line)"
        )
    summary = item.get("summary")
    if not isinstance(summary, str) or not summary.strip():
        raise SpecError(f"{path}.summary", "is required text")
    source = item.get("source", "manual")
    if source not in EVIDENCE_SOURCES:
        raise SpecError(f"{path}.source", f"must be one of {', '.join(EVIDENCE_SOURCES)}")
    n = item.get("n")
    if n is not None and (isinstance(n, bool) or not isinstance(n, int) or n < 0):
        raise SpecError(f"{path}.n", "must be a whole number of people or data points")
    line = item.get("line")
    if line is not None and not isinstance(line, str):
        raise SpecError(f"{path}.line", "must be a profile line id like pain-2")
    return EvidenceSpec(
        summary=summary.strip()[:MAX_TEXT],
        source=source,
        n=n,
        date=_date(item.get("date"), f"{path}.date"),
        line=line,
    )
