"""Conversions between ORM rows, read-only views and file-format specs.

Evidence in a persona file points at a profile line by position (`line: pain-2` is the
second entry of `pains:` in the same persona), so a file means the same thing in any store.
In the database the link is the line's stable citation key, which may differ after edits
(`pain-3` can be the second pain once `pain-2` was deleted); these helpers translate.
"""

from __future__ import annotations

from datetime import UTC, datetime

from persona_store.evidence.summary import ImportedEvidence
from persona_store.models import Evidence, Persona, utcnow
from persona_store.personas.spec import (  # re-exported
    ALL_LINE_KINDS,
    EvidenceSpec,
    PersonaSpec,
    resolve_ref,
)
from persona_store.personas.views import EvidenceView, LineView, OwnerView, PersonaView


def aware(value: datetime | None) -> datetime | None:
    """SQLite returns naive datetimes; everything the store stores is UTC."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def view_of(p: Persona, imported: ImportedEvidence | None = None) -> PersonaView:
    keys = {line.id: line.key for line in p.lines}
    return PersonaView(
        id=p.id,
        workspace_id=p.workspace_id,
        slug=p.slug,
        name=p.name,
        kind=p.kind,
        role=p.role or "",
        summary=p.summary or "",
        photo_url=p.photo_url,
        quote=p.quote or "",
        segment=p.segment or "",
        review_every_days=p.review_every_days,
        last_reviewed_at=aware(p.last_reviewed_at),
        home_channel=p.home_channel,
        version=p.version,
        lines=tuple(LineView(line.id, line.key, line.kind, line.text) for line in p.lines),
        owners=tuple(OwnerView(o.platform, o.user_id) for o in p.owners),
        evidence=tuple(
            evidence_view(e, keys.get(e.line_id) if e.line_id else None) for e in p.evidence
        ),
        updated_at=aware(p.updated_at),
        buyer_of=tuple((p.relations or {}).get("buyer_of", ())),
        user_of=tuple((p.relations or {}).get("user_of", ())),
        imported=imported or ImportedEvidence(),
    )


def evidence_view(e: Evidence, line_key: str | None) -> EvidenceView:
    return EvidenceView(
        id=e.id,
        source=e.source,
        summary=e.summary,
        n=e.n,
        collected_at=e.collected_at,
        line_key=line_key,
        details=e.details,
        created_at=aware(e.created_at) or utcnow(),
        origin=e.origin or "file",
        source_file=e.source_file,
        source_row=e.source_row,
        link=e.link,
        review=e.review,
    )


def positional_ref(view: PersonaView, key: str | None) -> str | None:
    """Stored citation key -> file reference ('pain-3' -> 'pain-2' if it is the 2nd pain)."""
    if not key:
        return None
    for line in view.lines:
        if line.key == key:
            same_kind = view.lines_of(line.kind)
            return f"{line.kind}-{same_kind.index(line) + 1}"
    return None


def spec_of(view: PersonaView) -> PersonaSpec:
    """The file-format form of a stored persona (export, revision snapshots)."""
    lines: dict[str, tuple[str, ...]] = {}
    for kind in ALL_LINE_KINDS:
        texts = tuple(line.text for line in view.lines_of(kind))
        if texts:
            lines[kind] = texts
    return PersonaSpec(
        name=view.name,
        slug=view.slug,
        kind=view.kind,
        role=view.role,
        summary=view.summary,
        photo_url=view.photo_url,
        quote=view.quote,
        segment=view.segment,
        owners=tuple(o.ref for o in view.owners),
        review_every_days=view.review_every_days,
        last_reviewed=view.last_reviewed_at.date() if view.last_reviewed_at else None,
        home_channel=view.home_channel,
        lines=lines,
        buyer_of=view.buyer_of,
        user_of=view.user_of,
        evidence=tuple(
            EvidenceSpec(
                summary=e.summary,
                source=e.source,
                n=e.n,
                date=e.collected_at,
                line=positional_ref(view, e.line_key),
            )
            for e in view.evidence
            if e.origin != "import"  # rows of an export live in the store, not the file
        ),
    )


def snapshot(p: Persona) -> dict:
    """The revision snapshot / comparison form of a persona row (file shape)."""
    return spec_of(view_of(p)).to_dict()


def predicted_snapshot(spec: PersonaSpec, before: dict) -> dict:
    """What `snapshot` will be after applying `spec` to a persona whose snapshot is
    `before`, in the common orders. Equal to `before` means the import changes nothing."""
    out = spec.to_dict()
    if spec.last_reviewed is None and before.get("last_reviewed"):
        out["last_reviewed"] = before["last_reviewed"]
    if "owners" in out:
        out["owners"] = list(dict.fromkeys(out["owners"]))
    if "evidence" in out:
        out["evidence"] = [e for e in out["evidence"] if not e.get("remove")]
        if not out["evidence"]:
            del out["evidence"]
    for item in out.get("evidence", ()):
        if "line" in item and resolve_ref(spec.lines, item["line"]) is None:
            del item["line"]
    return out
