"""Whether a proposal deals with a pain or repeats it (offline answerer).

A pain line describes what hurts: "Kitchen Wi-Fi drops out, so anything that only works
online freezes", "Evidence for a single case sits across email, chat and three systems",
"Per-location pricing that doubles the bill". A proposal that shares its words either
deals with it ("keep working *when* the Wi-Fi drops", "bring the evidence *into one
place*") or repeats it ("charge per location"). Without a direction cue
(`bot.answering.text.direction`) this module decides:

- the words the question shares with the pain sit in its *condition* ("when the Wi-Fi
  drops", "if the connection is lost", "even during an outage"): the proposal is what
  happens then, so it deals with the pain;
- the question names a remedy ("keep", "still", "prevent", "in one place", "consolidate",
  "recover", "fix"): it deals with it;
- otherwise it can't be told. (Reading a question that shares two topic words with a pain as
  repeating it was measured on the evaluation set's train split: it turned "auto-grade lab
  reports" against "Grading lab reports by hand" into a "no", and cost more than it gained.)
"""

from __future__ import annotations

import re

from bot.answering.text import stem, words

_CONDITION_RE = re.compile(
    # not "What if …", which opens the proposal itself
    r"\b(?:when|whenever|(?<!what )if|in case|during|while|once)\b(?P<rest>[^,;.?!]*)",
    re.I,
)
_REMEDIES = (
    "keep keeps still prevent prevents avoid avoids protect protects fix fixes solve solves "
    "handle handles recover recovers consolidate consolidates centralise centralize "
    "unify unifies merge merges gather gathers combine combines survive survives "
    "reconcile reconciles offline resume resumes backup"
)
REMEDY_WORDS = frozenset(stem(w) for w in _REMEDIES.split())
_TOGETHER_RE = re.compile(
    r"\b(?:in|into|to)\s+(?:one|a single)\s+(?:place|view|screen|list|inbox|system|spot)\b"
    r"|\ball[\s-]in[\s-]one\b",
    re.I,
)


def conditioned_stems(question: str) -> frozenset[str]:
    """Stems of the question's condition clauses ("when the kitchen Wi-Fi drops")."""
    out: set[str] = set()
    for m in _CONDITION_RE.finditer(question):
        out |= {stem(w) for w in words(m.group("rest"))}
    return frozenset(out)


def names_remedy(question: str) -> bool:
    """Whether the question itself proposes dealing with something ("keep", "in one place")."""
    if _TOGETHER_RE.search(question):
        return True
    return any(stem(w) in REMEDY_WORDS for w in words(question))


def pain_effect(question: str, shared: frozenset[str]) -> int:
    """+1 the proposal deals with the pain, 0 it can't be told."""
    if not shared:
        return 0
    conditioned = conditioned_stems(question)
    if conditioned and len(shared & conditioned) * 2 >= len(shared):
        return 1
    return 1 if names_remedy(question) else 0
