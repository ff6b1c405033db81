"""The offline grounded answerer: the default when no AI model is configured.

It ranks the persona's own profile lines (and evidence) against the question with BM25
(terms normalised as `bot.answering.text` describes), then builds the answer only from the
best matches. Every reason quotes a profile line and cites its key; nothing is written that
is not in the profile, and when nothing relevant matches it says so ("out of scope").

The text is first sorted into a proposal or a question (`bot.answering.forms` documents
the rules):

- A proposal ("Should we raise prices 20%?", "we're adding SSO", "a price increase of
  10%") gets a reaction: goals and motivations suggest support, pains and objections
  suggest concerns, and a small direction lexicon decides whether the proposal relieves or
  aggravates what it touches ("raise prices" vs a budget pain leans oppose; "make
  onboarding faster" vs an onboarding pain leans support).
- A question ("Is SSO a must-have?", "Does Sam care about keyboard shortcuts?", "Who
  approves Maya's budget?") gets an answer to that question from the same lines:
  `bot.answering.questions` says "Yes", "No", "Probably …" or "It depends" for a yes/no
  question and which profile lines speak to an open one. The stance is still the
  persona's attitude to the topic, so a panel can compare personas either way.

Lines that name the topic as missing or unwanted ("No bulk edit", "instead of five
spreadsheets", see `bot.answering.negation`) are read the right way round in both; so are
proposals that deal with a pain (`bot.answering.remedy`) and times a question names against
a line's "only …" / "never …" windows (`bot.answering.timing`).

Next to BM25, lines close in meaning join the candidates (`bot.answering.semantic_match`,
a sentence model asked only when no line names the whole topic), and a line met by meaning
alone is read by the half the question is closer to (`bot.answering.segments`). When most
of the topic appears nowhere in the profile and no line is close in meaning, there is no
verdict (`FOREIGN_SHARE`).
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from dataclasses import dataclass, field

import numpy as np

from bot.answering import semantic_match
from bot.answering.base import Answer, Reason, without_options
from bot.answering.bm25 import BM25
from bot.answering.citable import extra_lines
from bot.answering.facts import fact_answer, unclear_answer
from bot.answering.forms import Form, question_form
from bot.answering.negation import POSITIVE_KINDS, asked_away, flipped_stems
from bot.answering.phrasing import (
    MAX_EACH,
    Match,
    backing_note,
    confidence,
    label,
    quote,
    side_strength,
    stance_of,
    weight_of,
    win_over,
)
from bot.answering.questions import CAVEAT_WEIGHT, question_answer
from bot.answering.relevance import (
    STRONG,
    Topic,
    coverage,
    credit,
    load_lexicon,
    on_topic,
    topic_of,
)
from bot.answering.remedy import pain_effect
from bot.answering.segments import closer_side, sides
from bot.answering.semantic import SentenceModel
from bot.answering.stages import stage_answer
from bot.answering.text import CONCEPT_OF, GENERIC, direction, terms
from bot.answering.timing import times_in, timing_effect
from persona_store.personas.spec import LINE_KINDS, base_kind
from persona_store.personas.views import EvidenceView, LineView, PersonaView

CONCEPT_WEIGHT = 0.8  # a synonym match counts a bit less than the same word
GENERIC_WEIGHT = 0.3
RELATIVE_CUTOFF = 0.3  # lines scoring under 30% of the best match are dropped
CACHE_SIZE = 512
FOREIGN_SHARE = 0.6  # this share of the topic unknown to the whole profile: no verdict
SECOND_LINE = 1.0  # once one line is on topic, others sharing a topic word count as well
# Complaints about what something costs: a line like "Per-seat SSO surcharges" is a catch
# about price when the question is not about cost at all (SSO itself), not a reason
# against SSO.
COST_CONCEPTS = frozenset(("price", "contract"))


@dataclass(frozen=True)
class _Doc:
    line: LineView | None
    evidence: EvidenceView | None
    strong: frozenset[str]  # terms that may make this document relevant on their own
    concepts: frozenset[str]
    flipped: frozenset[str] = frozenset()  # stems the line names as missing or unwanted
    flipped_concepts: frozenset[str] = frozenset()  # their concepts ("phone": @mobile)
    stems: frozenset[str] = frozenset()  # `strong` without the @concepts


@dataclass(frozen=True)
class _Index:
    docs: tuple[_Doc, ...]
    bm25: BM25
    backing: dict[str, tuple[EvidenceView, ...]]  # line key -> evidence linked to it
    vectors: np.ndarray | None = None  # one sentence embedding per line of `_lines`
    vocabulary: frozenset[str] = frozenset()  # every stem of the profile and its evidence
    concepts: frozenset[str] = frozenset()  # every concept they name
    halves: dict[str, np.ndarray] = field(default_factory=dict)  # key -> (kept, turned)


_Top = tuple[str, str]  # (label, line text) of the strongest reason or concern


def build_index(persona: PersonaView, model: SentenceModel | None = None) -> _Index:
    docs: list[_Doc] = []
    corpus: list[list[str]] = []
    for line in _lines(persona):
        ts = terms(line.text)
        flipped = flipped_stems(line.text, line.kind)
        fc = frozenset(CONCEPT_OF[s] for s in flipped if s in CONCEPT_OF)
        strong = _strong(ts)
        stems = frozenset(t for t in strong if not t.startswith("@"))
        docs.append(_Doc(line, None, strong, _concepts(ts), flipped, fc, stems))
        corpus.append(ts)
    backing: dict[str, list[EvidenceView]] = {}
    for e in persona.evidence:
        ts = terms(e.summary)
        docs.append(_Doc(None, e, _strong(ts), _concepts(ts)))
        corpus.append(ts)
        if e.line_key:
            backing.setdefault(e.line_key, []).append(e)
    vectors = None
    halves: dict[str, np.ndarray] = {}
    if model is not None:
        vectors = model.embed_lines([semantic_match.line_text(ln) for ln in _lines(persona)])
        halves = _embedded_halves(persona, model)
    vocabulary = frozenset(t for d in docs for t in d.strong if not t.startswith("@"))
    concepts = frozenset(c for d in docs for c in d.concepts)
    return _Index(
        tuple(docs),
        BM25(corpus),
        {k: tuple(v) for k, v in backing.items()},
        vectors,
        vocabulary,
        concepts,
        halves,
    )


def _embedded_halves(persona: PersonaView, model: SentenceModel) -> dict[str, np.ndarray]:
    """Line key -> the embeddings of its kept and turned halves (`segments.sides`)."""
    pairs = [(ln.key, pair) for ln in _lines(persona) if (pair := sides(ln.text, ln.kind))]
    embedded = model.embed_lines([text for _, pair in pairs for text in pair])
    if embedded is None:
        return {}
    return {key: embedded[2 * i : 2 * i + 2] for i, (key, _) in enumerate(pairs)}


def _strong(ts: list[str]) -> frozenset[str]:
    return frozenset(t for t in ts if t not in GENERIC)


def _concepts(ts: list[str]) -> frozenset[str]:
    return frozenset(t[1:] for t in ts if t.startswith("@"))


def query_weights(question: str, drop: frozenset[str] = frozenset()) -> dict[str, float]:
    weights: dict[str, float] = {}
    for t in terms(question, query=True, drop=drop):
        w = CONCEPT_WEIGHT if t.startswith("@") else GENERIC_WEIGHT if t in GENERIC else 1.0
        weights[t] = max(w, weights.get(t, 0.0))
    return weights


def _turned(
    doc: _Doc,
    effect: int,
    words: set[str],
    asked_away: frozenset[str] = frozenset(),
    concepts: frozenset[str] = frozenset(),
) -> tuple[int, bool]:
    """The effect once negations are read the right way round, and whether the line names
    the topic as missing or unwanted.

    The line may turn round the words it shares with the question ("never during summer"
    read against "in summer?"; it does even when it shares a neutral word too), and so may
    the question (`asked_away`: "comment *without* creating an account" against "Refuses to
    make clients create an account"). One turn reads the line the other way; two cancel."""
    shared = doc.strong & words
    # synonyms count too ("mobile-first" meets "rarely on a phone"), unless a shared word
    # already brings that concept
    synonyms = (doc.concepts & concepts) - {CONCEPT_OF[s] for s in shared if s in CONCEPT_OF}
    if not shared and not synonyms:
        return effect, False
    turned = len(shared & doc.flipped) + len(synonyms & doc.flipped_concepts)
    kept = len(shared - doc.flipped) + len(synonyms - doc.flipped_concepts)
    line_turn = turned >= kept
    # a question's "without X" is short and its X often generic ("an account"): it turns the
    # line round when it takes away a third of what they share
    asked_turn = bool(shared) and 2 * len(shared & asked_away) >= len(shared - asked_away)
    assert doc.line is not None
    positive = doc.line.kind in POSITIVE_KINDS
    if line_turn and asked_turn:  # "not in summer?" against "never in summer": agrees
        return (1 if positive else -1), False
    if asked_turn:  # taking away what a goal wants, or what an objection is against
        return (-1 if positive else 1), False
    if not line_turn:
        return effect, False
    if positive:  # "instead of spreadsheets": more goes against it
        return (1 if effect < 0 else -1), True
    return (-1 if effect < 0 else 1), True  # "No bulk edit": offering it eases the pain


class OfflineAnswerer:
    """Grounded, deterministic and fast (well under a millisecond per answer once a persona
    version is indexed). Indexes are cached per persona version on the instance."""

    name = "offline"

    def __init__(self, cache_size: int = CACHE_SIZE, *, semantic: bool = True) -> None:
        self._cache: OrderedDict[tuple[object, ...], _Index] = OrderedDict()
        self._cache_size = cache_size
        self._lexicon_loaded = False
        # sentence similarity next to BM25 (`semantic_match`)
        self._model = SentenceModel() if semantic else None

    async def answer(self, persona: PersonaView, question: str) -> Answer:
        if not self._lexicon_loaded:
            # lemminflect reads its dictionary on first use (~0.3 s): off the event loop
            await asyncio.to_thread(load_lexicon)
            self._lexicon_loaded = True
        if self._model is not None:  # the model, a profile's vectors, the question's: off it too
            key = _cache_key(persona)
            if key not in self._cache:
                self._store(key, await asyncio.to_thread(build_index, persona, self._model))
            form = question_form(question, _names(persona))
            topic = topic_of(question, form.drop)
            if self._needs_meaning(self._index(persona), topic, form):
                q = _semantic_question(persona, question)
                await asyncio.to_thread(self._model.embed_question, q)
        return self.answer_now(persona, question)

    async def aclose(self) -> None:
        """Nothing to release; present so every answerer can be closed the same way."""

    def _index(self, persona: PersonaView) -> _Index:
        key = _cache_key(persona)
        index = self._cache.get(key)
        if index is None:
            index = build_index(persona, self._model)
            self._store(key, index)
        else:
            self._cache.move_to_end(key)
        return index

    def _store(self, key: tuple[object, ...], index: _Index) -> None:
        self._cache[key] = index
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)

    def _similar(
        self, index: _Index, persona: PersonaView, question: str, worded: dict[str, float]
    ) -> dict[str, float]:
        """Semantic candidates (line key -> relevance), empty without the model."""
        if self._model is None:
            return {}
        cos = self._model.cosines(_semantic_question(persona, question), index.vectors)
        if cos is None:
            return {}
        return semantic_match.candidates([ln.key for ln in _lines(persona)], cos, worded)

    def matches(
        self, persona: PersonaView, question: str, form: Form | None = None
    ) -> tuple[list[Match], list[EvidenceView]]:
        """The relevant profile lines (best first) and relevant evidence for a question."""
        index = self._index(persona)
        if form is None:
            form = question_form(question, _names(persona))
        weights = query_weights(question, form.drop)
        topic = topic_of(question, form.drop)
        strong_q = {t for t in weights if t not in GENERIC}
        words_q = {t for t in strong_q if not t.startswith("@")}
        away = asked_away(question)  # "without an account", "no sign-up"
        concepts_q = {t[1:] for t in strong_q if t.startswith("@")}
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
        timed = self._timed(persona, question)
        meaning = self._needs_meaning(index, topic, form)
        similar = self._similar(index, persona, question, line_scores) if meaning else {}
        if best <= 0 and not timed and not similar:
            return [], []
        best = best or 1.0
        overall, per_concept, added = direction(question)
        docs = {d.line.key: d for d in index.docs if d.line is not None}
        out: list[Match] = []
        for line in _lines(persona):
            score = line_scores.get(line.key, 0.0)
            if line.key in timed:  # "in August" against "never during summer"
                out.append(
                    Match(line, 1.0, timed[line.key], direct=True, overlap=STRONG, timed=True)
                )
                continue
            if (score <= 0 or score < RELATIVE_CUTOFF * best) and line.key not in similar:
                continue
            doc = docs[line.key]
            touched = [per_concept[c] for c in doc.concepts if c in per_concept]
            effect = ((sum(touched) > 0) - (sum(touched) < 0)) if touched else overall
            # Only an explicit relief ("cut prices", "simplify setup") answers an objection;
            # adding the very thing it is about ("add AI reports") does not.
            explicit = any(per_concept.get(c, 0) > 0 and c not in added for c in doc.concepts)
            if effect > 0 and line.kind == "objection" and not explicit:
                effect = 0
            effect, flipped = _turned(doc, effect, words_q, away, frozenset(concepts_q))
            caveat = (
                line.kind in ("pain", "objection")
                and effect == 0
                and bool(doc.concepts & COST_CONCEPTS)
                and not concepts_q & COST_CONCEPTS
            )
            direct = bool(doc.strong & words_q)
            stems = frozenset(t for t in doc.strong if not t.startswith("@"))
            overlap = credit(topic, stems, doc.concepts)
            if line.kind == "pain" and effect == 0 and not flipped and not caveat:
                effect = pain_effect(question, frozenset(stems & words_q))
            relevance = score / best if best > 0 else 0.0
            found_by_meaning = line.key in similar
            if found_by_meaning:  # on topic even without a shared word
                relevance = max(relevance, similar[line.key])
                overlap = max(overlap, semantic_match.CREDIT)
                direct = True  # close in meaning: it speaks to the question, not a synonym
            if meaning and line.key in index.halves and not doc.strong & words_q:
                effect, flipped = self._by_halves(
                    index, persona, question, line.key, effect, flipped
                )
            out.append(
                Match(
                    line,
                    relevance,
                    effect,
                    flipped,
                    direct,
                    caveat,
                    overlap,
                    similar=found_by_meaning,
                )
            )
        out.sort(key=lambda m: -m.relevance)
        kept_evidence = [
            e for s, e in sorted(evidence, key=lambda x: -x[0]) if s >= RELATIVE_CUTOFF * best
        ]
        return out, kept_evidence

    def _needs_meaning(self, index: _Index, topic: Topic, form: Form) -> bool:
        """Whether the sentence model has anything to add: not when one line already names
        every word of the question's topic (most plain questions), which spares the ~15 ms
        of embedding the question."""
        if self._model is None:
            return False
        if not topic.size:
            return True
        covered = max(
            (
                credit(topic, d.stems, d.concepts)
                for d in index.docs
                if d.line is not None and d.strong
            ),
            default=0.0,
        )
        return covered < topic.weight

    def _by_halves(
        self,
        index: _Index,
        persona: PersonaView,
        question: str,
        key: str,
        effect: int,
        flipped: bool,
    ) -> tuple[int, bool]:
        """A line that turns round halfway, met by meaning only: read against the half the
        question is closer to ("from his smartphone" and "…, rarely on a phone")."""
        if self._model is None:
            return effect, flipped
        vector = self._model.embed_question(_semantic_question(persona, question))
        if vector is None:
            return effect, flipped
        kept, turned = (float(x) for x in index.halves[key] @ vector)
        side = closer_side(kept, turned)
        if side < 0 and not flipped:
            return (-1 if effect >= 0 else 1), True
        # it never turns a line back: the kept half also holds what they do ("plans every
        # purchase"), which a question about the turned half ("shop from a phone") shares
        return effect, flipped

    def _foreign(self, persona: PersonaView, topic: Topic) -> float:
        """The share of the question's topic (by weight: a noun counts fully, a verb or
        adverb half) that no line of the profile names, not even by a related word:
        "gamification badges for buyers" asks about badges and gamification, which a
        hospital buyer's profile never mentions."""
        if not topic.weight:
            return 0.0
        index = self._index(persona)
        absent = sum(
            weight
            for (s, concept), weight in zip(topic.words, topic.weights, strict=True)
            if s not in index.vocabulary and (concept is None or concept not in index.concepts)
        )
        return absent / topic.weight

    @staticmethod
    def _timed(persona: PersonaView, question: str) -> dict[str, int]:
        """Lines whose time windows answer the time the question names (`timing`)."""
        if not times_in(question):
            return {}
        out: dict[str, int] = {}
        for line in _lines(persona):
            effect = timing_effect(line.text, question)
            if effect is not None:
                out[line.key] = effect
        return out

    def answer_now(self, persona: PersonaView, question: str) -> Answer:
        """The synchronous core (the bench and the LLM fallback call it directly)."""
        question = without_options(question)
        staged = stage_answer(persona, question)
        if staged is not None:  # a journey stage or an empathy quadrant is asked about
            return staged
        form = question_form(question, _names(persona))
        if form.kind == "open":
            return fact_answer(persona, question, form)
        found, evidence = self.matches(persona, question, form)
        topic = topic_of(question, form.drop)
        matches = [m for m in found if on_topic(topic, m.overlap)]
        if (
            matches
            and not any(m.similar for m in matches)
            and self._foreign(persona, topic) >= FOREIGN_SHARE
        ):
            matches = []  # most of what is asked about appears nowhere in the profile
        if matches:  # the topic is covered: lines sharing a word of it speak to it too
            matches = [m for m in found if m in matches or m.overlap >= SECOND_LINE]
        else:
            return unclear_answer(persona, form, found, topic)
        covered = coverage(topic, matches)
        if form.kind != "proposal":
            backing = self._index(persona).backing
            return question_answer(persona, form, matches, evidence, backing, coverage=covered)
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
                meta={"matched": "", "form": "proposal"},
            )
        index = self._index(persona)
        reasons: list[tuple[float, Reason, Match, str]] = []
        concerns: list[tuple[float, Reason, Match, str]] = []
        decisive = False
        for m in matches:
            side, text_label, weight = label(m)
            if m.caveat:  # a catch on cost ("per-seat SSO surcharges") is not a reason against
                weight *= CAVEAT_WEIGHT
            backing = index.backing.get(m.line.key, ())
            text = f"{text_label}: “{quote(m.line.text)}”{backing_note(backing)}"
            item = (weight_of(m, weight), Reason(text, (m.line.key,)), m, text_label)
            (reasons if side == "r" else concerns).append(item)
            if m.effect != 0 or m.line.kind in ("goal", "motivation", "objection"):
                decisive = True
        support = side_strength(x[0] for x in reasons)
        oppose = side_strength(x[0] for x in concerns)
        stance = stance_of(support, oppose, decisive)
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
            win_over=win_over(matches),
            confidence=confidence(
                matches, stance, support, oppose, backed / len(shown), evidence, covered
            ),
            out_of_scope=False,
            source="offline",
            meta={
                "matched": ",".join(m.line.key for m in matches),
                "evidence": str(len(evidence)),
                "form": "proposal",
            },
        )


def _lines(persona: PersonaView) -> tuple[LineView, ...]:
    """The lines a reaction is built from: the profile lines and the persona's own quote
    ("Give me an API and a webhook…"); the summary and role answer factual questions. Lines
    of the empathy map and the journey are read as the kind they behave like (`base_kind`:
    a stage's pains are pains), keeping their own citation ids."""
    lines = tuple(
        ln if ln.kind in LINE_KINDS else LineView(ln.id, ln.key, base_kind(ln.kind), ln.text)
        for ln in persona.lines
    )
    return (*lines, *(ln for ln in extra_lines(persona) if ln.key == "quote"))


def _names(persona: PersonaView) -> tuple[str, ...]:
    return (persona.name, persona.slug)


def _cache_key(persona: PersonaView) -> tuple[object, ...]:
    return (
        persona.workspace_id,
        persona.id,
        persona.slug,
        persona.version,
        hash(tuple((ln.key, ln.kind, ln.text) for ln in _lines(persona))),
        hash(tuple((e.id, e.summary, e.line_key, e.n) for e in persona.evidence)),
    )


def _semantic_question(persona: PersonaView, question: str) -> str:
    return semantic_match.question_text(without_options(question), _names(persona))


def _summary(first: str, stance: str, top_r: _Top | None, top_c: _Top | None) -> str:
    r = f"{top_r[0].lower()} “{quote(top_r[1], 80)}”" if top_r else ""
    c = f"{top_c[0].lower()} “{quote(top_c[1], 80)}”" if top_c else ""
    if stance == "support":
        return f"{first} would likely welcome this; it {r}."
    if stance == "oppose":
        return f"{first} would likely push back; it {c}."
    if r and c:
        return f"{first} would be torn: it {r}, but it {c}."
    return f"{first} would want to know more; it {c or r}."
