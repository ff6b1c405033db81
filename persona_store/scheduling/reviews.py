"""Queries for the quarterly refresh: which personas are due for review, snoozes and flags,
and where to reach people (workspace links, admin channel, a known Teams service URL)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, selectinload, sessionmaker

from persona_store.models import Evidence, Persona, Workspace, WorkspaceLink
from persona_store.scheduling.models import DigestSubscription, ReviewState, Survey


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


@dataclass(frozen=True)
class ReviewDue:
    persona_id: int
    workspace_id: int
    slug: str
    name: str
    review_every_days: int
    last_reviewed_at: datetime | None
    due_at: datetime
    owners: tuple[str, ...]  # "slack:U1", "teams:29:x", "email:a@b"
    home_channel: str | None
    snoozed_until: datetime | None
    flagged: bool  # recent predictions mostly wrong: reviewed before the quarter is up

    @property
    def cycle(self) -> str:
        """One reminder per cycle per owner: a cycle starts at the last review (or snooze)."""
        base = self.last_reviewed_at.date().isoformat() if self.last_reviewed_at else "never"
        if self.snoozed_until is not None:
            base += f"/snooze-{self.snoozed_until.date().isoformat()}"
        return base

    def days_overdue(self, now: datetime) -> int:
        return max(0, (now - self.due_at).days)


class ReviewStore:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    @classmethod
    def of(cls, store: Any) -> ReviewStore:
        return cls(store.sessions)

    def due(self, now: datetime, workspace_id: int | None = None) -> list[ReviewDue]:
        """Personas whose review is due (last review + interval, or flagged), not snoozed."""
        with self._sessions() as s:
            q = select(Persona).options(selectinload(Persona.owners))
            if workspace_id is not None:
                q = q.where(Persona.workspace_id == workspace_id)
            personas = s.scalars(q.order_by(Persona.id)).all()
            states = {r.persona_id: r for r in s.scalars(select(ReviewState)).all()}
            flagged = self._flagged(s)
            out: list[ReviewDue] = []
            for p in personas:
                last = _aware(p.last_reviewed_at)
                state = states.get(p.id)
                snoozed = _aware(state.snoozed_until) if state else None
                snoozed_now = snoozed is not None and (last is None or snoozed > last)
                if snoozed_now and snoozed > now:  # type: ignore[operator]
                    continue
                due_at = (last or _aware(p.created_at) or now) + timedelta(days=p.review_every_days)
                is_flagged = p.id in flagged and (last is None or flagged[p.id] > last)
                if not (due_at <= now or is_flagged or snoozed_now):
                    continue
                if is_flagged and due_at > now:
                    due_at = flagged[p.id]
                out.append(
                    ReviewDue(
                        persona_id=p.id,
                        workspace_id=p.workspace_id,
                        slug=p.slug,
                        name=p.name,
                        review_every_days=p.review_every_days,
                        last_reviewed_at=last,
                        due_at=due_at,
                        owners=tuple(f"{o.platform}:{o.user_id}" for o in p.owners),
                        home_channel=p.home_channel,
                        snoozed_until=snoozed if snoozed_now else None,
                        flagged=is_flagged,
                    )
                )
            return out

    @staticmethod
    def _flagged(s: Session) -> dict[int, datetime]:
        """persona id -> close time of the latest prediction, for personas whose last five
        predictions (at least three) are mostly wrong."""
        rows = s.execute(
            select(Survey.persona_id, Survey.prediction_correct, Survey.closed_at)
            .where(Survey.status == "closed", Survey.prediction_correct.is_not(None))
            .order_by(Survey.persona_id, Survey.closed_at.desc(), Survey.id.desc())
        ).all()
        recent: dict[int, list[tuple[bool, datetime]]] = {}
        for pid, correct, closed in rows:
            bucket = recent.setdefault(pid, [])
            if len(bucket) < 5:
                bucket.append((bool(correct), _aware(closed) or datetime.now(UTC)))
        return {
            pid: items[0][1]
            for pid, items in recent.items()
            if len(items) >= 3 and sum(c for c, _ in items) * 2 < len(items)
        }

    def snooze(self, workspace_id: int, slug: str, until: datetime) -> bool:
        return self._state(workspace_id, slug, snoozed_until=until)

    def flag_needs_update(self, workspace_id: int, slug: str, note: str) -> bool:
        return self._state(workspace_id, slug, needs_update=True, note=note[:500])

    def clear(self, workspace_id: int, slug: str) -> bool:
        return self._state(workspace_id, slug, snoozed_until=None, needs_update=False, note=None)

    def _state(self, workspace_id: int, slug: str, **values: Any) -> bool:
        with self._sessions.begin() as s:
            pid = s.scalar(
                select(Persona.id).where(Persona.workspace_id == workspace_id, Persona.slug == slug)
            )
            if pid is None:
                return False
            state = s.get(ReviewState, pid)
            if state is None:
                state = ReviewState(persona_id=pid, needs_update=False)
                s.add(state)
            for key, value in values.items():
                setattr(state, key, value)
            return True

    def evidence_since(self, persona_id: int, since: datetime | None) -> list[str]:
        with self._sessions() as s:
            q = select(Evidence.summary).where(Evidence.persona_id == persona_id)
            if since is not None:
                q = q.where(Evidence.created_at > since)
            return list(s.scalars(q.order_by(Evidence.id.desc()).limit(5)).all())

    # -- where to reach people ------------------------------------------------------------------
    def external_id(self, workspace_id: int, platform: str) -> str | None:
        """The Slack team id / Teams tenant id linked to this workspace."""
        with self._sessions() as s:
            return s.scalar(
                select(WorkspaceLink.external_id)
                .where(
                    WorkspaceLink.workspace_id == workspace_id, WorkspaceLink.platform == platform
                )
                .order_by(WorkspaceLink.id)
                .limit(1)
            )

    def admin_channel(self, workspace_id: int) -> str | None:
        with self._sessions() as s:
            return s.scalar(select(Workspace.admin_channel).where(Workspace.id == workspace_id))

    def set_admin_channel(self, workspace_id: int, ref: str | None) -> None:
        """Where reviews of personas without owners go ("slack:C123"); None turns it off."""
        with self._sessions.begin() as s:
            s.execute(
                update(Workspace).where(Workspace.id == workspace_id).values(admin_channel=ref)
            )

    def service_url(self, workspace_id: int, platform: str) -> str | None:
        """A service URL seen for this workspace (Teams needs one for proactive messages)."""
        with self._sessions() as s:
            for model in (DigestSubscription, Survey):
                found = s.scalar(
                    select(model.service_url)
                    .where(
                        model.workspace_id == workspace_id,
                        model.platform == platform,
                        model.service_url.is_not(None),
                    )
                    .order_by(model.id.desc())
                    .limit(1)
                )
                if found:
                    return found
        return None
