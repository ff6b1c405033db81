"""What the decision log's queries return: frozen, detached from any session."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

OUTCOMES = ("adopted", "rejected", "changed", "parked")
MAX_DECISION = 200
MAX_NOTE = 2000
MAX_LINK = 2000
MAX_QUESTION = 1000
MAX_DECISION_NUMBER = 2**31 - 1


@dataclass(frozen=True)
class Considered:
    """One persona an answer heard: its stance and the profile lines it cited."""

    slug: str
    name: str
    stance: str = ""
    lines: tuple[tuple[str, str], ...] = ()  # (key, text)

    def to_dict(self) -> dict[str, Any]:
        return {
            "slug": self.slug,
            "name": self.name,
            "stance": self.stance,
            "lines": [{"key": k, "text": t} for k, t in self.lines],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Considered:
        lines = tuple(
            (str(ln.get("key", "")), str(ln.get("text", "")))
            for ln in data.get("lines") or ()
            if isinstance(ln, dict)
        )
        return cls(
            str(data.get("slug", "")), str(data.get("name", "")), str(data.get("stance", "")), lines
        )


@dataclass(frozen=True)
class AnswerRef:
    """An answer a decision can cite (`answer_records`)."""

    id: int
    kind: str
    question: str
    personas: tuple[Considered, ...]
    token: str | None = None  # the key its button carries (None: an older record)
    place: Place | None = None  # where it was given


@dataclass(frozen=True)
class Place:
    """Where something was said: platform, conversation, message (or thread) and a link."""

    platform: str = ""
    conversation_id: str = ""
    message_id: str | None = None
    permalink: str | None = None


@dataclass(frozen=True)
class DecisionDraft:
    """What a person typed or filled in, already checked by the core."""

    text: str
    outcome: str
    note: str = ""
    link: str | None = None


@dataclass(frozen=True)
class DecisionView:
    id: int
    number: int
    text: str
    outcome: str
    note: str
    link: str | None
    author: str
    author_name: str
    question: str
    personas: tuple[Considered, ...]
    place: Place
    version: int
    created_at: datetime
    updated_at: datetime

    @property
    def persona_names(self) -> list[str]:
        return [p.name for p in self.personas]


def aware(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value
