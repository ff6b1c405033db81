"""Tables of the gap loop. Nothing here names who asked: a gap is the question (its first
wording, its normalised terms and a short topic), how often and when it was asked, and what
the persona's owners did about it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from persona_store.models import Base, utcnow

# open: listed; asking: a survey is out; answered: the survey closed with evidence, waiting
# for the owner's "Add as pain / goal / Dismiss"; closed: a profile line covers it now;
# dismissed: the owner decided the persona need not cover it.
GAP_STATUSES = ("open", "asking", "answered", "closed", "dismissed")
LISTED = ("open", "asking", "answered")


class Gap(Base):
    __tablename__ = "gaps"
    __table_args__ = (
        UniqueConstraint("persona_id", "number"),
        Index("ix_gaps_persona_status", "persona_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    persona_id: Mapped[int] = mapped_column(ForeignKey("personas.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)  # per persona, stable: `gaps maya dismiss 3`
    question: Mapped[str] = mapped_column(Text)  # the first wording
    topic: Mapped[str] = mapped_column(String(80), default="")  # "SSO", "mobile app"
    terms: Mapped[str] = mapped_column(String(500), default="")  # sorted normalised terms
    count: Mapped[int] = mapped_column(Integer, default=1)
    first_asked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_asked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    status: Mapped[str] = mapped_column(String(16), default="open")
    survey_id: Mapped[int | None] = mapped_column(ForeignKey("surveys.id", ondelete="SET NULL"))
    # the survey was created for the persona's home channel: the clock posts it there
    survey_owed: Mapped[bool] = mapped_column(Boolean, default=False)
    evidence_id: Mapped[int | None] = mapped_column(ForeignKey("evidence.id", ondelete="SET NULL"))
    line_key: Mapped[str | None] = mapped_column(String(32))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_by: Mapped[str | None] = mapped_column(String(200))  # the owner or admin


class QuestionTally(Base):
    """How many questions a persona answered from its profile and how many became gaps, per
    quarter ("2026-Q4"): counts only, no question text and no asker."""

    __tablename__ = "question_tallies"
    __table_args__ = (UniqueConstraint("persona_id", "quarter"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    persona_id: Mapped[int] = mapped_column(ForeignKey("personas.id", ondelete="CASCADE"))
    quarter: Mapped[str] = mapped_column(String(7))
    answered: Mapped[int] = mapped_column(Integer, default=0)
    gaps: Mapped[int] = mapped_column(Integer, default=0)
