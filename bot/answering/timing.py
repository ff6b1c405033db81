"""When a persona does something, read against the time a question names (offline answerer).

Profile lines often restrict a habit to a time: "Tries new software only in the slow weeks of
January or February, never during summer or the holidays", "Orders inputs in winter, never
during harvest from August to October", "Answers client messages only in the morning". A
question that names a time ("in August", "early autumn", "at night", "in November,
mid-term") is answered from those windows, not from shared words: August falls in summer,
so the line says no, although "August" appears nowhere in it.

A line's clauses are split at punctuation and at its turning words ("never", "rather than",
"not", "rarely"). The times of a clause after such a word are *avoided*, the times of the
other clauses *kept*, and "only" makes everything outside the kept times avoided. Times are
months (northern-hemisphere seasons; "early autumn" is September), parts of the day, and a
few named periods that are not months everywhere ("semester", "harvest"): those match only
by name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from lemminflect import getAllLemmas

from bot.answering.text import STOPWORDS, stem, words

_MONTHS = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
]
MONTH_OF = {name: i + 1 for i, name in enumerate(_MONTHS)}
MONTH_OF.update({m[:3]: i + 1 for i, m in enumerate(_MONTHS) if m != "may"} | {"sept": 9})
SEASONS: dict[str, tuple[int, ...]] = {
    "winter": (12, 1, 2),
    "spring": (3, 4, 5),
    "summer": (6, 7, 8),
    "summertime": (6, 7, 8),
    "autumn": (9, 10, 11),
    "fall": (9, 10, 11),
    "holidays": (12,),
    "holiday": (12,),
    "christmas": (12,),
}
# parts of the day as hours (a separate dimension from months)
DAY_PARTS: dict[str, tuple[int, ...]] = {
    "morning": tuple(range(5, 12)),
    "mornings": tuple(range(5, 12)),
    "afternoon": tuple(range(12, 18)),
    "afternoons": tuple(range(12, 18)),
    "evening": tuple(range(18, 22)),
    "evenings": tuple(range(18, 22)),
    "night": (22, 23, 0, 1, 2, 3, 4),
    "nights": (22, 23, 0, 1, 2, 3, 4),
    "overnight": (22, 23, 0, 1, 2, 3, 4),
    "midnight": (23, 0, 1),
}
# named periods that match by name only (a school term is not the same months everywhere)
PERIODS: dict[str, str] = {
    "semester": "term",
    "semesters": "term",
    "term": "term",
    "terms": "term",
    "midterm": "term",
    "trimester": "term",
    "harvest": "harvest",
    "harvests": "harvest",
}
_TURNS = frozenset(("never", "not", "rarely", "seldom", "hardly", "instead", "rather", "except"))
_ONLY = frozenset(("only", "just", "exclusively"))
_CLAUSE_RE = re.compile(r"[,;:.!?()]|\b(?:but|while|whereas)\b", re.I)


@dataclass(frozen=True)
class When:
    """Times named in a text: months, hours of the day and named periods."""

    months: frozenset[int] = frozenset()
    hours: frozenset[int] = frozenset()
    periods: frozenset[str] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.months or self.hours or self.periods)

    def __or__(self, other: When) -> When:
        return When(
            self.months | other.months, self.hours | other.hours, self.periods | other.periods
        )


def times_in(text: str) -> When:
    """The months, hours and periods a piece of text names."""
    ws = words(text)
    months: set[int] = set()
    hours: set[int] = set()
    periods: set[str] = set()
    for i, w in enumerate(ws):
        before = ws[i - 1] if i else ""
        if w == "may" and before not in ("in", "during", "of", "from", "until", "to", "early"):
            continue  # "may" the verb
        if w in MONTH_OF:
            months.add(MONTH_OF[w])
        elif w in SEASONS:
            season = SEASONS[w]
            if before == "early" or before == "late":
                season = (season[0],) if before == "early" else (season[-1],)
            months.update(season)
        elif w in DAY_PARTS:
            hours.update(DAY_PARTS[w])
        elif w in PERIODS:
            periods.add(PERIODS[w])
        elif w == "mid" and i + 1 < len(ws) and ws[i + 1] in PERIODS:
            periods.add(PERIODS[ws[i + 1]])
    joined = " ".join(ws)
    if re.search(r"\b(?:school|academic) year\b", joined):
        periods.add("term")
    for a, b in re.findall(r"\bfrom (\w+) (?:to|until|through) (\w+)", joined):
        if a in MONTH_OF and b in MONTH_OF:
            months.update(_month_range(MONTH_OF[a], MONTH_OF[b]))
    return When(frozenset(months), frozenset(hours), frozenset(periods))


def _month_range(a: int, b: int) -> set[int]:
    out = {a}
    while a != b:
        a = a % 12 + 1
        out.add(a)
    return out


@dataclass(frozen=True)
class Windows:
    """The times one habit of a line keeps to and the times it avoids."""

    kept: When
    avoided: When
    only: bool  # "only in January": everything outside `kept` is avoided
    stems: frozenset[str] = frozenset()  # what the habit is about ("answers client messages")


@lru_cache(maxsize=4096)
def windows(text: str) -> tuple[Windows, ...]:
    """The line's time windows, one per habit ("Edits late at night and answers client
    messages only in the morning" has two); empty when it names no time or restricts none."""
    out: list[Windows] = []
    for habit in _habits(text):
        kept = When()
        avoided = When()
        only = False
        for clause in _CLAUSE_RE.split(habit):
            if not clause or not clause.strip():
                continue
            ws = words(clause)
            turn = next((i for i, w in enumerate(ws) if w in _TURNS), None)
            head = ws if turn is None else ws[:turn]
            kept = kept | times_in(" ".join(head))
            if turn is not None:
                avoided = avoided | times_in(" ".join(ws[turn:]))
            if any(w in _ONLY for w in head) and times_in(" ".join(head)):
                only = True
        if kept or avoided:
            out.append(Windows(kept, avoided, only, _stems(habit)))
    # a line that only says when something happens ("budget year starts in April") restricts
    # nothing: no windows
    return tuple(out) if any(w.avoided or (w.only and w.kept) for w in out) else ()


def _habits(text: str) -> list[str]:
    """A line split where "and" starts a second habit ("… at night and answers …")."""
    parts = re.split(r"\band (?=\w+s\b)", text)
    if len(parts) == 1:
        return parts
    # only where the word after "and" is a verb: "and answers", not "and Premiere"
    out = [parts[0]]
    for part in parts[1:]:
        first = part.split()[0].lower() if part.split() else ""
        if "VERB" in getAllLemmas(first) and first not in ("is", "has", "was"):
            out.append(part)
        else:
            out[-1] = f"{out[-1]}and {part}"
    return out


def _stems(text: str) -> frozenset[str]:
    return frozenset(stem(w) for w in words(text) if w not in STOPWORDS and not _is_time(w))


def _is_time(w: str) -> bool:
    return w in MONTH_OF or w in SEASONS or w in DAY_PARTS or w in PERIODS


def timing_effect(line_text: str, question: str) -> int | None:
    """+1 when the time the question names is one the line keeps to, -1 when the line
    avoids it, None when the question names no time or the line does not speak to it. A
    line with several habits is read by the habit sharing most words with the question."""
    asked = times_in(question)
    if not asked:
        return None
    found = windows(line_text)
    if not found:
        return None
    if len(found) > 1:
        q = _stems(question)
        best = max(len(w.stems & q) for w in found)
        found = tuple(w for w in found if len(w.stems & q) == best)
    verdicts = {
        v
        for w in found
        for v in (
            _read(asked.months, w.kept.months, w.avoided.months, w.only),
            _read(asked.hours, w.kept.hours, w.avoided.hours, w.only),
            _read(asked.periods, w.kept.periods, w.avoided.periods, w.only),
        )
        if v is not None
    }
    return verdicts.pop() if len(verdicts) == 1 else None


def _read(
    asked: frozenset[int] | frozenset[str],
    kept: frozenset[int] | frozenset[str],
    avoided: frozenset[int] | frozenset[str],
    only: bool,
) -> int | None:
    if not asked:
        return None
    if avoided and asked <= avoided:
        return -1
    if kept and asked <= kept:
        return 1
    if only and kept and not asked & kept:
        return -1
    return None
