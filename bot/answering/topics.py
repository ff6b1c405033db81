"""What a question is about, in the answerer's own terms: used to group a persona's gaps
(near-duplicate questions share their normalised terms) and to name them briefly ("SSO",
"mobile app"). The same normalisation as the offline answerer: `question_form` drops the
persona's names and the predicate ("need", "care about"), `query_weights` stems the rest."""

from __future__ import annotations

import re

from bot.answering.forms import AUXILIARIES, WH_WORDS, question_form
from bot.answering.offline import query_weights
from bot.answering.text import GENERIC, STOPWORDS, stem

_WORD = re.compile(r"[^\W_][\w'’.-]*[^\W_]|[^\W_]")
TOPIC_WORDS = 3
# verbs of wanting and using say nothing about the topic in a label ("use mobile app")
VERBS = frozenset(
    (
        "use", "uses", "using", "used", "need", "needs", "want", "wants", "like", "likes",
        "love", "prefer", "pay", "buy", "must-have", "must-haves", "care", "important", "matter",
    )
)  # fmt: skip


def question_terms(question: str, names: tuple[str, ...] = ()) -> str:
    """The question's topic as sorted, space-separated stems ("app mobil"); the same for
    "Would Maya use a mobile app?" and "Does Maya want mobile apps"."""
    form = question_form(question, names)
    weights = query_weights(question, form.drop)
    strong = sorted({t for t in weights if not t.startswith("@") and t not in GENERIC})
    return " ".join(strong or sorted(t for t in weights if not t.startswith("@")))


def topic_label(question: str, names: tuple[str, ...] = ()) -> str:
    """A few of the question's own words that carry its topic, as typed ("SSO", "mobile
    app"); the question itself, shortened, when none is left."""
    form = question_form(question, names)
    name_words = {w.lower() for n in names for w in _WORD.findall(n)}
    kept: list[str] = []
    for word in _WORD.findall(question.replace("’", "'")):
        low = word.lower().removesuffix("'s")
        if (
            low in STOPWORDS
            or low in AUXILIARIES
            or low in WH_WORDS
            or low in VERBS
            or low in name_words
            or stem(low) in form.drop
            or low.isdigit()
        ):
            continue
        kept.append(word.removesuffix("'s"))
        if len(kept) == TOPIC_WORDS:
            break
    label = " ".join(kept) or question.strip().rstrip("?")
    return label if len(label) <= 40 else label[:39].rstrip() + "…"
