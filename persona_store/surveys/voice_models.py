"""Tables of the customer's-voice surveys: open-text answers (one per person, changeable,
until the close turns them into evidence quotes) and who opted in to one reminder per survey
in a channel (`survey nudge on`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from persona_store.models import Base, utcnow


class SurveyText(Base):
    """One person's typed answer to an open-text survey. `voter_key` as for votes
    (`platform:user`, or a salted hash on anonymous surveys, whose rows keep no time:
    `answered_at` is None). Deleted at close, once saved as evidence quotes."""

    __tablename__ = "survey_texts"
    __table_args__ = (UniqueConstraint("survey_id", "voter_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), index=True)
    voter_key: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class NudgeOptIn(Base):
    """A person who asked (`survey nudge on`, in a channel) for one reminder about each
    survey of that channel they have not answered yet."""

    __tablename__ = "survey_nudge_optins"
    __table_args__ = (UniqueConstraint("workspace_id", "platform", "conversation_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    platform: Mapped[str] = mapped_column(String(16))
    ext_workspace: Mapped[str] = mapped_column(String(128), default="")
    conversation_id: Mapped[str] = mapped_column(String(200))
    user_id: Mapped[str] = mapped_column(String(200))
    service_url: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


__all__ = ["NudgeOptIn", "SurveyText"]
