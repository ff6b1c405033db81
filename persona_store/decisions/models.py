"""Tables of the decision log. Every row carries `workspace_id`; every query filters on it.

- `answer_records`: one per answer, panel or closed survey result a "Log decision" button
  points at: the question and, per persona, its stance and the profile lines it cited
  (copied, so a decision keeps what was said even after the profile changes). No asker.
- `consultations`: one row per persona asked (ask, panel): the digest says how often a
  persona was consulted. Only the persona, the workspace and the time: never who asked.
- `decisions`: what was decided, its outcome, who logged it and where; `number` counts per
  workspace (`decide edit 3`); the personas it considered are copied into `personas` and
  indexed in `decision_personas` (`decisions maya`, "Considered in N decisions").
- `decision_revisions`: a snapshot per version, like persona revisions.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from persona_store.models import Base, utcnow


class AnswerRecord(Base):
    __tablename__ = "answer_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))  # ask | panel | survey | critique
    question: Mapped[str] = mapped_column(Text, default="")
    # [{"slug", "name", "stance", "lines": [{"key", "text"}]}]
    personas: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    # where it was asked, so `decide` typed in that thread finds it
    platform: Mapped[str] = mapped_column(String(16), default="")
    conversation_id: Mapped[str] = mapped_column(String(200), default="")
    thread_id: Mapped[str | None] = mapped_column(String(200))
    # a random key its "Log decision" button carries: a guessed or forged id attaches
    # nothing (None: recorded before keys, attachable only from its own conversation)
    token: Mapped[str | None] = mapped_column(String(32))
    # pruned after ANSWER_RETENTION (bot/features/decision_sweep.py): decisions keep a copy
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, index=True
    )

    __table_args__ = (
        Index("ix_answer_records_thread", "workspace_id", "conversation_id", "thread_id"),
    )


class Consultation(Base):
    __tablename__ = "consultations"
    __table_args__ = (Index("ix_consultations_persona", "persona_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    persona_id: Mapped[int] = mapped_column(ForeignKey("personas.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Decision(Base):
    __tablename__ = "decisions"
    __table_args__ = (UniqueConstraint("workspace_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(String(200))
    outcome: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[str | None] = mapped_column(Text)
    author: Mapped[str] = mapped_column(String(200))
    author_name: Mapped[str] = mapped_column(String(200), default="")
    answer_id: Mapped[int | None] = mapped_column(
        ForeignKey("answer_records.id", ondelete="SET NULL")
    )
    question: Mapped[str] = mapped_column(Text, default="")
    personas: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    platform: Mapped[str] = mapped_column(String(16), default="")
    conversation_id: Mapped[str] = mapped_column(String(200), default="")
    message_id: Mapped[str | None] = mapped_column(String(200))
    permalink: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class DecisionPersona(Base):
    __tablename__ = "decision_personas"
    __table_args__ = (UniqueConstraint("decision_id", "persona_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(
        ForeignKey("decisions.id", ondelete="CASCADE"), index=True
    )
    persona_id: Mapped[int] = mapped_column(
        ForeignKey("personas.id", ondelete="CASCADE"), index=True
    )


class DecisionRevision(Base):
    __tablename__ = "decision_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(
        ForeignKey("decisions.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[int] = mapped_column(Integer)
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON)
    author: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
