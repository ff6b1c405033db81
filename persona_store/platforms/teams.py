"""Microsoft Teams conversation references: where the bot may post later (the clock's
digests, survey tallies, owner reminders).

A reference is saved on every inbound activity, on conversationUpdate membersAdded and on
installationUpdate add; uninstalling, or a 403 MessageWritesBlocked, marks it inactive so
nothing is sent there again until the bot is added back. Every query is scoped by workspace.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    String,
    Text,
    UniqueConstraint,
    or_,
    select,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from persona_store.models import Base, utcnow

THREAD_MARK = ";messageid="  # a Teams channel thread: `<channel id>;messageid=<post id>`


class TeamsConversation(Base):
    """One conversation the bot is in: a personal chat, a group chat or a channel."""

    __tablename__ = "teams_conversations"
    __table_args__ = (
        UniqueConstraint("workspace_id", "conversation_id", name="uq_teams_conversations_conv"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    tenant_id: Mapped[str] = mapped_column(String(64))
    conversation_id: Mapped[str] = mapped_column(String(512))
    conversation_type: Mapped[str | None] = mapped_column(String(16))  # personal|groupChat|channel
    service_url: Mapped[str] = mapped_column(Text)
    team_id: Mapped[str | None] = mapped_column(String(255))
    channel_id: Mapped[str | None] = mapped_column(String(255))  # Teams channel (not "msteams")
    bot_id: Mapped[str | None] = mapped_column(String(255))
    user_id: Mapped[str | None] = mapped_column(String(255), index=True)  # personal chats
    reference: Mapped[dict[str, Any]] = mapped_column(JSON)  # serialized ConversationReference
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    inactive_reason: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


@dataclass(frozen=True)
class ConversationRef:
    workspace_id: int
    tenant_id: str
    conversation_id: str
    conversation_type: str | None
    service_url: str
    team_id: str | None
    channel_id: str | None
    bot_id: str | None
    user_id: str | None
    reference: dict[str, Any]
    active: bool
    inactive_reason: str | None


def _view(row: TeamsConversation) -> ConversationRef:
    return ConversationRef(
        row.workspace_id,
        row.tenant_id,
        row.conversation_id,
        row.conversation_type,
        row.service_url,
        row.team_id,
        row.channel_id,
        row.bot_id,
        row.user_id,
        dict(row.reference or {}),
        bool(row.active),
        row.inactive_reason,
    )


class TeamsStore:
    """Queries for the Teams adapter's conversation references."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    @classmethod
    def of(cls, store: Any) -> TeamsStore:
        """Share the persona Store's sessions (same database, same pool)."""
        return cls(store.sessions)

    def save(
        self,
        workspace_id: int,
        *,
        tenant_id: str,
        conversation_id: str,
        service_url: str,
        reference: dict[str, Any],
        conversation_type: str | None = None,
        team_id: str | None = None,
        channel_id: str | None = None,
        bot_id: str | None = None,
        user_id: str | None = None,
        reactivate: bool = True,
    ) -> None:
        """Insert or refresh a reference. `reactivate=False` keeps a blocked conversation
        blocked (an ordinary message does not prove the bot may write again; an install does)."""
        values = {
            "tenant_id": tenant_id[:64],
            "service_url": service_url,
            "reference": reference,
            "conversation_type": conversation_type,
            "team_id": team_id,
            "channel_id": channel_id,
            "bot_id": bot_id,
            "updated_at": utcnow(),
        }
        if user_id:
            values["user_id"] = user_id
        for _ in range(2):  # a concurrent first insert loses the race once, then updates
            try:
                with self._sessions.begin() as s:
                    row = s.scalar(
                        select(TeamsConversation).where(
                            TeamsConversation.workspace_id == workspace_id,
                            TeamsConversation.conversation_id == conversation_id,
                        )
                    )
                    if row is None:
                        s.add(
                            TeamsConversation(
                                workspace_id=workspace_id,
                                conversation_id=conversation_id,
                                active=True,
                                **values,
                            )
                        )
                        return
                    for key, value in values.items():
                        setattr(row, key, value)
                    if reactivate:
                        row.active = True
                        row.inactive_reason = None
                return
            except IntegrityError:
                continue

    def get(self, workspace_id: int, conversation_id: str) -> ConversationRef | None:
        with self._sessions() as s:
            row = s.scalar(
                select(TeamsConversation).where(
                    TeamsConversation.workspace_id == workspace_id,
                    TeamsConversation.conversation_id == conversation_id,
                )
            )
            return _view(row) if row else None

    def personal_for_user(self, workspace_id: int, user_id: str) -> ConversationRef | None:
        """The 1:1 chat with a user (for reminder DMs), most recently seen first."""
        with self._sessions() as s:
            row = s.scalar(
                select(TeamsConversation)
                .where(
                    TeamsConversation.workspace_id == workspace_id,
                    TeamsConversation.user_id == user_id,
                    TeamsConversation.conversation_type == "personal",
                )
                .order_by(TeamsConversation.updated_at.desc())
                .limit(1)
            )
            return _view(row) if row else None

    def any_service_url(self, workspace_id: int, tenant_id: str) -> str | None:
        """A serviceUrl seen for this tenant (to open a new 1:1 chat)."""
        with self._sessions() as s:
            return s.scalar(
                select(TeamsConversation.service_url)
                .where(
                    TeamsConversation.workspace_id == workspace_id,
                    TeamsConversation.tenant_id == tenant_id,
                )
                .order_by(TeamsConversation.updated_at.desc())
                .limit(1)
            )

    def deactivate(self, workspace_id: int, conversation_id: str, reason: str) -> bool:
        """Stop sending there (uninstall, user blocked the bot), and in a channel's threads
        (`<channel>;messageid=…`) too. False when the conversation is unknown."""
        with self._sessions.begin() as s:
            rows = s.scalars(
                select(TeamsConversation).where(
                    TeamsConversation.workspace_id == workspace_id,
                    or_(
                        TeamsConversation.conversation_id == conversation_id,
                        TeamsConversation.conversation_id.startswith(
                            conversation_id + THREAD_MARK, autoescape=True
                        ),
                    ),
                )
            ).all()
            for row in rows:
                row.active = False
                row.inactive_reason = reason[:64]
                row.updated_at = utcnow()
            return bool(rows)

    def active(self, workspace_id: int) -> list[ConversationRef]:
        with self._sessions() as s:
            rows = s.scalars(
                select(TeamsConversation)
                .where(
                    TeamsConversation.workspace_id == workspace_id,
                    TeamsConversation.active.is_(True),
                )
                .order_by(TeamsConversation.id)
            )
            return [_view(r) for r in rows]
