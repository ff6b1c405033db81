"""Survey value objects and input rules shared by the store and the chat features:
SurveyView (a survey with its live counts), SurveyPlace (where it was posted), the voter key
(salted hash for anonymous surveys) and option validation."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from persona_store.db import MAX_INTEGER_ID

MAX_OPTIONS = 10
MIN_OPTIONS = 2
MAX_QUESTION = 300
MAX_OPTION = 75  # Slack shows at most 75 characters of a button's text
TALLY_INTERVAL = timedelta(seconds=2)
MAX_SURVEY_ID = MAX_INTEGER_ID  # a bigger number is no survey (the store answers so)


class SurveyError(ValueError):
    """Bad survey input or a vote that cannot be taken; the message is shown to the person."""


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


@dataclass(frozen=True)
class SurveyPlace:
    """Where a survey was posted (the fields of bot.messages.Address, kept neutral here)."""

    platform: str
    ext_workspace: str
    conversation_id: str
    thread_id: str | None = None
    service_url: str | None = None


@dataclass(frozen=True)
class SurveyView:
    id: int
    workspace_id: int
    persona_id: int
    persona_slug: str
    persona_name: str
    question: str
    options: tuple[str, ...]
    anonymous: bool
    status: str
    created_by: str
    created_at: datetime
    closes_at: datetime | None
    closed_at: datetime | None
    place: SurveyPlace
    message_id: str | None
    counts: tuple[int, ...] = ()
    line_key: str | None = None
    prediction: int | None = None
    prediction_correct: bool | None = None
    evidence_id: int | None = None
    results: dict[str, Any] | None = field(default=None, compare=False)
    open_text: bool = False  # answers are typed (`--open`); `options` is empty
    every: str | None = None  # "week" | "month": a recurring survey
    series_id: int | None = None  # the first survey of its recurring series
    texts: tuple[str, ...] = ()  # an open-text survey's answers, sorted (no order kept)

    @property
    def total(self) -> int:
        return len(self.texts) if self.open_text else sum(self.counts)

    @property
    def is_open(self) -> bool:
        return self.status == "open"


@dataclass(frozen=True)
class VoteResult:
    survey_id: int
    option: int
    outcome: str  # "new" | "changed" | "same"


@dataclass(frozen=True)
class PredictionRecord:
    right: int
    total: int
    last: tuple[bool, ...]  # most recent first, at most ten

    @property
    def mostly_wrong(self) -> bool:
        recent = self.last[:5]
        return len(recent) >= 3 and sum(recent) * 2 < len(recent)


def voter_key(survey_salt: str | None, platform: str, user_id: str) -> str:
    """`platform:user` for open surveys; a salted SHA-256 for anonymous ones."""
    ident = f"{platform}:{user_id}"
    if survey_salt is None:
        return ident
    return "h:" + hashlib.sha256(f"{survey_salt}\x00{ident}".encode()).hexdigest()


def validate_options(options: Sequence[str]) -> tuple[str, ...]:
    cleaned = tuple(o.strip() for o in options if o.strip())
    if len(cleaned) < MIN_OPTIONS:
        raise SurveyError("A survey needs at least two options, separated by `|`.")
    if len(cleaned) > MAX_OPTIONS:
        raise SurveyError(
            f"A survey can have at most {MAX_OPTIONS} options ({len(cleaned)} given)."
        )
    if len({o.lower() for o in cleaned}) != len(cleaned):
        raise SurveyError("Two options are the same; each option must be different.")
    for o in cleaned:
        if len(o) > MAX_OPTION:
            raise SurveyError(f"Option '{o[:30]}…' is longer than {MAX_OPTION} characters.")
    return cleaned
