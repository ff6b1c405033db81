"""A persona's critique of a text, claim by claim, and the Critic that writes it.

Offline, the text is split into claims (sentences, list items) and each one is put to the
same grounded answerer as a question: what the persona would welcome is what their lines
support, what they would object to is what their lines push back on, and a claim their
profile says nothing about is counted, not guessed at. Every point cites the lines it rests
on. With a model (`bot.answering.llm_critique`) the critique is one call, checked the same
way (real line keys only); a rewrite for the persona needs a model.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal, Protocol

from bot.answering.base import Answer, Answerer, Reason
from persona_store.personas.views import PersonaView

Reaction = Literal["welcome", "object", "mixed"]
REACTIONS: tuple[str, ...] = ("welcome", "object", "mixed")
MAX_TEXT_CHARS = 4000  # what a critique, a rewrite or a message panel reads
MAX_CLAIMS = 15  # claims read one by one offline; the rest are counted
MIN_CLAIM_WORDS = 3


@dataclass(frozen=True)
class Point:
    """What the persona makes of one claim of the text, citing their lines."""

    claim: str
    reaction: Reaction
    why: str
    cites: tuple[str, ...]


@dataclass(frozen=True)
class Critique:
    persona_slug: str
    points: tuple[Point, ...]
    summary: str
    claims: int = 0  # claims read
    unaddressed: int = 0  # claims the profile says nothing about
    skipped: int = 0  # claims past MAX_CLAIMS, not read
    source: Literal["llm", "offline"] = "offline"
    fallback_reason: str | None = None  # why a model's critique fell back to offline
    model: str | None = None

    @property
    def cited_keys(self) -> tuple[str, ...]:
        return _keys(p.cites for p in self.points)


@dataclass(frozen=True)
class Change:
    """One change a rewrite made, and the persona's lines it answers."""

    what: str
    why: str
    cites: tuple[str, ...]


@dataclass(frozen=True)
class Rewrite:
    persona_slug: str
    text: str
    changes: tuple[Change, ...]
    model: str = ""

    @property
    def cited_keys(self) -> tuple[str, ...]:
        return _keys(c.cites for c in self.changes)


def _keys(cites: Iterable[tuple[str, ...]]) -> tuple[str, ...]:
    """Every cited key once, in order of first citation."""
    return tuple(dict.fromkeys(key for keys in cites for key in keys))


class Critic(Protocol):
    """Critiques a text as one persona; rewrites it for them where a model is configured.
    Never raises for a model's failure: falls back to the offline critique and says so."""

    can_rewrite: bool

    async def critique(self, persona: PersonaView, text: str) -> Critique: ...

    async def rewrite(self, persona: PersonaView, text: str) -> Rewrite | Critique: ...


# A sentence ends at . ! ? (or …) before whitespace and a capital, digit, quote or bullet;
# list items and paragraphs are claims of their own. "e.g. this" and "v2.1" stay whole.
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"'”’)]*\s+(?=[\"'“‘(]?[A-Z0-9•*-])")
_ABBREVIATION = re.compile(r"\b(?:e\.g|i\.e|etc|vs|approx|incl|Mr|Ms|Mrs|Dr|No)\.$", re.I)
_BULLET = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+")


def split_claims(text: str) -> list[str]:
    """The text's claims in order: its sentences and list items, whitespace tidied."""
    claims: list[str] = []
    for block in re.split(r"\n\s*\n|\n(?=\s*(?:[-*•]|\d+[.)])\s)", text):
        block = _BULLET.sub("", block.strip())
        if not block:
            continue
        parts: list[str] = []
        for piece in _SENTENCE_END.split(block):
            if parts and _ABBREVIATION.search(parts[-1]):
                parts[-1] = f"{parts[-1]} {piece}"
            else:
                parts.append(piece)
        claims += [" ".join(p.split()) for p in parts if p.strip()]
    return claims


def worth_reading(claim: str) -> bool:
    """A claim with something to react to ("Thanks!" and "Hi team," are not)."""
    return len(re.findall(r"[^\W\d_]{2,}", claim)) >= MIN_CLAIM_WORDS


def has_claims(text: str) -> bool:
    """Whether the text has a claim worth reading ("Hi team!" has none), as the offline
    critic reads it: what a critique by any critic needs."""
    return any(worth_reading(c) for c in split_claims(text[:MAX_TEXT_CHARS]))


REACTION_OF = {"support": "welcome", "oppose": "object", "mixed": "mixed"}


def _point(claim: str, answer: Answer) -> Point | None:
    """A claim's point from the answer to it; None when the profile does not speak to it."""
    reaction = REACTION_OF.get(answer.stance)
    if reaction is None or answer.out_of_scope:
        return None
    reasons: tuple[Reason, ...]
    if reaction == "object":
        reasons = (answer.concerns or answer.reasons)[:1]
    elif reaction == "welcome":
        reasons = (answer.reasons or answer.concerns)[:1]
    else:
        reasons = (*answer.reasons[:1], *answer.concerns[:1])
    reasons = tuple(r for r in reasons if r.cites)
    if not reasons:
        return None  # nothing to cite: not a point
    cites: list[str] = []
    for r in reasons:
        cites += [k for k in r.cites if k not in cites]
    why = "; but ".join(r.text for r in reasons)
    return Point(claim, reaction, why, tuple(cites))  # type: ignore[arg-type]


def critique_summary(first_name: str, points: tuple[Point, ...], unaddressed: int) -> str:
    count = {r: sum(1 for p in points if p.reaction == r) for r in REACTIONS}
    said = []
    if count["object"]:
        said.append(f"object to {_n(count['object'], 'point')}")
    if count["welcome"]:
        said.append(f"welcome {_n(count['welcome'], 'point')}")
    if count["mixed"]:
        said.append(f"have mixed feelings about {_n(count['mixed'], 'point')}")
    if not said:
        return f"Nothing in this text touches what {first_name}'s profile says."
    out = f"{first_name} would {_join(said)}."
    if unaddressed:
        out += f" Her profile says nothing about {_n(unaddressed, 'other claim')}."
    return out.replace("Her profile", f"{first_name}'s profile")


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _join(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


class OfflineCritic:
    """Each claim put to the grounded answerer in isolation; nothing the profile doesn't
    say. Cannot rewrite (that needs a model)."""

    can_rewrite = False

    def __init__(self, answerer: Answerer) -> None:
        self.answerer = answerer

    async def critique(self, persona: PersonaView, text: str) -> Critique:
        claims = [c for c in split_claims(text[:MAX_TEXT_CHARS]) if worth_reading(c)]
        read, skipped = claims[:MAX_CLAIMS], max(0, len(claims) - MAX_CLAIMS)
        points: list[Point] = []
        for claim in read:
            point = _point(claim, await self.answerer.answer(persona, claim))
            if point is not None:
                points.append(point)
        unaddressed = len(read) - len(points)
        return Critique(
            persona_slug=persona.slug,
            points=tuple(points),
            summary=critique_summary(persona.first_name, tuple(points), unaddressed),
            claims=len(read),
            unaddressed=unaddressed,
            skipped=skipped,
        )

    async def rewrite(self, persona: PersonaView, text: str) -> Rewrite | Critique:
        return await self.critique(persona, text)


def critic_for(answerer: Answerer) -> Critic:
    """The model's critic when the answerer is the LLM one (its offline answerer as the
    fallback); otherwise the offline critic over the answerer itself. The LLM module (and
    `openai`, ~20 MB and 0.3 s to import) is only looked at when an LLM answerer exists:
    an offline process never imports it."""
    llm = sys.modules.get("bot.answering.llm")
    if llm is not None and isinstance(answerer, llm.LLMAnswerer):
        from bot.answering.llm_critique import LLMCritic

        return LLMCritic(
            answerer.client, answerer.model, OfflineCritic(answerer.fallback), answerer.timeout
        )
    return OfflineCritic(answerer)
