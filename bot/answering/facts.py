"""Offline answers to factual questions ("Who approves Maya's budget?", "Where can we reach
Rosa?", "How much would she pay?") and the "unclear" answer when no line is on topic.

A factual question gets the fact, quoted from the lines that state it (the quote, summary
and role included, under the keys "quote", "summary" and "role"), or "the profile doesn't
say". It never gets a support/oppose verdict: the card shows no stance for it, and the
stance is "mixed" (no lean either way) when the fact is found, "unknown" when it is not.
"Where / how do we reach X", "where should we advertise", "where does X hear about …" are
answered with the persona's channel lines, and "What are Maya's goals?", "What is her role?"
with the lines of that part of the profile.

A line answers only when it states a fact of the kind asked (`bot.answering.fact_asked`
reads the question, `bot.answering.fact_values` the line): "How many nurses …" needs a
number of nurses, "Which ERP …" an ERP named or qualified, "When …" a time, "Who …" a
person or body. Sharing the question's other words ("… at Hannah's hospital") is not enough;
the line that names the thing without the fact ("… retypes into the ERP") is offered as
possibly related. The summary is read sentence by sentence, and the fact is quoted from the
sentence that states it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.answering.base import Answer, Reason
from bot.answering.citable import citable_lines
from bot.answering.fact_asked import Asked, asked_of
from bot.answering.fact_values import names_noun, says_with, sentences, states, states_by_verb
from bot.answering.forms import Form
from bot.answering.phrasing import Match, quote
from bot.answering.relevance import COVERAGE, STRONG, Topic, credit, on_topic, topic_of
from bot.answering.text import stem, terms
from persona_store.personas.views import LineView, PersonaView

MAX_FACT_LINES = 3
MAX_CHANNELS = 5
MAX_RELATED = 2
NOTHING = "I don't know from {first}'s profile: nothing in it speaks to this."
VERB_CREDIT = 1.0  # the question's verb in a line that states the fact with it
NEAR_BEST = 0.75  # lines within this share of the best credit are cited with it
REACH_RE = re.compile(
    r"\b(?:reach|reaching|advertis\w*|market(?:ing)?\s+to|channels?|promote|find\s+(?:out\s+)?"
    r"(?:about\s+)?new|hear(?:s|d)?\s+(?:about|of)|learn(?:s)?\s+about|discover\w*|get\s+in\s+"
    r"touch|contact|where\s+.*\b(?:find|look|read|hang\s+out|spend\s+time)\b)",
    re.I,
)
# words that only say what kind of fact is asked for, not what it is about
_ASKING = frozenset(stem(w) for w in ["usually", "typically", "normally", "exactly", "currently"])


def _line_terms(line: LineView) -> tuple[frozenset[str], frozenset[str]]:
    ts = terms(line.text)
    return (
        frozenset(t for t in ts if not t.startswith("@")),
        frozenset(t[1:] for t in ts if t.startswith("@")),
    )


def _scored(lines: Sequence[LineView], topic: Topic) -> list[tuple[float, LineView]]:
    scored = [(credit(topic, *_line_terms(ln)), ln) for ln in lines]
    return sorted((x for x in scored if x[0] > 0), key=lambda x: -x[0])


def fact_answer(persona: PersonaView, question: str, form: Form) -> Answer:
    first = persona.first_name
    channels = persona.lines_of("channel")
    if REACH_RE.search(question) and channels:
        shown = channels[:MAX_CHANNELS]
        return Answer(
            persona_slug=persona.slug,
            stance="mixed",
            summary=f"{first}'s profile names where to reach them: "
            + "; ".join(f"“{quote(ln.text, 80)}”" for ln in shown[:3])
            + ("…" if len(shown) > 3 else "."),
            reasons=tuple(
                Reason(f"One of their channels: “{quote(ln.text)}”", (ln.key,)) for ln in shown
            ),
            confidence=0.8,
            question_kind="fact",
            meta={"form": "open", "verdict": "fact", "matched": ",".join(ln.key for ln in shown)},
        )
    asked = asked_of(question, (persona.name, persona.slug))
    topic = topic_of(question, form.drop | _ASKING)
    known = frozenset(s for s, _ in topic.words) | _name_stems(persona) | form.drop
    if asked.field is not None:
        found = _field_answer(persona, asked, topic)
        if found is not None:
            return found
    lines = _sentences(persona)
    scored = _scored(lines, topic)
    stating = [(c, ln) for c, ln in scored if states(asked, ln.text, known)]
    if asked.kind == "open" and asked.particle:  # "… build automations *with*?"
        stating = sorted(stating, key=lambda x: (not says_with(asked, x[1].text), -x[0]))
    by_verb = asked.kind == "which" and not any(
        names_noun(ln.text, asked.nouns) for _, ln in scored
    )
    if by_verb:
        stating = _by_verb(asked, lines, topic)
    best = max((c for c, _ in stating), default=0.0)
    if not on_topic(topic, best):
        return _not_said(persona, "fact", _mentions(asked, scored))
    cited = _one_each([ln for c, ln in stating if c >= NEAR_BEST * best])[:MAX_FACT_LINES]
    coverage = best / topic.size if topic.size else 0.0
    confident = best >= STRONG and coverage >= COVERAGE and not by_verb
    top = cited[0]
    said = f"From {first}'s profile ({_where(top)})"
    if by_verb:  # the thing asked about is not named: say so, and what the line says
        thing = " ".join(asked.phrase)
        said = f"{first}'s profile doesn't name the {thing} as such; {_where(top)} says"
    return Answer(
        persona_slug=persona.slug,
        stance="mixed",
        summary=f"{said}: “{quote(top.text, 160)}”",
        reasons=tuple(
            Reason(f"{_where(ln).capitalize()}: “{quote(ln.text)}”", (ln.key,)) for ln in cited
        ),
        confidence=0.6 if confident else 0.45,
        question_kind="fact",
        meta={
            "form": "open",
            "verdict": "fact",
            "asked": asked.kind,
            "matched": ",".join(ln.key for ln in cited),
        },
    )


def _field_answer(persona: PersonaView, asked: Asked, topic: Topic) -> Answer | None:
    """The lines of the part of the profile asked for, those on the rest of the question's
    topic first ("What is Maya's biggest pain about onboarding?")."""
    kind = asked.field
    pool = [ln for ln in citable_lines(persona) if ln.kind == kind]
    if kind is None or not pool:
        return None
    phrase = {stem(w) for w in asked.phrase}  # "biggest pain": the field, not its topic
    rest = Topic(tuple(w for w in topic.words if w[0] not in phrase), topic.weight)
    on = [ln for c, ln in _scored(pool, rest) if on_topic(rest, c)]
    if rest.size and not on:
        return None  # "What problems does Maya have with golf?": not a list of her pains
    cited = (on or pool)[:MAX_FACT_LINES]
    first = persona.first_name
    plural = "habits" if kind == "behavior" else f"{kind}s"
    lead = f"{first}'s role" if kind == "role" else f"From {first}'s profile, their {plural}"
    return Answer(
        persona_slug=persona.slug,
        stance="mixed",
        summary=f"{lead}: "
        + "; ".join(f"“{quote(ln.text, 80)}”" for ln in cited)
        + ("…" if len(pool) > len(cited) and not on else "."),
        reasons=tuple(
            Reason(f"{_where(ln).capitalize()}: “{quote(ln.text)}”", (ln.key,)) for ln in cited
        ),
        confidence=0.8,
        question_kind="fact",
        meta={
            "form": "open",
            "verdict": "fact",
            "asked": "field",
            "matched": ",".join(ln.key for ln in cited),
        },
    )


def _by_verb(asked: Asked, lines: Sequence[LineView], topic: Topic) -> list[tuple[float, LineView]]:
    """No line names the thing asked about: the lines that state it with the question's verb
    ("What subject does Marcus teach?" -> "Marcus has taught chemistry …"), the verb counting
    as one topic word whatever its form ("taught")."""
    verb = stem(asked.verb or "")
    rest = Topic(tuple(w for w in topic.words if w[0] != verb), topic.weight)
    found = [
        (credit(rest, *_line_terms(ln)) + VERB_CREDIT, ln)
        for ln in lines
        if states_by_verb(asked, ln.text)
    ]
    return sorted(found, key=lambda x: -x[0])


def _sentences(persona: PersonaView) -> list[LineView]:
    """Every citable line, the summary cut into its sentences (each keeps the line's key): a
    fact is quoted from the sentence that states it."""
    return [
        LineView(ln.id, ln.key, ln.kind, sentence)
        for ln in citable_lines(persona)
        for sentence in sentences(ln.text)
    ]


def _one_each(lines: Sequence[LineView]) -> list[LineView]:
    """The best sentence of each line (lines are sorted best first)."""
    seen: set[str] = set()
    out: list[LineView] = []
    for ln in lines:
        if ln.key not in seen:
            seen.add(ln.key)
            out.append(ln)
    return out


def _mentions(
    asked: Asked, scored: Sequence[tuple[float, LineView]]
) -> list[tuple[float, LineView]]:
    """The nearest lines for "the profile doesn't say": those naming the asked thing first
    ("… retypes into the ERP" for "What ERP system …"), one sentence per line."""
    naming = [x for x in scored if asked.nouns and names_noun(x[1].text, asked.nouns)]
    seen: set[str] = set()
    out: list[tuple[float, LineView]] = []
    for c, ln in [*naming, *(x for x in scored if x not in naming)]:
        if ln.key not in seen:
            seen.add(ln.key)
            out.append((c, ln))
    return out


def _name_stems(persona: PersonaView) -> frozenset[str]:
    return frozenset(stem(w.lower()) for w in f"{persona.name} {persona.slug}".split())


_WHERE = {
    "quote": "their own words",
    "summary": "the summary",
    "role": "their role",
    "goal": "a goal",
    "pain": "a pain",
    "motivation": "a motivation",
    "behavior": "a habit",
    "channel": "a channel",
    "objection": "an objection",
}


def _where(line: LineView) -> str:
    return _WHERE.get(line.kind, "a line")


def _not_said(persona: PersonaView, kind: str, scored: Sequence[tuple[float, LineView]]) -> Answer:
    first = persona.first_name
    related = [ln for _, ln in scored[:MAX_RELATED]]
    summary = f"{first}'s profile doesn't say." if related else NOTHING.format(first=first)
    if related:
        summary += " Possibly related: " + "; ".join(f"“{quote(ln.text, 80)}”" for ln in related)
        summary += "."
    return Answer(
        persona_slug=persona.slug,
        stance="unknown",
        summary=summary,
        reasons=tuple(Reason(f"Possibly related: “{quote(ln.text)}”", (ln.key,)) for ln in related),
        confidence=0.1,
        out_of_scope=True,
        question_kind=kind,  # type: ignore[arg-type]
        meta={"form": "open" if kind == "fact" else kind, "verdict": "unknown", "matched": ""},
    )


def unclear_answer(
    persona: PersonaView, form: Form, found: Sequence[Match], topic: Topic
) -> Answer:
    """No line is really about the question: no verdict, only the nearest lines (if any)
    listed as possibly related."""
    near = sorted((m for m in found if m.overlap > 0), key=lambda m: (-m.overlap, -m.relevance))
    answer = _not_said(persona, form.kind, [(m.overlap, m.line) for m in near])
    first = persona.first_name
    text = NOTHING.format(first=first)
    if near:
        text = f"Unclear from {first}'s profile: nothing in it is clearly about this."
        text += answer.summary.removeprefix(f"{first}'s profile doesn't say.")
    return Answer(
        persona_slug=answer.persona_slug,
        stance="unknown",
        summary=text,
        reasons=answer.reasons,
        confidence=0.1,
        out_of_scope=True,
        question_kind="yes_no" if form.kind == "yes_no" else "proposal",
        meta={"form": form.kind, "verdict": "unclear", "matched": ""},
    )
