"""Slack adapter state shared by every web process: event de-duplication, shared answers
("Share in channel") and pending answers ("Asking Maya…" placeholders not yet replaced).

It lives in the database, not in process memory, so several web processes behind a load
balancer agree, and a restart can finish what a dead process left behind.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    ForeignKey,
    String,
    Text,
    UniqueConstraint,
    delete,
    select,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from persona_store.models import Base, utcnow


class SlackEvent(Base):
    """One Events API delivery we acted on; a retry with the same event_id is ignored."""

    __tablename__ = "slack_events"
    __table_args__ = (UniqueConstraint("workspace_id", "event_id", name="uq_slack_events_event"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    event_id: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class SlackShare(Base):
    """An ephemeral answer that can be shared in the channel (Slack does not send the
    content of an ephemeral message with the click, so we keep it)."""

    __tablename__ = "slack_shares"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    token: Mapped[str] = mapped_column(String(40), unique=True)
    message: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class SlackPending(Base):
    """A placeholder ("Asking Maya…") waiting for its answer."""

    __tablename__ = "slack_pending"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    team_id: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(64))
    ts: Mapped[str | None] = mapped_column(String(32))
    thread_ts: Mapped[str | None] = mapped_column(String(32))
    response_url: Mapped[str | None] = mapped_column(Text)
    user_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, index=True
    )


@dataclass(frozen=True)
class PendingView:
    id: int
    workspace_id: int
    team_id: str
    channel: str
    ts: str | None
    thread_ts: str | None
    response_url: str | None
    user_id: str
    kind: str
    text: str
    created_at: datetime


def _view(p: SlackPending) -> PendingView:
    created = p.created_at if p.created_at.tzinfo else p.created_at.replace(tzinfo=UTC)
    return PendingView(
        p.id,
        p.workspace_id,
        p.team_id,
        p.channel,
        p.ts,
        p.thread_ts,
        p.response_url,
        p.user_id,
        p.kind,
        p.text,
        created,
    )


class SlackStore:
    """Queries for the Slack adapter's state; every one is scoped by workspace."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    @classmethod
    def of(cls, store: Any) -> SlackStore:
        """Share the persona Store's sessions (same database, same pool)."""
        return cls(store.sessions)

    @staticmethod
    def engine_of(store: Any) -> Any:
        """The persona Store's engine, for slack_sdk's own SQLAlchemy installation store."""
        return store.sessions.kw["bind"]

    # -- event de-duplication ------------------------------------------------------------
    def claim_event(self, workspace_id: int, event_id: str) -> bool:
        """True the first time an event_id is seen in a workspace, False for every retry,
        whichever web process receives it."""
        try:
            with self._sessions.begin() as s:
                s.add(SlackEvent(workspace_id=workspace_id, event_id=event_id[:64]))
        except IntegrityError:
            return False
        return True

    def release_event(self, workspace_id: int, event_id: str) -> None:
        """Forget one event id (a typed anonymous vote must leave no dated row); a retry
        of it only repeats the same vote."""
        with self._sessions.begin() as s:
            s.execute(
                delete(SlackEvent).where(
                    SlackEvent.workspace_id == workspace_id, SlackEvent.event_id == event_id[:64]
                )
            )

    def prune_events(self, older_than: timedelta = timedelta(days=2)) -> int:
        """Slack retries for minutes, not days; old ids are dropped (housekeeping, all
        workspaces at once by design)."""
        with self._sessions.begin() as s:
            result = s.execute(
                delete(SlackEvent).where(SlackEvent.received_at < utcnow() - older_than)
            )
            return result.rowcount or 0  # type: ignore[attr-defined]

    # -- shared answers ------------------------------------------------------------------
    def save_share(self, workspace_id: int, message: dict[str, Any]) -> str:
        token = uuid.uuid4().hex
        with self._sessions.begin() as s:
            s.add(SlackShare(workspace_id=workspace_id, token=token, message=message))
        return token

    def get_share(self, workspace_id: int, token: str) -> dict[str, Any] | None:
        with self._sessions() as s:
            return s.scalar(
                select(SlackShare.message).where(
                    SlackShare.workspace_id == workspace_id, SlackShare.token == token
                )
            )

    # -- pending answers -----------------------------------------------------------------
    def add_pending(
        self,
        workspace_id: int,
        *,
        team_id: str,
        channel: str,
        user_id: str,
        kind: str,
        text: str,
        ts: str | None = None,
        thread_ts: str | None = None,
        response_url: str | None = None,
    ) -> int:
        with self._sessions.begin() as s:
            row = SlackPending(
                workspace_id=workspace_id,
                team_id=team_id,
                channel=channel,
                ts=ts,
                thread_ts=thread_ts,
                response_url=response_url,
                user_id=user_id,
                kind=kind,
                text=text[:4000],
            )
            s.add(row)
            s.flush()
            return row.id

    def finish_pending(self, workspace_id: int, pending_id: int) -> bool:
        """Remove a pending answer. True only for the one caller that removed it, so an
        answer and a recovery sweep never both complete the same placeholder."""
        with self._sessions.begin() as s:
            result = s.execute(
                delete(SlackPending).where(
                    SlackPending.workspace_id == workspace_id, SlackPending.id == pending_id
                )
            )
            return (result.rowcount or 0) == 1  # type: ignore[attr-defined]

    def stale_pending(self, older_than: timedelta, limit: int = 100) -> list[PendingView]:
        """Placeholders older than `older_than` (their process most likely died). Read across
        workspaces by design: recovery is housekeeping; each row keeps its workspace."""
        with self._sessions() as s:
            rows = s.scalars(
                select(SlackPending)
                .where(SlackPending.created_at < utcnow() - older_than)
                .order_by(SlackPending.id)
                .limit(limit)
            ).all()
            return [_view(r) for r in rows]
