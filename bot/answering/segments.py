"""The two halves of a line that turns round (offline answerer): "Works on a desktop, rarely
on a phone", "Signs students in with their school accounts rather than new passwords",
"Prefers SMS and phone calls over apps".

A question found by meaning alone ("Would Jonas mostly use our product from his
smartphone?") shares no word with the line, so the word rules of `bot.answering.negation`
cannot tell which half it is about. Each half is embedded on its own and the question is
read against the half it is closer to: the kept half as the line reads, the turned half the
other way round.
"""

from __future__ import annotations

import re

from bot.answering.negation import POSITIVE_KINDS

# Where a goal, habit or channel turns round: what follows is what they do less of.
_TURN_RE = re.compile(
    r"(?:,\s*|\s+)(?:but\s+)?(?:never|rarely|seldom|hardly ever|rather than|instead of|"
    r"not|except|without)\b",
    re.I,
)
_PREFER_RE = re.compile(r"\bprefer\w*\b(?P<kept>.+?)\bover\b(?P<turned>.+)", re.I)
MIN_KEPT = 8  # characters before the turn: "Never run out of …" does not turn halfway
MARGIN = 0.05  # the question must be this much closer to one half (cosine) to pick it


def sides(text: str, kind: str) -> tuple[str, str] | None:
    """(kept, turned) halves of a goal, motivation, habit or channel that turns round."""
    if kind not in POSITIVE_KINDS:
        return None
    prefer = _PREFER_RE.search(text)
    if prefer:
        return prefer.group("kept").strip(" ,"), prefer.group("turned").strip(" ,.")
    m = _TURN_RE.search(text)
    if m is None or m.start() < MIN_KEPT:
        return None
    kept, turned = text[: m.start()].strip(" ,"), text[m.end() :].strip(" ,.")
    return (kept, turned) if kept and turned else None


def closer_side(kept: float, turned: float) -> int:
    """+1 the question is about the kept half, -1 the turned half, 0 neither clearly."""
    if turned >= kept + MARGIN:
        return -1
    if kept >= turned + MARGIN:
        return 1
    return 0
