"""Store: the one place that reads and writes personas. Synchronous SQLAlchemy sessions;
the async web process calls it through a bounded thread pool (see bot.deps.Deps.db).

Every method takes a `workspace_id` and filters on it: one workspace never sees another's
personas.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time

from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload, sessionmaker

from persona_store.models import (
    Evidence,
    Owner,
    Persona,
    PersonaRevision,
    ProfileLine,
    Workspace,
    WorkspaceLink,
    utcnow,
)
from persona_store.spec import LINE_FIELDS, EvidenceSpec, PersonaSpec
from persona_store.views import EvidenceView, LineView, OwnerView, PersonaView

DEFAULT_WORKSPACE = "default"
# Platforms whose users always act on the default workspace (terminal, local playground).
LOCAL_PLATFORMS = frozenset({"web", "cli", "local"})


@dataclass(frozen=True)
class PersonaLookup:
    """Result of resolving what a person typed ("maya", "Maya Chen", "ma") to a persona."""

    query: str
    persona: PersonaView | None = None
    suggestions: tuple[str, ...] = ()  # display names of close matches
    ambiguous: tuple[str, ...] = ()  # several personas share the prefix


@dataclass(frozen=True)
class ImportResult:
    created: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()


@dataclass(frozen=True)
class RevisionView:
    version: int
    author: str
    note: str
    created_at: datetime
    snapshot: dict = field(default_factory=dict)


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def view_of(p: Persona) -> PersonaView:
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
        last_reviewed_at=_aware(p.last_reviewed_at),
        home_channel=p.home_channel,
        version=p.version,
        lines=tuple(LineView(line.id, line.key, line.kind, line.text) for line in p.lines),
        owners=tuple(OwnerView(o.platform, o.user_id) for o in p.owners),
        evidence=tuple(
            EvidenceView(
                id=e.id,
                source=e.source,
                summary=e.summary,
                n=e.n,
                collected_at=e.collected_at,
                line_key=keys.get(e.line_id) if e.line_id else None,
                details=e.details,
                created_at=_aware(e.created_at) or utcnow(),
            )
            for e in p.evidence
        ),
        updated_at=_aware(p.updated_at),
    )


def spec_of(view: PersonaView) -> PersonaSpec:
    """The file-format form of a stored persona (export, revision snapshots)."""
    lines: dict[str, tuple[str, ...]] = {}
    for kind in LINE_FIELDS.values():
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
        evidence=tuple(
            EvidenceSpec(
                summary=e.summary, source=e.source, n=e.n, date=e.collected_at, line=e.line_key
            )
            for e in view.evidence
        ),
    )


def _norm(value: str) -> str:
    return re.sub(r"\s+", " ", value.strip().lower())


class Store:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    # -- health --------------------------------------------------------------------------
    def ping(self) -> bool:
        with self._sessions() as s:
            return s.execute(text("SELECT 1")).scalar() == 1

    # -- workspaces ----------------------------------------------------------------------
    def default_workspace_id(self) -> int:
        with self._sessions.begin() as s:
            return self._default_ws(s)

    def _default_ws(self, s: Session) -> int:
        ws_id = s.scalar(select(Workspace.id).where(Workspace.key == DEFAULT_WORKSPACE))
        if ws_id is None:
            try:
                with s.begin_nested():
                    ws = Workspace(key=DEFAULT_WORKSPACE, name="Default workspace")
                    s.add(ws)
                    s.flush()
                    ws_id = ws.id
            except IntegrityError:  # another process created it first
                ws_id = s.scalar(select(Workspace.id).where(Workspace.key == DEFAULT_WORKSPACE))
        assert ws_id is not None
        return ws_id

    def workspace_id(self, platform: str, external_id: str) -> int:
        """Map a Slack team_id / Teams tenant id to a workspace.

        The first Slack team and the first Teams tenant ever seen share the default
        workspace (one organisation, one persona set); any further team or tenant gets a
        workspace of its own until someone runs `persona-bot workspaces link`."""
        if platform in LOCAL_PLATFORMS:
            return self.default_workspace_id()
        with self._sessions.begin() as s:
            found = s.scalar(
                select(WorkspaceLink.workspace_id).where(
                    WorkspaceLink.platform == platform, WorkspaceLink.external_id == external_id
                )
            )
            if found is not None:
                return found
            default_id = self._default_ws(s)
            taken = s.scalar(
                select(func.count(WorkspaceLink.id)).where(
                    WorkspaceLink.workspace_id == default_id, WorkspaceLink.platform == platform
                )
            )
            if taken:
                ws = Workspace(key=f"{platform}:{external_id}"[:64], name=external_id)
                s.add(ws)
                s.flush()
                target = ws.id
            else:
                target = default_id
            try:
                with s.begin_nested():
                    s.add(
                        WorkspaceLink(
                            workspace_id=target, platform=platform, external_id=external_id
                        )
                    )
            except IntegrityError:
                found = s.scalar(
                    select(WorkspaceLink.workspace_id).where(
                        WorkspaceLink.platform == platform,
                        WorkspaceLink.external_id == external_id,
                    )
                )
                assert found is not None
                return found
            return target

    def link_workspace(self, platform: str, external_id: str, workspace_id: int) -> None:
        """Point a Slack team / Teams tenant at an existing workspace (shared personas)."""
        with self._sessions.begin() as s:
            link = s.scalar(
                select(WorkspaceLink).where(
                    WorkspaceLink.platform == platform, WorkspaceLink.external_id == external_id
                )
            )
            if link is None:
                s.add(
                    WorkspaceLink(
                        workspace_id=workspace_id, platform=platform, external_id=external_id
                    )
                )
            else:
                link.workspace_id = workspace_id

    # -- reading -------------------------------------------------------------------------
    def _query(self):  # type: ignore[no-untyped-def]
        return select(Persona).options(
            selectinload(Persona.lines),
            selectinload(Persona.owners),
            selectinload(Persona.evidence),
        )

    def count(self, workspace_id: int) -> int:
        with self._sessions() as s:
            return (
                s.scalar(select(func.count(Persona.id)).where(Persona.workspace_id == workspace_id))
                or 0
            )

    def list_personas(self, workspace_id: int) -> list[PersonaView]:
        with self._sessions() as s:
            rows = s.scalars(
                self._query().where(Persona.workspace_id == workspace_id).order_by(Persona.name)
            ).all()
            return [view_of(p) for p in rows]

    def get(self, workspace_id: int, slug: str) -> PersonaView | None:
        with self._sessions() as s:
            p = s.scalar(
                self._query().where(Persona.workspace_id == workspace_id, Persona.slug == slug)
            )
            return view_of(p) if p else None

    def lookup(self, workspace_id: int, query: str) -> PersonaLookup:
        """Resolve a persona by slug, full name, first name, or unique prefix of any."""
        q = _norm(query).strip("'\"@?!.,")
        with self._sessions() as s:
            rows = s.execute(
                select(Persona.slug, Persona.name).where(Persona.workspace_id == workspace_id)
            ).all()
        if not q:
            return PersonaLookup(query=query)
        names: dict[str, str] = {slug: name for slug, name in rows}
        keys: dict[str, set[str]] = {}
        for slug, name in names.items():
            for key in {slug, _norm(name), _norm(name).split(" ")[0]}:
                keys.setdefault(key, set()).add(slug)
        exact = keys.get(q, set())
        if len(exact) == 1:
            return PersonaLookup(query=query, persona=self.get(workspace_id, next(iter(exact))))
        prefixed = {slug for key, slugs in keys.items() if key.startswith(q) for slug in slugs}
        if len(exact) > 1 or len(prefixed) > 1:
            many = exact if len(exact) > 1 else prefixed
            return PersonaLookup(query=query, ambiguous=tuple(sorted(names[s] for s in many)))
        if len(prefixed) == 1:
            return PersonaLookup(query=query, persona=self.get(workspace_id, prefixed.pop()))
        close = difflib.get_close_matches(q, list(keys), n=3, cutoff=0.6)
        suggestions: list[str] = []
        for key in close:
            for slug in sorted(keys[key]):
                if names[slug] not in suggestions:
                    suggestions.append(names[slug])
        return PersonaLookup(query=query, suggestions=tuple(suggestions))

    def revisions(self, workspace_id: int, slug: str) -> list[RevisionView]:
        with self._sessions() as s:
            rows = s.scalars(
                select(PersonaRevision)
                .join(Persona, Persona.id == PersonaRevision.persona_id)
                .where(Persona.workspace_id == workspace_id, Persona.slug == slug)
                .order_by(PersonaRevision.version)
            ).all()
            return [
                RevisionView(
                    r.version, r.author, r.note, _aware(r.created_at) or utcnow(), r.snapshot
                )
                for r in rows
            ]

    # -- writing -------------------------------------------------------------------------
    def upsert(
        self, workspace_id: int, spec: PersonaSpec, *, author: str, note: str = ""
    ) -> tuple[PersonaView, str]:
        """Create or update one persona by slug. Returns (view, "created"|"updated"|"unchanged")."""
        with self._sessions.begin() as s:
            p, outcome = self._apply(s, workspace_id, spec, author=author, note=note)
            s.flush()
            s.refresh(p)
            return view_of(p), outcome

    def import_specs(
        self, workspace_id: int, specs: Sequence[PersonaSpec], *, author: str
    ) -> ImportResult:
        """All-or-nothing: every persona is written in one transaction, or none is."""
        seen: set[str] = set()
        for spec in specs:
            if spec.slug in seen:
                raise ValueError(f"duplicate slug {spec.slug!r}")
            seen.add(spec.slug)
        created: list[str] = []
        updated: list[str] = []
        unchanged: list[str] = []
        with self._sessions.begin() as s:
            for spec in specs:
                _, outcome = self._apply(s, workspace_id, spec, author=author, note="import")
                {"created": created, "updated": updated, "unchanged": unchanged}[outcome].append(
                    spec.slug
                )
        return ImportResult(tuple(created), tuple(updated), tuple(unchanged))

    def _apply(
        self, s: Session, workspace_id: int, spec: PersonaSpec, *, author: str, note: str
    ) -> tuple[Persona, str]:
        p = s.scalar(
            self._query().where(Persona.workspace_id == workspace_id, Persona.slug == spec.slug)
        )
        now = utcnow()
        if p is None:
            p = Persona(workspace_id=workspace_id, slug=spec.slug, name=spec.name, version=0)
            s.add(p)
            before = None
        else:
            before = spec_of(view_of(p)).to_dict()
        p.name = spec.name
        p.kind = spec.kind
        p.role = spec.role
        p.summary = spec.summary
        p.photo_url = spec.photo_url
        p.quote = spec.quote
        p.segment = spec.segment
        p.review_every_days = spec.review_every_days
        p.home_channel = spec.home_channel
        if spec.last_reviewed is not None:
            p.last_reviewed_at = datetime.combine(spec.last_reviewed, time(), tzinfo=UTC)
        elif p.last_reviewed_at is None:
            p.last_reviewed_at = now
        self._sync_lines(s, p, spec)
        self._sync_owners(p, spec.owners)
        s.flush()
        self._sync_evidence(p, spec.evidence)
        s.flush()
        s.refresh(p)
        after = spec_of(view_of(p)).to_dict()
        if before == after:
            return p, "unchanged"
        p.version = (p.version or 0) + 1
        p.updated_at = now
        s.add(
            PersonaRevision(
                persona_id=p.id, version=p.version, snapshot=after, author=author, note=note
            )
        )
        return p, "created" if before is None else "updated"

    @staticmethod
    def _sync_lines(s: Session, p: Persona, spec: PersonaSpec) -> None:
        """Keep citation keys stable: an unchanged line keeps its key; new lines get fresh ones."""
        existing = list(p.lines)
        keep: list[ProfileLine] = []
        position = 0
        for kind in LINE_FIELDS.values():
            old = [line for line in existing if line.kind == kind]
            used: set[int] = set()
            numbers = [
                int(k.key.rsplit("-", 1)[1]) for k in old if k.key.rsplit("-", 1)[1].isdigit()
            ]
            next_number = max(numbers, default=0) + 1
            for text_ in spec.lines.get(kind, ()):
                match = next(
                    (line for line in old if line.text == text_ and line.id not in used), None
                )
                if match is None:
                    match = ProfileLine(kind=kind, key=f"{kind}-{next_number}", text=text_)
                    next_number += 1
                else:
                    used.add(match.id)
                match.position = position
                position += 1
                keep.append(match)
        for line in existing:
            if line not in keep:
                p.lines.remove(line)
        for line in keep:
            if line not in p.lines:
                p.lines.append(line)
        s.flush()

    @staticmethod
    def _sync_owners(p: Persona, owners: Iterable[str]) -> None:
        wanted = []
        for ref in owners:
            platform, _, user = ref.partition(":")
            wanted.append((platform, user))
        for o in list(p.owners):
            if (o.platform, o.user_id) not in wanted:
                p.owners.remove(o)
        have = {(o.platform, o.user_id) for o in p.owners}
        for platform, user in dict.fromkeys(wanted):
            if (platform, user) not in have:
                p.owners.append(Owner(platform=platform, user_id=user))

    @staticmethod
    def _sync_evidence(p: Persona, evidence: Iterable[EvidenceSpec]) -> None:
        """Match on (summary, source, date) so bot-written details (survey counts) survive."""
        by_key = {line.key: line.id for line in p.lines}
        pool = list(p.evidence)
        keep: list[Evidence] = []
        for spec in evidence:
            match = next(
                (
                    e
                    for e in pool
                    if e.summary == spec.summary
                    and e.source == spec.source
                    and e.collected_at == spec.date
                    and e not in keep
                ),
                None,
            )
            if match is None:
                match = Evidence(summary=spec.summary, source=spec.source, collected_at=spec.date)
                p.evidence.append(match)
            match.n = spec.n
            match.line_id = by_key.get(spec.line) if spec.line else None
            keep.append(match)
        for e in pool:
            if e not in keep:
                p.evidence.remove(e)

    def add_evidence(
        self,
        workspace_id: int,
        slug: str,
        evidence: EvidenceSpec,
        *,
        author: str,
        details: dict | None = None,
    ) -> PersonaView:
        """Append one evidence item (e.g. survey results) and write a revision."""
        with self._sessions.begin() as s:
            p = s.scalar(
                self._query().where(Persona.workspace_id == workspace_id, Persona.slug == slug)
            )
            if p is None:
                raise KeyError(slug)
            by_key = {line.key: line.id for line in p.lines}
            p.evidence.append(
                Evidence(
                    summary=evidence.summary,
                    source=evidence.source,
                    n=evidence.n,
                    collected_at=evidence.date or date.today(),
                    line_id=by_key.get(evidence.line) if evidence.line else None,
                    details=details,
                )
            )
            s.flush()
            self._revise(s, p, author=author, note=f"evidence: {evidence.summary[:80]}")
            s.flush()
            s.refresh(p)
            return view_of(p)

    def mark_reviewed(
        self, workspace_id: int, slug: str, *, author: str, at: datetime | None = None
    ) -> PersonaView:
        with self._sessions.begin() as s:
            p = s.scalar(
                self._query().where(Persona.workspace_id == workspace_id, Persona.slug == slug)
            )
            if p is None:
                raise KeyError(slug)
            p.last_reviewed_at = at or utcnow()
            s.flush()
            self._revise(s, p, author=author, note="reviewed: still accurate")
            s.flush()
            s.refresh(p)
            return view_of(p)

    def set_owners(
        self, workspace_id: int, slug: str, owners: Sequence[str], *, author: str
    ) -> PersonaView:
        with self._sessions.begin() as s:
            p = s.scalar(
                self._query().where(Persona.workspace_id == workspace_id, Persona.slug == slug)
            )
            if p is None:
                raise KeyError(slug)
            self._sync_owners(p, owners)
            s.flush()
            self._revise(s, p, author=author, note="owners changed")
            s.flush()
            s.refresh(p)
            return view_of(p)

    def _revise(self, s: Session, p: Persona, *, author: str, note: str) -> None:
        s.refresh(p)
        p.version = (p.version or 0) + 1
        p.updated_at = utcnow()
        s.add(
            PersonaRevision(
                persona_id=p.id,
                version=p.version,
                snapshot=spec_of(view_of(p)).to_dict(),
                author=author,
                note=note,
            )
        )
