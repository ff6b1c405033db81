"""Apply a `PersonaSpec` to a persona row in memory (no flush, no queries), keeping
citation keys stable: an unchanged line keeps its key, a new line gets a fresh key never
used by that persona before. The caller flushes once for many personas (bulk import).

Collections are left in the order the database returns them (lines by position, owners
and evidence by id: kept rows first, then new ones), so a snapshot taken in memory after
the flush equals the one read back later.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime, time

from persona_store.models import Evidence, Owner, Persona, ProfileLine
from persona_store.personas.convert import resolve_ref
from persona_store.personas.spec import ALL_LINE_KINDS, EvidenceSpec, PersonaSpec, relations_of


def new_persona(workspace_id: int, spec: PersonaSpec, now: datetime) -> Persona:
    p = Persona(
        workspace_id=workspace_id,
        slug=spec.slug,
        name=spec.name,
        version=0,
        created_at=now,
        updated_at=now,
    )
    apply_spec(p, spec, now)
    return p


def apply_spec(p: Persona, spec: PersonaSpec, now: datetime) -> None:
    p.name = spec.name
    p.kind = spec.kind
    p.role = spec.role
    p.summary = spec.summary
    p.photo_url = spec.photo_url
    p.quote = spec.quote
    p.segment = spec.segment
    p.review_every_days = spec.review_every_days
    p.home_channel = spec.home_channel
    if relations_of(spec) != (p.relations or None):
        p.relations = relations_of(spec)
    if spec.last_reviewed is not None:
        reviewed = datetime.combine(spec.last_reviewed, time(), tzinfo=UTC)
        current = p.last_reviewed_at
        if current is None or current.replace(tzinfo=UTC) != reviewed:
            p.last_reviewed_at = reviewed
    elif p.last_reviewed_at is None:
        p.last_reviewed_at = now  # a new persona counts as reviewed when written
    lines = sync_lines(p, spec)
    sync_owners(p, spec.owners)
    sync_evidence(p, spec, lines)


def _key_number(key: str) -> int:
    tail = key.rsplit("-", 1)[-1]
    return int(tail) if tail.isdigit() else 0


def sync_lines(p: Persona, spec: PersonaSpec) -> dict[str, list[ProfileLine]]:
    """Make p.lines match the spec; returns the lines of each kind in file order."""
    existing = list(p.lines)
    by_kind: dict[str, list[ProfileLine]] = {}
    keep: list[ProfileLine] = []
    position = 0
    for kind in ALL_LINE_KINDS:
        old = [line for line in existing if line.kind == kind]
        unused: dict[str, list[ProfileLine]] = defaultdict(list)
        for line in old:
            unused[line.text].append(line)
        next_number = max((_key_number(line.key) for line in old), default=0) + 1
        ordered: list[ProfileLine] = []
        for text in spec.lines.get(kind, ()):
            if unused.get(text):
                line = unused[text].pop(0)
                if line.position != position:
                    line.position = position
            else:
                line = ProfileLine(kind=kind, key=f"{kind}-{next_number}", text=text)
                line.position = position
                next_number += 1
            position += 1
            ordered.append(line)
        by_kind[kind] = ordered
        keep.extend(ordered)
    if [id(x) for x in keep] != [id(x) for x in existing]:
        p.lines = keep  # delete-orphan removes the dropped lines
    return by_kind


def sync_owners(p: Persona, owners: Iterable[str]) -> None:
    wanted = list(dict.fromkeys(ref.partition(":")[::2] for ref in owners))
    existing = list(p.owners)
    wanted_set = set(wanted)
    kept = [o for o in existing if (o.platform, o.user_id) in wanted_set]
    have = {(o.platform, o.user_id) for o in kept}
    result = kept + [Owner(platform=pl, user_id=u) for pl, u in wanted if (pl, u) not in have]
    if [id(x) for x in result] != [id(x) for x in existing]:
        p.owners = result


def sync_evidence(p: Persona, spec: PersonaSpec, lines: dict[str, list[ProfileLine]]) -> None:
    """Match on (summary, source, date) so bot-written details (survey counts) survive.

    The file is the truth only for the evidence files wrote (`origin == "file"`): evidence
    the bot wrote (survey results) or an evidence import wrote is kept even when the file,
    perhaps an export older than it, does not list it, unless the file names it with
    `remove: true`."""
    pool: dict[tuple, list[Evidence]] = defaultdict(list)
    existing = list(p.evidence)
    for e in existing:
        pool[(e.summary, e.source, e.collected_at)].append(e)
    kept: list[Evidence] = []
    new: list[Evidence] = []
    removed: set[int] = set()
    for item in spec.evidence:
        candidates = pool.get((item.summary, item.source, item.date))
        if item.remove:
            if candidates:
                removed.add(id(candidates.pop(0)))
            continue
        if candidates:
            e = candidates.pop(0)
            kept.append(e)
        else:
            e = Evidence(
                summary=item.summary, source=item.source, collected_at=item.date, origin="file"
            )
            new.append(e)
        if e.n != item.n:
            e.n = item.n
        _link(e, spec, item, lines)
    taken = {id(e) for e in kept} | removed
    survivors = [e for e in existing if e.origin not in (None, "file") and id(e) not in taken]
    result = sorted([*kept, *survivors], key=lambda e: e.id) + new
    if [id(x) for x in result] != [id(x) for x in existing]:
        p.evidence = result


def _link(
    e: Evidence, spec: PersonaSpec, item: EvidenceSpec, lines: dict[str, list[ProfileLine]]
) -> None:
    ref = resolve_ref(spec.lines, item.line)
    target = lines[ref[0]][ref[1]] if ref else None
    if target is None:
        if e.line_id is not None or e.line is not None:
            e.line = None
    elif target.id is None or e.line_id != target.id:
        e.line = target
