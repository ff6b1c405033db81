"""Changing a persona's owners, and the notices that change owes.

One transaction writes the new owners, a revision (who, when, the owners after; the one
before it holds the owners before) and the delivery key of every notice owed, 'pending':
a direct message to each previous owner, and for a claim of a persona nobody owned a post
in the workspace's admin channel. The clock posts them (`notices_due`, then the usual
`DeliveryStore.claim`), so a notice is sent exactly once even if a process dies.

Who may change the owners is the core's decision (`bot.features.ownership`); this module
only refuses a change decided on owners that have changed since (two people claiming one
persona at once: the later one is refused).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session, selectinload, sessionmaker

from persona_store.models import Persona, PersonaRevision
from persona_store.personas.convert import view_of
from persona_store.personas.sync import sync_owners
from persona_store.personas.views import PersonaView
from persona_store.scheduling.models import Delivery
from persona_store.scheduling.schedules import CLAIM_LEASE, MAX_ATTEMPTS, PENDING
from persona_store.store import revise

OWNERS_KIND = "owners"
ADMIN_CHANNEL = "admin-channel"  # the recipient of a claim's announcement
# How long an owed notice is still worth posting (the clock was down meanwhile).
NOTICE_WINDOW = timedelta(days=3)


class OwnersChanged(Exception):
    """The persona's owners are no longer the ones the change was decided on."""


@dataclass(frozen=True)
class OwnerNotice:
    """One notice owed: to `recipient` (an owner ref, or ADMIN_CHANNEL) about the change
    that wrote revision `version` of the persona."""

    workspace_id: int
    persona_id: int
    slug: str
    name: str
    recipient: str
    version: int
    author: str
    before: tuple[str, ...]
    after: tuple[str, ...]

    @property
    def target(self) -> str:
        return notice_target(self.persona_id, self.recipient)

    @property
    def period(self) -> str:
        return f"v{self.version}"


def notice_target(persona_id: int, recipient: str) -> str:
    return f"persona:{persona_id}:{recipient}"[:200]


def _refs(snapshot: dict[str, Any] | None) -> tuple[str, ...]:
    return tuple((snapshot or {}).get("owners") or ())


class OwnershipStore:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def change(
        self,
        workspace_id: int,
        slug: str,
        owners: Sequence[str],
        *,
        expected: Sequence[str],
        author: str,
        notify: Sequence[str],
        now: datetime,
    ) -> PersonaView:
        """Set the owners of `slug` to `owners` if they are still `expected`, writing the
        revision and a pending notice to each of `notify`. Raises KeyError (no persona) or
        OwnersChanged."""
        with self._sessions.begin() as s:
            p = s.scalar(
                select(Persona)
                .options(
                    selectinload(Persona.lines),
                    selectinload(Persona.owners),
                    selectinload(Persona.evidence),
                )
                .where(Persona.workspace_id == workspace_id, Persona.slug == slug)
                .with_for_update()
            )
            if p is None:
                raise KeyError(slug)
            if [f"{o.platform}:{o.user_id}" for o in p.owners] != list(expected):
                raise OwnersChanged(slug)
            sync_owners(p, owners)
            s.flush()
            before = ", ".join(expected) or "none"
            revise(s, p, author=author, note=f"owners changed (before: {before})"[:2000])
            s.flush()
            for recipient in dict.fromkeys(notify):
                s.add(
                    Delivery(
                        kind=OWNERS_KIND,
                        target=notice_target(p.id, recipient),
                        period=f"v{p.version}",
                        status=PENDING,
                        attempts=0,
                        created_at=now,
                        claimed_at=now,
                    )
                )
            s.flush()
            s.refresh(p)
            return view_of(p)

    def notices_due(
        self,
        now: datetime,
        *,
        window: timedelta = NOTICE_WINDOW,
        lease: timedelta = CLAIM_LEASE,
        limit: int = 200,
    ) -> list[OwnerNotice]:
        """Notices still owed: pending, failed with attempts left, or left 'sending' past
        the lease; written within `window`. `DeliveryStore.claim` decides who posts."""
        now = now.astimezone(UTC)
        owed = or_(
            and_(Delivery.status.in_((PENDING, "failed")), Delivery.attempts < MAX_ATTEMPTS),
            and_(Delivery.status == "sending", Delivery.claimed_at < now - lease),
        )
        with self._sessions() as s:
            keys = s.execute(
                select(Delivery.target, Delivery.period)
                .where(Delivery.kind == OWNERS_KIND, owed, Delivery.created_at >= now - window)
                .order_by(Delivery.id)
                .limit(limit)
            ).all()
            return [n for t, p in keys if (n := self._notice(s, t, p)) is not None]

    @staticmethod
    def _notice(s: Session, target: str, period: str) -> OwnerNotice | None:
        _, persona_id, recipient = target.split(":", 2)
        version = int(period.removeprefix("v"))
        persona = s.get(Persona, int(persona_id))
        if persona is None:  # deleted meanwhile: nothing to announce
            return None
        revisions = {
            r.version: r
            for r in s.scalars(
                select(PersonaRevision).where(
                    PersonaRevision.persona_id == persona.id,
                    PersonaRevision.version.in_((version - 1, version)),
                )
            )
        }
        this = revisions.get(version)
        if this is None:
            return None
        previous = revisions.get(version - 1)
        return OwnerNotice(
            workspace_id=persona.workspace_id,
            persona_id=persona.id,
            slug=persona.slug,
            name=persona.name,
            recipient=recipient,
            version=version,
            author=this.author,
            before=_refs(previous.snapshot if previous else None),
            after=_refs(this.snapshot),
        )
