"""How the offline answerer uses sentence similarity (`bot.answering.semantic`) next to
BM25: which profile lines become candidates by meaning alone, and how relevant they are.

A line is a semantic candidate when its cosine with the question is at least `MIN_COSINE`
and within `MARGIN` of the persona's best line for that question, at most `MAX_LINES` of
them: similarity is only comparable within one persona's profile (a question about
something the profile never mentions still has a nearest line, so the absolute floor is
what keeps "Should we add a dark mode?" out of scope). A candidate counts as on topic like
a line sharing a topic word (`CREDIT`), and its relevance is its cosine relative to the
best line's, scaled by `WEIGHT`, or its BM25 relevance when that is higher.

The question is embedded with the persona's name replaced by "they" (names pull a question
towards whichever line happens to mention the person); a line with its kind in front
("Pain: …"), which the model reads as context ("Objection: No annual contracts").
The constants were tuned on the evaluation set's train split (tests/eval).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import numpy as np

from persona_store.personas.views import LineView

MIN_COSINE = 0.35
MARGIN = 0.08
MAX_LINES = 2
WEIGHT = 0.8
CREDIT = 0.5  # relevance.ON_TOPIC: on topic, but not enough to bring other lines along

_KIND_PREFIX = {
    "goal": "Goal",
    "pain": "Pain",
    "motivation": "Motivation",
    "behavior": "Habit",
    "objection": "Objection",
    "channel": "Channel",
}


def line_text(line: LineView) -> str:
    prefix = _KIND_PREFIX.get(line.kind)
    return f"{prefix}: {line.text}" if prefix else line.text


def question_text(question: str, names: Iterable[str]) -> str:
    """The question with the persona's name (full, first, possessive) said as "they"."""
    words = {w for name in names for w in (name, *name.split()) if len(w) > 1}
    for w in sorted(words, key=len, reverse=True):
        question = re.sub(rf"\b{re.escape(w)}(?:['’]s)?\b", "they", question, flags=re.I)
    return question


def candidates(keys: Sequence[str], cos: np.ndarray) -> dict[str, float]:
    """Line key -> relevance (0..WEIGHT) of the lines similar enough to be candidates."""
    if not len(keys):
        return {}
    top = float(cos.max())
    if top < MIN_COSINE:
        return {}
    floor = max(MIN_COSINE, top - MARGIN)
    order = np.argsort(-cos)[:MAX_LINES]
    return {keys[i]: WEIGHT * float(cos[i]) / top for i in order if cos[i] >= floor}
