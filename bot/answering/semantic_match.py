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
from collections.abc import Container, Iterable, Sequence

import numpy as np

from persona_store.personas.views import LineView

MIN_COSINE = 0.32
MARGIN = 0.15
MAX_LINES = 3
WEIGHT = 0.55  # under phrasing.confidence's 0.6 "strong": meaning alone adds no confidence
CREDIT = 0.5  # relevance.ON_TOPIC: on topic, but not enough to bring other lines along

FRAME_RE = re.compile(
    r"^(?:should|would|could|can|will|do|does|is|are|what\s+if|how\s+about)\s+"
    r"(?:we|they|you|it|our\s+\w+)?\s*(?:be\s+)?"
    r"(?:like|want|welcome|accept|favou?r|mind|care\s+about)?\s*",
    re.I,
)
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
    """The question with the persona's name (full, first, possessive) said as "they" and
    its opening frame ("Should we", "Would they like", "What if") left out: what is asked
    about is compared with the lines, not how it is asked."""
    words = {w for name in names for w in (name, *name.split()) if len(w) > 1}
    for w in sorted(words, key=len, reverse=True):
        question = re.sub(rf"\b{re.escape(w)}(?:['’]s)?\b", "they", question, flags=re.I)
    return FRAME_RE.sub("", question.strip()) or question


def candidates(
    keys: Sequence[str], cos: np.ndarray, worded: Container[str] = ()
) -> dict[str, float]:
    """Line key -> relevance (0..WEIGHT) of the lines similar enough to be candidates.

    `worded` are the lines BM25 already found through a shared word; the word rules judge
    those (a shared "mode" does not put "dark mode" on the topic of "simplified modes"), so
    when one of them is among the most similar lines, words and meaning agree on what the
    question is about and nothing is added."""
    if not len(keys):
        return {}
    top = float(cos.max())
    floor = max(MIN_COSINE, top - MARGIN)
    near = [int(i) for i in np.argsort(-cos)[:MAX_LINES] if cos[i] >= floor]
    if any(keys[i] in worded for i in near):
        return {}
    return {keys[i]: WEIGHT * float(cos[i]) / top for i in near}
