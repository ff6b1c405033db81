"""SQLAlchemy 2 models of the persona store.

Every table that holds organisation data carries `workspace_id` (directly or through its
persona) and every query in `persona_store` filters on it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

PERSONA_KINDS = ("primary", "secondary", "negative")
LINE_KINDS = ("goal", "pain", "motivation", "behavior", "objection", "channel")
EVIDENCE_SOURCES = ("survey", "interview", "analytics", "support", "crm", "manual")
# Who wrote an evidence item: a persona file, the bot (survey results) or an evidence import.
# A persona-file import replaces only `file` evidence (persona_store/personas/sync.py).
EVIDENCE_ORIGINS = ("file", "bot", "import")
OWNER_PLATFORMS = ("slack", "teams", "email")


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    pass


class Workspace(Base):
    """An organisation. Slack teams and Teams tenants are linked onto one (WorkspaceLink)."""

    __tablename__ = "workspaces"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    admin_channel: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class WorkspaceLink(Base):
    """Maps a platform's organisation id (Slack team_id, Teams tenant id) to a workspace."""

    __tablename__ = "workspace_links"
    __table_args__ = (UniqueConstraint("platform", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    platform: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(128))


class Persona(Base):
    __tablename__ = "personas"
    __table_args__ = (UniqueConstraint("workspace_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    slug: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16), default="primary")
    role: Mapped[str] = mapped_column(Text, default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    photo_url: Mapped[str | None] = mapped_column(Text)
    quote: Mapped[str] = mapped_column(Text, default="")
    segment: Mapped[str] = mapped_column(String(200), default="")
    review_every_days: Mapped[int] = mapped_column(Integer, default=90)
    last_reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    home_channel: Mapped[str | None] = mapped_column(String(200))
    # buyer/user relations to other personas by slug: {"buyer_of": [...], "user_of": [...]}
    relations: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    lines: Mapped[list[ProfileLine]] = relationship(
        back_populates="persona",
        cascade="all, delete-orphan",
        order_by="ProfileLine.position",
    )
    owners: Mapped[list[Owner]] = relationship(
        back_populates="persona", cascade="all, delete-orphan", order_by="Owner.id"
    )
    # The evidence a persona carries in memory: what files and the bot wrote. Rows of an
    # evidence import (possibly hundreds of thousands) are read by query, summarised
    # (`persona_store.evidence.summary`), never loaded with every persona.
    evidence: Mapped[list[Evidence]] = relationship(
        back_populates="persona",
        cascade="all, delete-orphan",
        order_by="Evidence.id",
        primaryjoin="and_(Persona.id == Evidence.persona_id, Evidence.origin != 'import')",
    )


class ProfileLine(Base):
    """One line of a persona's profile. `key` (e.g. `pain-2`) is stable across edits and
    re-imports and is what answers cite."""

    __tablename__ = "profile_lines"
    __table_args__ = (UniqueConstraint("persona_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    persona_id: Mapped[int] = mapped_column(
        ForeignKey("personas.id", ondelete="CASCADE"), index=True
    )
    key: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(Text)
    position: Mapped[int] = mapped_column(Integer, default=0)

    persona: Mapped[Persona] = relationship(back_populates="lines")


class Owner(Base):
    __tablename__ = "owners"
    __table_args__ = (UniqueConstraint("persona_id", "platform", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    persona_id: Mapped[int] = mapped_column(
        ForeignKey("personas.id", ondelete="CASCADE"), index=True
    )
    platform: Mapped[str] = mapped_column(String(16))  # slack | teams | email
    user_id: Mapped[str] = mapped_column(String(200))

    persona: Mapped[Persona] = relationship(back_populates="owners")


class Evidence(Base):
    __tablename__ = "evidence"
    __table_args__ = (Index("ux_evidence_persona_hash", "persona_id", "content_hash", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    persona_id: Mapped[int] = mapped_column(
        ForeignKey("personas.id", ondelete="CASCADE"), index=True
    )
    source: Mapped[str] = mapped_column(String(16))
    summary: Mapped[str] = mapped_column(Text)
    n: Mapped[int | None] = mapped_column(Integer)
    collected_at: Mapped[date | None] = mapped_column(Date)
    line_id: Mapped[int | None] = mapped_column(ForeignKey("profile_lines.id", ondelete="SET NULL"))
    details: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # e.g. survey counts
    origin: Mapped[str] = mapped_column(String(16), default="file", server_default="file")
    # provenance of an imported row: the export's file name and its spreadsheet row
    source_file: Mapped[str | None] = mapped_column(String(300))
    source_row: Mapped[int | None] = mapped_column(Integer)
    content_hash: Mapped[str | None] = mapped_column(String(64))  # unique per persona
    link: Mapped[str | None] = mapped_column(Text)
    review: Mapped[str | None] = mapped_column(String(16))  # "unrelated" | "new-line"
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    persona: Mapped[Persona] = relationship(back_populates="evidence")
    # Lets a bulk import link evidence to lines that have no id yet (one flush).
    line: Mapped[ProfileLine | None] = relationship()


class PersonaRevision(Base):
    """A full snapshot of a persona, written on every change."""

    __tablename__ = "persona_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    persona_id: Mapped[int] = mapped_column(
        ForeignKey("personas.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[int] = mapped_column(Integer)
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON)
    author: Mapped[str] = mapped_column(String(200))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
