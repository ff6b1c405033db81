"""The offline grounded answerer: the default when no AI model is configured.

It ranks the persona's own profile lines (and evidence) against the question with BM25,
then builds the answer only from the best matches: goals and motivations suggest support,
pains and objections suggest concerns, and a small direction lexicon decides whether the
proposal relieves or aggravates what it touches ("raise prices" vs a budget pain leans
oppose; "make onboarding faster" vs an onboarding pain leans support). Every reason quotes
a profile line and cites its key; nothing is written that is not in the profile.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from bot.answering.base import Answer, Reason, Stance
from bot.answering.bm25 import BM25
from bot.answering.text import GENERIC, direction, terms
from persona_store.views import EvidenceView, LineView, PersonaView

CONCEPT_WEIGHT = 0.8  # a synonym match counts a bit less than the same word
GENERIC_WEIGHT = 0.3
RELATIVE_CUTOFF = 0.3  # lines scoring under 30% of the best match are dropped
MAX_EACH = 3  # reasons / concerns / win-over items
CACHE_SIZE = 512
QUOTE_CHARS = 140


@dataclass(frozen=True)
class _Doc:
    line: LineView | None
    evidence: EvidenceView | None
    strong: frozenset[str]  # terms that may make this document relevant on their own
    concepts: frozenset[str]


@dataclass(frozen=True)
class _Index:
    docs: tuple[_Doc, ...]
    bm25: BM25
    backing: dict[str, tuple[EvidenceView, ...]]  # line key -> evidence linked to it


_Top = tuple[str, str]  # (label, line text) of the strongest reason or concern


@dataclass(frozen=True)
class _Match:
    line: LineView
    relevance: float  # 0..1, relative to the best match
    effect: int  # +1 the proposal relieves it, -1 aggravates it, 0 unknown


# Labels read both as a bullet prefix and after "it" in the summary.
_LABELS: dict[str, dict[int, tuple[str, str, float]]] = {
    # effect -> (side, label, weight); side "r" reason, "c" concern
    "goal": {
        1: ("r", "Serves their goal", 1.3),
        0: ("r", "Fits their goal", 1.0),
        -1: ("c", "Cuts against their goal", 1.2),
    },
    "motivation": {
        1: ("r", "Speaks to what drives them", 1.3),
        0: ("r", "Fits what drives them", 1.0),
        -1: ("c", "Cuts against what drives them", 1.2),
    },
    "pain": {
        1: ("r", "Could ease a pain they have", 1.2),
        0: ("c", "Touches a pain", 0.6),
        -1: ("c", "Would make a pain worse", 1.5),
    },
    "objection": {
        1: ("r", "Answers an objection of theirs", 1.0),
        0: ("c", "Raises their objection", 1.0),
        -1: ("c", "Hits their objection", 1.5),
    },
    "behavior": {
        1: ("r", "Fits how they work", 0.6),
        0: ("r", "Fits how they work", 0.5),
        -1: ("c", "Clashes with how they work", 0.6),
    },
    "channel": {
        1: ("r", "Reaches them where they are", 0.5),
        0: ("r", "Reaches them where they are", 0.4),
        -1: ("c", "Clashes with where they are", 0.5),
    },
}


def quote(text: str, limit: int = QUOTE_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# how an evidence source reads after "backed by" ("backed by manual" read oddly)
SOURCE_WORDS = {
    "interview": "interviews",
    "survey": "a survey",
    "analytics": "analytics",
    "support": "support data",
    "manual": "a team note",
}


def _backing_note(evidence: tuple[EvidenceView, ...]) -> str:
    if not evidence:
        return ""
    e = evidence[0]
    size = f", n={e.n}" if e.n else ""
    more = f" +{len(evidence) - 1} more" if len(evidence) > 1 else ""
    return f" (backed by {SOURCE_WORDS.get(e.source, e.source)}{size}{more})"


def build_index(persona: PersonaView) -> _Index:
    docs: list[_Doc] = []
    corpus: list[list[str]] = []
    for line in persona.lines:
        ts = terms(line.text)
        docs.append(_Doc(line, None, _strong(ts), _concepts(ts)))
        corpus.append(ts)
    backing: dict[str, list[EvidenceView]] = {}
    for e in persona.evidence:
        ts = terms(e.summary)
        docs.append(_Doc(None, e, _strong(ts), _concepts(ts)))
        corpus.append(ts)
        if e.line_key:
            backing.setdefault(e.line_key, []).append(e)
    return _Index(tuple(docs), BM25(corpus), {k: tuple(v) for k, v in backing.items()})


def _strong(ts: list[str]) -> frozenset[str]:
    return frozenset(t for t in ts if t not in GENERIC)


def _concepts(ts: list[str]) -> frozenset[str]:
    return frozenset(t[1:] for t in ts if t.startswith("@"))


def query_weights(question: str) -> dict[str, float]:
    weights: dict[str, float] = {}
    for t in terms(question, query=True):
        w = CONCEPT_WEIGHT if t.startswith("@") else GENERIC_WEIGHT if t in GENERIC else 1.0
        weights[t] = max(w, weights.get(t, 0.0))
    return weights


class OfflineAnswerer:
    """Grounded, deterministic and fast (well under a millisecond per answer once a persona
    version is indexed). Indexes are cached per persona version on the instance."""

    name = "offline"

    def __init__(self, cache_size: int = CACHE_SIZE) -> None:
        self._cache: OrderedDict[tuple[object, ...], _Index] = OrderedDict()
        self._cache_size = cache_size

    async def answer(self, persona: PersonaView, question: str) -> Answer:
        return self.answer_now(persona, question)

    async def aclose(self) -> None:
        """Nothing to release; present so every answerer can be closed the same way."""

    def _index(self, persona: PersonaView) -> _Index:
        key = (
            persona.workspace_id,
            persona.id,
            persona.slug,
            persona.version,
            hash(tuple((ln.key, ln.kind, ln.text) for ln in persona.lines)),
            hash(tuple((e.id, e.summary, e.line_key, e.n) for e in persona.evidence)),
        )
        index = self._cache.get(key)
        if index is None:
            index = build_index(persona)
            self._cache[key] = index
            if len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        else:
            self._cache.move_to_end(key)
        return index

    def matches(
        self, persona: PersonaView, question: str
    ) -> tuple[list[_Match], list[EvidenceView]]:
        """The relevant profile lines (best first) and relevant evidence for a question."""
        index = self._index(persona)
        weights = query_weights(question)
        strong_q = {t for t in weights if t not in GENERIC}
        scores = index.bm25.scores(weights)
        line_scores: dict[str, float] = {}
        evidence: list[tuple[float, EvidenceView]] = []
        for doc, score in zip(index.docs, scores, strict=True):
            if score <= 0 or not (doc.strong & strong_q):
                continue
            if doc.line is not None:
                line_scores[doc.line.key] = max(score, line_scores.get(doc.line.key, 0.0))
            elif doc.evidence is not None:
                evidence.append((score, doc.evidence))
                if doc.evidence.line_key:  # evidence about a line makes the line relevant
                    k = doc.evidence.line_key
                    line_scores[k] = max(0.8 * score, line_scores.get(k, 0.0))
        best = max([*line_scores.values(), *(s for s, _ in evidence)], default=0.0)
        if best <= 0:
            return [], []
        overall, per_concept, added = direction(question)
        concepts = {d.line.key: d.concepts for d in index.docs if d.line is not None}
        out: list[_Match] = []
        for line in persona.lines:
            score = line_scores.get(line.key, 0.0)
            if score < RELATIVE_CUTOFF * best:
                continue
            touched = [per_concept[c] for c in concepts.get(line.key, ()) if c in per_concept]
            effect = ((sum(touched) > 0) - (sum(touched) < 0)) if touched else overall
            if effect > 0 and line.kind == "objection":
                # Only an explicit relief ("cut prices", "simplify setup") answers an
                # objection; adding the very thing it is about ("add AI reports") does not.
                mine = concepts.get(line.key, frozenset())
                if not any(per_concept.get(c, 0) > 0 and c not in added for c in mine):
                    effect = 0
            out.append(_Match(line, score / best, effect))
        out.sort(key=lambda m: -m.relevance)
        kept_evidence = [
            e for s, e in sorted(evidence, key=lambda x: -x[0]) if s >= RELATIVE_CUTOFF * best
        ]
        return out, kept_evidence

    def answer_now(self, persona: PersonaView, question: str) -> Answer:
        """The synchronous core (the bench and the LLM fallback call it directly)."""
        matches, evidence = self.matches(persona, question)
        first = persona.first_name
        if not matches:
            return Answer(
                persona_slug=persona.slug,
                stance="unknown",
                summary=f"{first}'s profile doesn't cover this, so there is nothing grounded "
                "to say.",
                confidence=0.1 if evidence else 0.05,
                out_of_scope=True,
                source="offline",
                meta={"matched": ""},
            )
        index = self._index(persona)
        reasons: list[tuple[float, Reason, _Match, str]] = []
        concerns: list[tuple[float, Reason, _Match, str]] = []
        decisive = False
        for m in matches:
            side, label, weight = _LABELS.get(m.line.kind, _LABELS["behavior"])[m.effect]
            backing = index.backing.get(m.line.key, ())
            text = f"{label}: “{quote(m.line.text)}”{_backing_note(backing)}"
            item = (weight * m.relevance, Reason(text, (m.line.key,)), m, label)
            (reasons if side == "r" else concerns).append(item)
            if m.effect != 0 or m.line.kind in ("goal", "motivation", "objection"):
                decisive = True
        support = sum(x[0] for x in reasons)
        oppose = sum(x[0] for x in concerns)
        stance = _stance(support, oppose, decisive)
        reasons.sort(key=lambda x: -x[0])
        concerns.sort(key=lambda x: -x[0])
        top_r = (reasons[0][3], reasons[0][2].line.text) if reasons else None
        top_c = (concerns[0][3], concerns[0][2].line.text) if concerns else None
        shown = [x[2] for x in (*reasons[:MAX_EACH], *concerns[:MAX_EACH])]
        backed = sum(1 for m in shown if m.line.key in index.backing)
        return Answer(
            persona_slug=persona.slug,
            stance=stance,
            summary=_summary(first, stance, top_r, top_c),
            reasons=tuple(x[1] for x in reasons[:MAX_EACH]),
            concerns=tuple(x[1] for x in concerns[:MAX_EACH]),
            win_over=_win_over(matches),
            confidence=_confidence(matches, stance, support, oppose, backed / len(shown), evidence),
            out_of_scope=False,
            source="offline",
            meta={
                "matched": ",".join(m.line.key for m in matches),
                "evidence": str(len(evidence)),
            },
        )


def _stance(support: float, oppose: float, decisive: bool) -> Stance:
    if support <= 0 and oppose <= 0:
        return "unknown"
    if not decisive and support <= 0:
        return "mixed"  # only neutral pains touched: the persona cares, direction unclear
    if support >= 1.5 * oppose:
        return "support"
    if oppose >= 1.5 * support:
        return "oppose"
    return "mixed"


def _summary(first: str, stance: Stance, top_r: _Top | None, top_c: _Top | None) -> str:
    r = f"{top_r[0].lower()} “{quote(top_r[1], 80)}”" if top_r else ""
    c = f"{top_c[0].lower()} “{quote(top_c[1], 80)}”" if top_c else ""
    if stance == "support":
        return f"{first} would likely welcome this; it {r}."
    if stance == "oppose":
        return f"{first} would likely push back; it {c}."
    if r and c:
        return f"{first} would be torn: it {r}, but it {c}."
    return f"{first} would want to know more; it {c or r}."


def _win_over(matches: list[_Match]) -> tuple[str, ...]:
    """Phrased only from the profile's own goals, motivations, objections (pains if none)."""
    out: list[str] = []
    for m in matches:
        text = quote(m.line.text)
        if m.line.kind == "objection":
            out.append(f"Answer their objection: “{text}”")
        elif m.line.kind in ("goal", "motivation"):
            out.append(f"Show how it helps with: “{text}”")
    if not out:
        for m in matches:
            if m.line.kind == "pain":
                out.append(f"Show how it deals with: “{quote(m.line.text)}”")
    return tuple(out[:MAX_EACH])


def _confidence(
    matches: list[_Match],
    stance: Stance,
    support: float,
    oppose: float,
    backed_share: float,
    evidence: list[EvidenceView],
) -> float:
    """Grows with how many lines match strongly, how one-sided they are, and evidence."""
    strong = sum(1 for m in matches if m.relevance >= 0.6)
    strength = min(1.0, strong / 3)
    margin = abs(support - oppose) / (support + oppose) if support + oppose else 0.0
    if stance == "mixed":
        margin *= 0.3  # a torn or undirected answer is never a confident one
    backing = min(1.0, backed_share + 0.25 * len(evidence))
    directed = 0.1 if any(m.effect for m in matches) else 0.0
    value = 0.15 + 0.25 * strength + 0.25 * margin + 0.2 * backing + directed
    return round(max(0.1, min(0.85, value)), 2)
