"""A naive word-overlap answerer, the bench's baseline: it ranks profile lines by the content
words they share with the question and reads polarity off the line's kind alone (goals,
motivations, behaviours, channels for; pains and objections against). No negation, no
synonyms, no relevance threshold beyond one shared word."""

from __future__ import annotations

import re

from bot.answering.base import Answer, QuestionKind, Reason
from persona_store.personas.views import PersonaView
from tests.eval.wording import content_words, same_word

FOR_KINDS = frozenset({"goal", "motivation", "behavior", "channel", "quote", "summary", "role"})
TOP = 3
_FACT = re.compile(
    r"^(who|where|when|which|what (is|are|does|do)\b|how (much|many|long|often|big|do|does|can)\b)"
)
_YES_NO = re.compile(r"^(is|are|does|do|did|would|will|can|could|has|have)\b")


def question_kind(question: str) -> QuestionKind:
    text = question.strip().lower()
    if _FACT.match(text):
        return "fact"
    return "yes_no" if _YES_NO.match(text) else "proposal"


class OverlapBaseline:
    name = "baseline"

    async def answer(self, persona: PersonaView, question: str) -> Answer:
        ignore = frozenset({persona.slug, persona.first_name.lower()})
        asked = content_words(question, ignore)
        texts = [(line.key, line.kind, line.text) for line in persona.lines]
        texts += [(f, f, getattr(persona, f)) for f in ("quote", "summary", "role")]
        scored = []
        for key, kind, text in texts:
            words = content_words(text, ignore)
            score = sum(1 for w in asked if any(same_word(w, t) for t in words))
            if score:
                scored.append((score, key, kind))
        scored.sort(key=lambda s: -s[0])
        kind = question_kind(question)
        if not scored:
            return Answer(
                persona.slug,
                "unknown",
                "The profile doesn't say.",
                out_of_scope=True,
                question_kind=kind,
            )
        top = scored[:TOP]
        lean = sum(s if k in FOR_KINDS else -s for s, _, k in top)
        stance = "support" if lean > 0 else "oppose" if lean < 0 else "mixed"
        reasons = tuple(Reason(key, (key,)) for _, key, _ in top)
        best = top[0][0]
        return Answer(
            persona.slug,
            stance,
            f"Word overlap leans {stance}.",
            reasons=reasons,
            confidence=min(0.9, 0.3 + 0.2 * best),
            question_kind=kind,
        )
