"""How much a profile line is really about the question (offline answerer): relevance before
verdict.

BM25 ranks lines, but one shared word is not a shared topic ("dark mode" and "simplified
modes", "add a free tier" and "a paid add-on"). Each content word of the question (not a
stopword, a generic word, a direction cue like "raise" or the persona's name) earns credit
from a line: 1 when the line has the same word (its stem or lemma), `CONCEPT_CREDIT` when
only a word of the same concept ("budget" for "price"). A line is *on topic* when its
credit reaches `ON_TOPIC`. Without an on-topic line there is no verdict: the answer is
"unclear from the profile". (A per-line coverage rule, a line covering half of the topic,
was measured and dropped: it turned paraphrases into "unclear"; the answerer's "nowhere in
the profile" share, `offline.FOREIGN_SHARE`, does that job across the whole profile, and
`coverage` now leads confidence.)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from lemminflect import getAllLemmas

from bot.answering.phrasing import Match
from bot.answering.text import CUES, GENERIC, STOPWORDS, concepts_of, stem, words

# Words too loose to make a topic on their own ("dark mode" is not "simplified modes").
LOOSE = frozenset(stem(w) for w in ("mode", "modes", "version", "thing", "way", "option"))

CONCEPT_CREDIT = 0.5
ON_TOPIC = 0.5
STRONG = 2.0
COVERAGE = 0.5  # a fact answer is confident when its line covers this share of the topic
VERB_WEIGHT = 0.5


@dataclass(frozen=True)
class Topic:
    """The question's topic words: (stem, concept or None) each, in order."""

    words: tuple[tuple[str, str | None], ...]
    weight: float = 0.0  # the topic's size, a word that cannot be a noun counting half
    weights: tuple[float, ...] = ()  # each word's share of it (1 or `VERB_WEIGHT`)

    @property
    def size(self) -> int:
        return len(self.words)


def topic_of(question: str, drop: frozenset[str] = frozenset()) -> Topic:
    """The topic words; the verb of "should we support …" / "can we host …" is the action
    proposed, not the topic, unless nothing else is left ("Should we price per user?")."""
    ws = words(question)
    action = next((i + 1 for i, w in enumerate(ws[:-1]) if w == "we"), None)
    topic = _topic([w for i, w in enumerate(ws) if i != action], drop)
    return topic if topic.size or action is None else _topic(ws, drop)


def _topic(ws: list[str], drop: frozenset[str]) -> Topic:
    seen: set[str] = set()
    out: list[tuple[str, str | None]] = []
    each: list[float] = []
    for w in ws:
        if w in STOPWORDS or w in CUES or w.isdigit():
            continue
        s = stem(w)
        if s in drop or s in GENERIC or w in GENERIC or s in LOOSE or s in seen:
            continue
        seen.add(s)
        out.append((s, concepts_of(w)))
        each.append(topic_weight(w))
    return Topic(tuple(out), sum(each), tuple(each))


def load_lexicon() -> None:
    """Make lemminflect read its dictionary now (it does so on first use, blocking)."""
    getAllLemmas("load")


@lru_cache(maxsize=8192)
def topic_weight(word: str) -> float:
    """1 for a word that can name a thing (a noun, or a word lemminflect's dictionary does
    not know: "sms", "gtfs"), `VERB_WEIGHT` for one that can only be a verb, adjective or
    adverb ("adopt", "mostly"): a topic is what is talked about, the rest says how."""
    lemmas = getAllLemmas(word)
    if not lemmas or "NOUN" in lemmas or "PROPN" in lemmas:
        return 1.0
    return VERB_WEIGHT


def credit(topic: Topic, stems: frozenset[str], concepts: frozenset[str]) -> float:
    """How many of the question's topic words a line covers (see the module docstring)."""
    total = 0.0
    used: set[str] = set()  # one "budget" in a line answers "free" or "tier", not both
    for s, concept in topic.words:
        if s in stems:
            total += 1.0
        elif concept is not None and concept in concepts and concept not in used:
            used.add(concept)
            total += CONCEPT_CREDIT
    return total


def coverage(topic: Topic, matches: Sequence[Match]) -> float:
    """The share of the question's topic the best-covering line speaks to (0..1)."""
    if not topic.weight:
        return 0.0
    best = max((m.overlap for m in matches), default=0.0)
    return min(1.0, best / topic.weight)


def on_topic(topic: Topic, value: float) -> bool:
    """Whether a line with this credit is on topic: any real credit counts (`STRONG`
    credit, such as a timed line, even when the topic has no words left)."""
    return value >= STRONG or (bool(topic.size) and value >= ON_TOPIC)
