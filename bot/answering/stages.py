"""Questions about a journey stage or a quadrant of the empathy map (offline answerer):
"What does Maya worry about when deciding?" is answered with Maya's `decision-pain-…`
lines, "What does Sam feel during onboarding?" with Sam's onboarding lines (or, when the
journey has no onboarding stage, what Sam feels). Words rarely match here (no line says
"deciding"), so the stage and the quadrant are read from cue words instead of BM25.

Only for questions that ask what/how/when… (never a proposal), and only when the persona
has such lines: otherwise the ordinary answer path runs."""

from __future__ import annotations

import re

from bot.answering.base import Answer, Reason
from bot.answering.phrasing import quote
from persona_store.personas.maps import PART_TITLES, QUADRANT_TITLES, STAGE_TITLES
from persona_store.personas.views import LineView, PersonaView

MAX_LINES = 6
_ASKS = re.compile(r"^\s*(?:what|how(?!\s+about)|when|where|which|who|why)\b", re.I)
_STAGES = {
    "awareness": r"aware(?:ness)?|discover\w*|first\s+hears?|hears?\s+(?:about|of)\s+us",
    "consideration": r"consider\w*|evaluat\w*|compar\w*|shortlist\w*|trial(?:ing|s)?",
    "decision": r"decid\w*|decision\w*|buy(?:s|ing)?|purchas\w*|sign(?:s|ing)?\s+(?:off|up)|"
    r"choos\w*|commit\w*",
    "onboarding": r"onboard\w*|set(?:ting)?\s*up|getting\s+started|first\s+(?:week|days?|month)",
    "retention": r"retention|renew\w*|churn\w*|keep(?:s|ing)?\s+using|stay(?:s|ing)?\s+with",
    "advocacy": r"advoca\w*|recommend\w*|refer(?:s|ring|ral)?\b|word\s+of\s+mouth",
}
_PARTS = {
    "pain": r"worr\w*|concern\w*|fear\w*|afraid|anxi\w*|pains?|problems?|struggl\w*|"
    r"frustrat\w*|block\w*|stops?|hold\w*\s+back|risk\w*",
    "goal": r"wants?|goals?|hop(?:e|es|ing)|achiev\w*|looks?\s+for|needs?",
    "touchpoint": r"where|channels?|touchpoints?|reach\w*|hears?\s+from|contact\w*",
    "question": r"asks?|questions?|wonder\w*|want\w*\s+to\s+know",
}
_QUADRANTS = {
    "feels": r"feel\w*|emotion\w*|worr\w*|anxi\w*|afraid|fear\w*|frustrat\w*|proud|excit\w*",
    "thinks": r"think\w*|believ\w*|thoughts?|opinion\w*|on\s+(?:her|his|their)\s+mind",
    "says": r"says?|said|tell\w*|words",
    "does": r"(?:do|does|doing)\s*\??$|behav\w*|habits?|actions?",
}


def _cue(patterns: dict[str, str], text: str) -> list[str]:
    return [k for k, p in patterns.items() if re.search(rf"\b(?:{p})", text, re.I)]


def _lines_of(persona: PersonaView, kinds: list[str]) -> list[LineView]:
    return [ln for ln in persona.lines if ln.kind in kinds][:MAX_LINES]


def _label(line: LineView) -> str:
    if line.kind in QUADRANT_TITLES:
        return f"{QUADRANT_TITLES[line.kind]} (empathy map)"
    stage, _, part = line.kind.rpartition("-")
    return f"{STAGE_TITLES[stage]} stage, {PART_TITLES[part].lower()[:-1]}"


def stage_answer(persona: PersonaView, question: str) -> Answer | None:
    """The answer from the stage's or quadrant's lines, or None (answer it the usual way)."""
    if not _ASKS.search(question):
        return None
    stages, parts = _cue(_STAGES, question), _cue(_PARTS, question)
    lines: list[LineView] = []
    where = ""
    if stages:
        stage = stages[0]
        kinds = [f"{stage}-{p}" for p in (parts or PART_TITLES)]
        lines = _lines_of(persona, kinds) or _lines_of(
            persona, [f"{stage}-{p}" for p in PART_TITLES]
        )
        where = f"at the {stage} stage"
    if not lines:
        quadrants = _cue(_QUADRANTS, question)
        lines = _lines_of(persona, quadrants)
        where = f"on the empathy map ({', '.join(quadrants)})" if lines else where
    if not lines:
        return None
    first = persona.first_name
    shown = "; ".join(f"\u201c{quote(ln.text, 80)}\u201d" for ln in lines[:3])
    return Answer(
        persona_slug=persona.slug,
        stance="mixed",
        summary=f"{first}'s profile {where}: {shown}{'…' if len(lines) > 3 else '.'}",
        reasons=tuple(
            Reason(f"{_label(ln)}: \u201c{quote(ln.text)}\u201d", (ln.key,)) for ln in lines
        ),
        confidence=0.7,
        question_kind="fact",
        meta={"form": "open", "verdict": "fact", "matched": ",".join(ln.key for ln in lines)},
    )
