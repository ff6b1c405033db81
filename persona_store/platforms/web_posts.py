"""Messages of the local web playground: what people typed there and what the bot said,
including proactive posts (digests, surveys) that the clock process sends to the "web"
platform. Stored in the database so the clock and the web process, and a page reload,
all see the same conversation.

Each row carries a `seq` that grows on every insert *and* update, so a page polling
`?after=SEQ` also picks up edits (e.g. a live survey tally).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    delete,
    func,
    or_,
    select,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from persona_store.models import Base, utcnow

KEEP_PER_CONVERSATION = 500


class WebPost(Base):
    """One message in a playground conversation: role "user" (typed) or "bot". A bot
    message with a `user_id` is private to that browser ("only you see this")."""

    __tablename__ = "web_posts"
    __table_args__ = (Index("ix_web_posts_conv_seq", "workspace_id", "conversation_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    conversation_id: Mapped[str] = mapped_column(String(64))
    seq: Mapped[int] = mapped_column(Integer, default=0)
    role: Mapped[str] = mapped_column(String(8))
    user_id: Mapped[str | None] = mapped_column(String(64))
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


@dataclass(frozen=True)
class WebPostView:
    id: int
    conversation_id: str
    seq: int
    role: str
    user_id: str | None
    body: dict[str, Any]
    created_at: datetime


def _view(p: WebPost) -> WebPostView:
    created = p.created_at if p.created_at.tzinfo else p.created_at.replace(tzinfo=UTC)
    return WebPostView(p.id, p.conversation_id, p.seq, p.role, p.user_id, p.body, created)


def _visible_to(viewer: str | None) -> Any:
    """Typed messages and public replies; private bot messages only for their viewer."""
    visible = or_(WebPost.role != "bot", WebPost.user_id.is_(None))
    return or_(visible, WebPost.user_id == viewer) if viewer else visible


class WebPostStore:
    """Queries for the playground's messages; every one is scoped by workspace."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    @classmethod
    def of(cls, store: Any) -> WebPostStore:
        """Share the persona Store's sessions (same database, same pool)."""
        return cls(store.sessions)

    @staticmethod
    def _next_seq(s: Session, workspace_id: int, conversation_id: str) -> int:
        top = s.scalar(
            select(func.max(WebPost.seq)).where(
                WebPost.workspace_id == workspace_id, WebPost.conversation_id == conversation_id
            )
        )
        return (top or 0) + 1

    def add(
        self,
        workspace_id: int,
        conversation_id: str,
        role: str,
        body: dict[str, Any],
        *,
        user_id: str | None = None,
    ) -> WebPostView:
        with self._sessions.begin() as s:
            row = WebPost(
                workspace_id=workspace_id,
                conversation_id=conversation_id[:64],
                seq=self._next_seq(s, workspace_id, conversation_id),
                role=role,
                user_id=user_id[:64] if user_id else None,
                body=body,
            )
            s.add(row)
            s.flush()
            self._prune(s, workspace_id, conversation_id, row.seq)
            return _view(row)

    def update(
        self, workspace_id: int, conversation_id: str, post_id: int, body: dict[str, Any]
    ) -> WebPostView | None:
        """Replace a message's content; None when it does not exist (in this workspace)."""
        with self._sessions.begin() as s:
            row = s.scalar(
                select(WebPost).where(
                    WebPost.workspace_id == workspace_id,
                    WebPost.conversation_id == conversation_id,
                    WebPost.id == post_id,
                )
            )
            if row is None:
                return None
            row.body = body
            row.seq = self._next_seq(s, workspace_id, conversation_id)
            row.updated_at = utcnow()
            s.flush()
            return _view(row)

    def get(
        self, workspace_id: int, conversation_id: str, post_id: int, *, viewer: str | None
    ) -> WebPostView | None:
        """One message as `viewer` may see it (another browser's private message is None)."""
        visible = _visible_to(viewer)
        with self._sessions() as s:
            row = s.scalar(
                select(WebPost).where(
                    WebPost.workspace_id == workspace_id,
                    WebPost.conversation_id == conversation_id,
                    WebPost.id == post_id,
                    visible,
                )
            )
            return None if row is None else _view(row)

    def is_private_to(
        self, workspace_id: int, conversation_id: str, post_id: int, user_id: str
    ) -> bool:
        """Whether bot message `post_id` is one only `user_id` sees (their own form)."""
        with self._sessions() as s:
            found = s.scalar(
                select(WebPost.id).where(
                    WebPost.workspace_id == workspace_id,
                    WebPost.conversation_id == conversation_id,
                    WebPost.id == post_id,
                    WebPost.role == "bot",
                    WebPost.user_id == user_id,
                )
            )
            return found is not None

    def remove(self, workspace_id: int, conversation_id: str, post_id: int) -> bool:
        """Delete one message (what someone typed to cast an anonymous vote)."""
        with self._sessions.begin() as s:
            done = s.execute(
                delete(WebPost).where(
                    WebPost.workspace_id == workspace_id,
                    WebPost.conversation_id == conversation_id,
                    WebPost.id == post_id,
                )
            ).rowcount
            return bool(done)

    def after(
        self,
        workspace_id: int,
        conversation_id: str,
        after_seq: int = 0,
        *,
        limit: int = 50,
        viewer: str | None = None,
    ) -> list[WebPostView]:
        """Messages added or changed since `after_seq`, oldest first (at most `limit`, the
        newest ones when there are more). Private bot messages only for their `viewer`."""
        visible = _visible_to(viewer)
        with self._sessions() as s:
            rows = s.scalars(
                select(WebPost)
                .where(
                    WebPost.workspace_id == workspace_id,
                    WebPost.conversation_id == conversation_id,
                    WebPost.seq > after_seq,
                    visible,
                )
                .order_by(WebPost.seq.desc())
                .limit(limit)
            ).all()
            return [_view(r) for r in reversed(rows)]

    def latest_seq(self, workspace_id: int, conversation_id: str) -> int:
        with self._sessions() as s:
            return (
                s.scalar(
                    select(func.max(WebPost.seq)).where(
                        WebPost.workspace_id == workspace_id,
                        WebPost.conversation_id == conversation_id,
                    )
                )
                or 0
            )

    @staticmethod
    def _prune(s: Session, workspace_id: int, conversation_id: str, top_seq: int) -> None:
        """Keep the playground small: only the last KEEP_PER_CONVERSATION messages."""
        if top_seq % 50:
            return
        s.execute(
            delete(WebPost).where(
                WebPost.workspace_id == workspace_id,
                WebPost.conversation_id == conversation_id,
                WebPost.seq <= top_seq - KEEP_PER_CONVERSATION,
            )
        )


__all__ = ["WebPost", "WebPostStore", "WebPostView"]
