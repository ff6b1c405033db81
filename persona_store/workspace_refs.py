"""Finding a workspace from what a person types on the command line, without creating one:
`slack:T0123` / `teams:TENANT-ID` (a linked Slack team or Teams tenant, the form
`persona-bot workspaces link` takes), `#3` or `3` (the number `workspaces link` prints),
`default`, or the workspace's name.

Read-only on purpose: `Store.workspace_id` creates a workspace for a team it has never seen,
which is right for a chat event and wrong for a typo in `--workspace`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from persona_store.db import MAX_INTEGER_ID
from persona_store.models import Workspace, WorkspaceLink
from persona_store.store import DEFAULT_WORKSPACE, LOCAL_PLATFORMS

PLATFORMS = ("slack", "teams")


class WorkspaceRefError(LookupError):
    """No workspace (or more than one) answers to the reference; the message says which
    ones exist."""


@dataclass(frozen=True)
class WorkspaceInfo:
    id: int
    name: str
    links: tuple[str, ...]  # "slack:T0123", "teams:<tenant id>"

    def label(self) -> str:
        links = f" ({', '.join(self.links)})" if self.links else ""
        return f"#{self.id} {self.name}{links}"


def list_workspaces(store: Any) -> list[WorkspaceInfo]:
    sessions: sessionmaker[Session] = store.sessions
    with sessions() as s:
        rows = s.execute(select(Workspace.id, Workspace.name).order_by(Workspace.id)).all()
        links: dict[int, list[str]] = {}
        for ws_id, platform, external_id in s.execute(
            select(
                WorkspaceLink.workspace_id, WorkspaceLink.platform, WorkspaceLink.external_id
            ).order_by(WorkspaceLink.platform, WorkspaceLink.external_id)
        ).all():
            links.setdefault(ws_id, []).append(f"{platform}:{external_id}")
    return [WorkspaceInfo(i, name, tuple(links.get(i, ()))) for i, name in rows]


def _match(s: Session, ref: str) -> list[int]:
    platform, sep, external_id = ref.partition(":")
    if sep and platform.lower() in PLATFORMS and external_id:
        found = s.scalar(
            select(WorkspaceLink.workspace_id).where(
                WorkspaceLink.platform == platform.lower(),
                WorkspaceLink.external_id == external_id,
            )
        )
        return [found] if found is not None else []
    key = DEFAULT_WORKSPACE if ref.lower() in LOCAL_PLATFORMS else ref
    number = ref.removeprefix("#")
    if number.isdigit() and int(number) <= MAX_INTEGER_ID:  # bigger: no workspace
        found = s.scalar(select(Workspace.id).where(Workspace.id == int(number)))
        if found is not None or ref.startswith("#"):
            return [found] if found is not None else []
    by_key = s.scalar(select(Workspace.id).where(Workspace.key == key))
    if by_key is not None:
        return [by_key]
    return list(
        s.scalars(select(Workspace.id).where(func.lower(Workspace.name) == ref.lower())).all()
    )


def find_workspace(store: Any, ref: str) -> int:
    """The id of the one workspace `ref` names; WorkspaceRefError otherwise."""
    ref = ref.strip()
    sessions: sessionmaker[Session] = store.sessions
    with sessions() as s:
        found = _match(s, ref) if ref else []
    if len(found) == 1:
        return found[0]
    known = "; ".join(w.label() for w in list_workspaces(store)) or "none yet"
    if found:
        raise WorkspaceRefError(
            f"More than one workspace is called {ref!r}; name it by number. Workspaces: {known}."
        )
    raise WorkspaceRefError(
        f"There is no workspace {ref!r}. Name one as slack:TEAM_ID, teams:TENANT_ID, #NUMBER "
        f"or by name. Workspaces: {known}."
    )
