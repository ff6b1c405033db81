"""The answer shape shared by every answerer, and the Answerer protocol."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Protocol

from persona_store.personas.views import PersonaView

Stance = Literal["support", "oppose", "mixed", "unknown"]
STANCES: tuple[str, ...] = ("support", "oppose", "mixed", "unknown")

# What kind of question was asked: a proposal gets the persona's reaction (stance), a yes/no
# question gets yes (stance support) / no (oppose) / unclear (unknown), a factual question
# (who, where, how much…) gets the fact or "the profile doesn't say", with no support/oppose.
QuestionKind = Literal["proposal", "yes_no", "fact"]
QUESTION_KINDS: tuple[str, ...] = ("proposal", "yes_no", "fact")
ConfidenceBand = Literal["low", "medium", "high"]


def confidence_band(value: float) -> ConfidenceBand:
    """The band a confidence value is shown (and measured) in."""
    return "high" if value >= 0.7 else "medium" if value >= 0.4 else "low"


MAX_QUESTION_CHARS = 1000


@dataclass(frozen=True)
class Reason:
    """One reason, grounded in the persona's own profile lines (`cites` are LineView.key)."""

    text: str
    cites: tuple[str, ...] = ()


@dataclass(frozen=True)
class Answer:
    persona_slug: str
    stance: Stance
    summary: str  # one line
    reasons: tuple[Reason, ...] = ()
    concerns: tuple[Reason, ...] = ()
    win_over: tuple[str, ...] = ()  # what would win them over
    confidence: float = 0.0  # 0..1
    out_of_scope: bool = False  # the profile does not cover the question
    question_kind: QuestionKind = "proposal"
    source: Literal["llm", "offline"] = "offline"
    fallback_reason: str | None = None  # why an LLM answer fell back to offline
    refused: bool = False  # the model refused the question (not a gap the profile could fill)
    meta: dict[str, str] = field(default_factory=dict, compare=False, hash=False)

    @property
    def cited_keys(self) -> tuple[str, ...]:
        keys: list[str] = []
        for r in (*self.reasons, *self.concerns):
            for k in r.cites:
                if k not in keys:
                    keys.append(k)
        return tuple(keys)


class Answerer(Protocol):
    """Answers one question for one persona, in isolation. Must never raise for ordinary
    failures (timeouts, bad model output): fall back and say so in `fallback_reason`."""

    name: str

    async def answer(self, persona: PersonaView, question: str) -> Answer: ...
