"""Teams inbound de-duplication: Bot Framework may deliver the same activity twice (a retry
after a slow or lost response). An activity is claimed on (conversation id, activity id)
once its turn has acted on it (adapters/teams/redelivery.py); a later delivery finds the
claim and does nothing.

It lives in the database, not in process memory, so a retry that reaches another web
process behind the load balancer is recognised too. Every query is scoped by workspace.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import DateTime, ForeignKey, String, UniqueConstraint, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from persona_store.models import Base, utcnow


class TeamsActivity(Base):
    """One inbound message or invoke we acted on."""

    __tablename__ = "teams_activities"
    __table_args__ = (
        UniqueConstraint(
            "workspace_id", "conversation_id", "activity_id", name="uq_teams_activities_activity"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    conversation_id: Mapped[str] = mapped_column(String(512))
    activity_id: Mapped[str] = mapped_column(String(255))
    received_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, index=True
    )


BLIND = ""  # the conversation id of a blinded record (see `TeamsActivityLog.blind`)


class TeamsActivityLog:
    """Claims on inbound activities (same database and pool as the persona Store)."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    @classmethod
    def of(cls, store: Any) -> TeamsActivityLog:
        return cls(store.sessions)

    def seen(self, workspace_id: int, conversation_id: str, activity_id: str) -> bool:
        """Whether the activity was already acted on (claimed), by any web process."""
        with self._sessions() as s:
            found = s.scalar(
                select(TeamsActivity.id).where(
                    TeamsActivity.workspace_id == workspace_id,
                    TeamsActivity.conversation_id == conversation_id[:512],
                    TeamsActivity.activity_id == activity_id[:255],
                )
            )
            return found is not None

    @staticmethod
    def blind(conversation_id: str, activity_id: str) -> tuple[str, str]:
        """The (conversation, activity) key of a vote click: no conversation, only a hash of
        both ids; its record also keeps only the hour (`claim`). Nothing in it dates a vote
        or says where it was cast, yet a redelivery finds it."""
        digest = hashlib.sha256(f"{conversation_id}\x00{activity_id}".encode()).hexdigest()
        return BLIND, "h:" + digest

    def claim(self, workspace_id: int, conversation_id: str, activity_id: str) -> bool:
        """True the first time an activity is seen in a conversation, False for every
        redelivery, whichever web process receives it."""
        received = utcnow()
        if conversation_id == BLIND:
            received = received.replace(minute=0, second=0, microsecond=0)
        try:
            with self._sessions.begin() as s:
                s.add(
                    TeamsActivity(
                        workspace_id=workspace_id,
                        conversation_id=conversation_id[:512],
                        activity_id=activity_id[:255],
                        received_at=received,
                    )
                )
        except IntegrityError:
            return False
        return True

    def release(self, workspace_id: int, conversation_id: str, activity_id: str) -> None:
        """Forget one record (an activity that must leave no trace once acted on)."""
        with self._sessions.begin() as s:
            s.execute(
                delete(TeamsActivity).where(
                    TeamsActivity.workspace_id == workspace_id,
                    TeamsActivity.conversation_id == conversation_id[:512],
                    TeamsActivity.activity_id == activity_id[:255],
                )
            )

    def prune(self, older_than: timedelta = timedelta(days=2)) -> int:
        """Bot Framework retries within minutes; old claims are dropped (housekeeping,
        all workspaces at once by design)."""
        with self._sessions.begin() as s:
            result = s.execute(
                delete(TeamsActivity).where(TeamsActivity.received_at < utcnow() - older_than)
            )
            return result.rowcount or 0  # type: ignore[attr-defined]
