"""Store: the one place that reads and writes personas. Synchronous SQLAlchemy sessions;
the async web process calls it through a bounded thread pool (see bot.deps.Deps.db).

Every method takes a `workspace_id` and filters on it: one workspace never sees another's
personas.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload, sessionmaker

from persona_store.evidence.summary import imported_summaries
from persona_store.models import (
    Evidence,
    Persona,
    PersonaRevision,
    Workspace,
    WorkspaceLink,
    utcnow,
)
from persona_store.personas.bulk import insert_new
from persona_store.personas.convert import aware as _aware
from persona_store.personas.convert import predicted_snapshot, snapshot, spec_of, view_of
from persona_store.personas.spec import EvidenceSpec, PersonaSpec
from persona_store.personas.sync import apply_spec, sync_owners
from persona_store.personas.views import PersonaView
from persona_store.suggest import close_matches

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


def _norm(value: str) -> str:
    return re.sub(r"\s+", " ", value.strip().lower())


class Store:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    @property
    def sessions(self) -> sessionmaker[Session]:
        """The session factory the other repositories share (`Repositories.over`)."""
        return self._sessions

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

    def persona_names(self, workspace_id: int) -> list[tuple[str, str]]:
        """(slug, name) of every persona: a cheap read for parsing names out of text."""
        with self._sessions() as s:
            rows = s.execute(
                select(Persona.slug, Persona.name)
                .where(Persona.workspace_id == workspace_id)
                .order_by(Persona.name)
            ).all()
            return [(slug, name) for slug, name in rows]

    def list_personas(self, workspace_id: int) -> list[PersonaView]:
        with self._sessions() as s:
            rows = s.scalars(
                self._query().where(Persona.workspace_id == workspace_id).order_by(Persona.name)
            ).all()
            imported = imported_summaries(s, [p.id for p in rows])
            return [view_of(p, imported.get(p.id)) for p in rows]

    def get(self, workspace_id: int, slug: str) -> PersonaView | None:
        with self._sessions() as s:
            p = s.scalar(
                self._query().where(Persona.workspace_id == workspace_id, Persona.slug == slug)
            )
            if p is None:
                return None
            return view_of(p, imported_summaries(s, [p.id]).get(p.id))

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
        close = close_matches(q, keys)
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
            outcome = self._write(s, workspace_id, [spec], author=author, note=note)[0]
            p = s.scalar(
                self._query().where(Persona.workspace_id == workspace_id, Persona.slug == spec.slug)
            )
            assert p is not None
            return view_of(p), outcome

    def import_specs(
        self, workspace_id: int, specs: Sequence[PersonaSpec], *, author: str
    ) -> ImportResult:
        """All-or-nothing: every persona is written in one transaction, or none is.
        Personas already in the store are matched by slug; unchanged ones are not touched."""
        seen: set[str] = set()
        for spec in specs:
            if spec.slug in seen:
                raise ValueError(f"duplicate slug {spec.slug!r}")
            seen.add(spec.slug)
        with self._sessions.begin() as s:
            outcomes = self._write(s, workspace_id, specs, author=author, note="import")
        grouped: dict[str, list[str]] = {"created": [], "updated": [], "unchanged": []}
        for spec, outcome in zip(specs, outcomes, strict=True):
            grouped[outcome].append(spec.slug)
        return ImportResult(
            tuple(grouped["created"]), tuple(grouped["updated"]), tuple(grouped["unchanged"])
        )

    def _write(
        self,
        s: Session,
        workspace_id: int,
        specs: Sequence[PersonaSpec],
        *,
        author: str,
        note: str,
    ) -> list[str]:
        """Write specs in the session's transaction; returns each one's outcome.

        New personas go in with multi-row INSERTs (persona_store.personas.bulk); existing ones are
        compared first and only changed ones are synced through the ORM (one flush), each
        getting a new version and a revision."""
        now = utcnow()
        existing: dict[str, Persona] = {}
        slugs = [spec.slug for spec in specs]
        for i in range(0, len(slugs), 500):  # keep IN lists well under driver limits
            chunk = slugs[i : i + 500]
            for p in s.scalars(
                self._query().where(Persona.workspace_id == workspace_id, Persona.slug.in_(chunk))
            ):
                existing[p.slug] = p
        outcomes: list[str] = []
        fresh: list[PersonaSpec] = []
        changed: list[tuple[int, Persona, dict]] = []
        for index, spec in enumerate(specs):
            p = existing.get(spec.slug)
            if p is None:
                fresh.append(spec)
                outcomes.append("created")
                continue
            outcomes.append("unchanged")
            before = snapshot(p)
            if predicted_snapshot(spec, before) != before:
                apply_spec(p, spec, now)
                changed.append((index, p, before))
        if changed:
            s.flush()
            for index, p, before in changed:
                after = snapshot(p)
                if after == before:  # e.g. only the order of owners differed
                    continue
                p.version = (p.version or 0) + 1
                p.updated_at = now
                outcomes[index] = "updated"
                s.add(
                    PersonaRevision(
                        persona_id=p.id,
                        version=p.version,
                        snapshot=after,
                        author=author,
                        note=note,
                        created_at=now,
                    )
                )
            s.flush()
        insert_new(s, workspace_id, fresh, author=author, note=note, now=now)
        return outcomes

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
            append_evidence(s, p, evidence, author=author, details=details)
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
            sync_owners(p, owners)
            s.flush()
            self._revise(s, p, author=author, note="owners changed")
            s.flush()
            s.refresh(p)
            return view_of(p)

    def _revise(self, s: Session, p: Persona, *, author: str, note: str) -> None:
        revise(s, p, author=author, note=note)


def append_evidence(
    s: Session, p: Persona, evidence: EvidenceSpec, *, author: str, details: dict | None = None
) -> Evidence:
    """Append one evidence item to a persona and write a revision, in the caller's
    transaction (a survey's close writes its evidence in the same one as the close)."""
    by_key = {line.key: line.id for line in p.lines}
    item = Evidence(
        summary=evidence.summary,
        source=evidence.source,
        n=evidence.n,
        collected_at=evidence.date or date.today(),
        line_id=by_key.get(evidence.line) if evidence.line else None,
        details=details,
        origin="bot",
    )
    p.evidence.append(item)
    s.flush()
    revise(s, p, author=author, note=f"evidence: {evidence.summary[:80]}")
    s.flush()
    return item


def revise(s: Session, p: Persona, *, author: str, note: str) -> None:
    """Write the persona's next revision (a snapshot of it as it is in this transaction)."""
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
