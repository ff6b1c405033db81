"""Whether a sentence of the profile states a fact of the kind a question asks for (offline
answerer, `bot.answering.facts`; the kinds are `bot.answering.fact_asked`'s).

A sentence is read clause by clause (commas, "and", "that", "which" … end a clause), word by
word with its case kept:

- a number: digits ("50,000", "$10", "30%", "400-bed") or a number word ("six", "a dozen",
  "half", "once", "twice");
- a name: a capitalised word that does not start the sentence, or a word with a capital or a
  digit after its first letter ("QGIS", "DaVinci", "4K"), other than the persona's names
  and the question's own words;
- a time: a month, weekday, season or holiday, a unit of time, a frequency ("monthly"), or
  a link to an event ("before shortlisting", "once the team uses it");
  a duration or frequency for "how long / often": a number, a frequency, a plural unit
  ("months late") or "a / every / per … UNIT" ("once a month", "a full school year");
- an agent for "who": a person or body (a noun ending like "officer", "clinician",
  "accountant"; a board, council, committee …; a capitalised name; "she" / "he": the
  persona).

What the question asks about must be in the same clause as the value where the question
names it: "How many nurses …" needs a number just before "nurses"; "Which ERP …" a name or
a qualifying word next to "ERP" ("the ERP" names none).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lemminflect import getAllLemmas

from bot.answering.fact_asked import Asked
from bot.answering.text import GENERIC, STOPWORDS, stem, words_set

NEAR = 3  # words between the asked noun and its value
SENTENCE_RE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"“])")
CLAUSE_RE = re.compile(
    r"[,;:()]|\s(?:and|but|or|that|which|who|while|whereas|because|so|when|if)\s", re.I
)
TOKEN_RE = re.compile(r"[A-Za-z0-9$€£%'’]+")

NUMBER_WORDS = words_set(
    "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety "
    "hundred hundreds thousand thousands million millions billion billions dozen dozens half "
    "once twice thrice single double triple"
)
MONTHS = words_set(
    "january february march april june july august september october november december"
)
DAYS = words_set("monday tuesday wednesday thursday friday saturday sunday weekend weekends")
SEASONS = words_set("spring summer autumn winter holidays holiday christmas easter")
UNITS = words_set(
    "minute hour day week fortnight month quarter year decade semester morning "
    "afternoon evening night midnight noon"
)
FREQUENCY = words_set(
    "hourly daily nightly weekly fortnightly monthly quarterly yearly annually annual "
    "biannual always"
)
SPAN_LEADS = words_set("a an every each per one once twice within")
# words that put something in time relative to an event ("before shortlisting", "once the
# team uses it every day")
TIME_LINKS = words_set("once after before until till whenever during since")
PERSONAL = words_set("he she they him her them himself herself themselves")  # the persona
BODIES = words_set(
    "board council committee team staff panel boss chief head department government "
    "authority ministry management leadership family partner partners colleague colleagues"
)
AGENT_ENDINGS = ("er", "ers", "or", "ors", "ist", "ists", "ian", "ians", "ant", "ants", "ee")
INTRODUCERS = words_set("such including called named especially mainly mostly")


@dataclass(frozen=True)
class Word:
    raw: str
    low: str
    stem: str
    first: bool  # starts the sentence


def sentences(text: str) -> list[str]:
    """The sentences of a line (a summary has several; most lines are one)."""
    return [s.strip() for s in SENTENCE_RE.split(text.strip()) if s.strip()]


def clauses(sentence: str) -> list[list[Word]]:
    out: list[list[Word]] = []
    first = True
    for part in CLAUSE_RE.split(sentence.replace("-", " ")):
        ws: list[Word] = []
        for raw in TOKEN_RE.findall(part):
            raw = raw.replace("’", "'")
            ws.append(Word(raw, raw.lower(), stem(raw.lower()), first))
            first = False
        if ws:
            out.append(ws)
    return out


def is_number(w: Word) -> bool:
    return any(c.isdigit() for c in w.raw) or w.low in NUMBER_WORDS


def is_name(w: Word, known: frozenset[str]) -> bool:
    if w.stem in known or w.low in known or w.raw == "I" or w.raw.isdigit():
        return False
    rest = w.raw[1:]
    inner = any(c.isupper() or c.isdigit() for c in rest) and any(c.isalpha() for c in w.raw)
    return inner or (w.raw[0].isupper() and not w.first)


def is_time(w: Word) -> bool:
    bare = w.low.removesuffix("'s")
    if bare in MONTHS | DAYS | SEASONS | FREQUENCY | TIME_LINKS:
        return True
    return stem(bare) in UNITS or bare in UNITS


def _plural_unit(w: Word) -> bool:
    return w.low.endswith("s") and w.low[:-1] in UNITS


def _span(clause: list[Word], known: frozenset[str]) -> bool:
    """A duration or a frequency in the clause (see the module docstring)."""
    for i, w in enumerate(clause):
        if w.stem in known:
            continue
        if is_number(w) or w.low in FREQUENCY or _plural_unit(w):
            return True
        if w.low in UNITS and any(x.low in SPAN_LEADS for x in clause[max(0, i - NEAR) : i]):
            return True
    return False


def is_agent(w: Word, known: frozenset[str]) -> bool:
    """A person or a body; an acronym is not one ("API", "EU"), a capitalised name is."""
    bare = w.low.removesuffix("'s").removesuffix("'")
    if bare in BODIES or bare in PERSONAL:
        return True
    if is_name(w, known) and not w.first and not w.raw.isupper():
        return True
    if bare.endswith(("ment", "ments")) or not bare.endswith(AGENT_ENDINGS):
        return False
    return "NOUN" in getAllLemmas(bare)


def _premodifier(clause: list[Word], at: int, asked: frozenset[str]) -> bool:
    """An adjective that qualifies the noun at `at` ("the annual public audit", "the
    incumbent suite"), skipping the question's own words ("the bus operator" has none). A
    noun before it says what it belongs to, not which it is ("school devices")."""
    i = at - 1
    while i >= 0 and clause[i].stem in asked:
        i -= 1
    if i < 0:
        return False
    w = clause[i]
    if w.low in STOPWORDS or w.low.endswith("'s") or w.low in GENERIC or w.stem in GENERIC:
        return False
    return "ADJ" in getAllLemmas(w.low)


def _near(clause: list[Word], at: int) -> list[Word]:
    return clause[max(0, at - NEAR) : at] + clause[at + 1 : at + 1 + NEAR]


def _counted(clause: list[Word], at: int) -> bool:
    """A number before the noun at `at` ("25 drivers", "about a dozen regular clients") or
    after it behind "of" ("a team of six", "a budget of about $300")."""
    if any(is_number(x) for x in clause[max(0, at - NEAR) : at]):
        return True
    after = [x.low for x in clause[at + 1 : at + 1 + NEAR]]
    if "of" not in after:
        return False
    return any(is_number(x) for x in clause[at + 2 + after.index("of") : at + 2 * NEAR])


def says_with(asked: Asked, sentence: str) -> bool:
    """Whether the sentence has the question's verb with the preposition the question ends
    on ("builds automations *with* webhooks" for "what does Sam build automations with?")."""
    return asked.particle is not None and _verb_with(clauses(sentence), asked.verb, asked.particle)


def _verb_with(cs: list[list[Word]], verb: str | None, particle: str) -> bool:
    """The verb with the preposition right after it or its object ("reports to …")."""
    return any(
        verb in getAllLemmas(w.low).get("VERB", ())
        and any(x.low == particle for x in c[i + 1 : i + 1 + NEAR])
        for c in cs
        for i, w in enumerate(c)
    )


def names_noun(sentence: str, nouns: frozenset[str]) -> bool:
    return any(w.stem in nouns for c in clauses(sentence) for w in c)


def states(asked: Asked, sentence: str, known: frozenset[str]) -> bool:
    """Whether `sentence` states a fact of the kind `asked`. `known` holds the stems of the
    question's words and of the persona's names (they are not values)."""
    cs = clauses(sentence)
    if asked.kind == "open":
        return True
    if asked.kind == "when":
        return any(is_time(w) and w.stem not in known for c in cs for w in c)
    if asked.kind == "who":
        if asked.particle and not _verb_with(cs, asked.verb, asked.particle):
            return False  # "who does Maya report to?" is not "a monthly report"
        return any(is_agent(w, known) for c in cs for w in c)
    if asked.kind == "quantity":
        if asked.nouns:  # "how many nurses": a number just before "nurses" ("a team of six")
            return any(_counted(c, i) for c in cs for i, w in enumerate(c) if w.stem in asked.nouns)
        if asked.timely:
            return any(_span(c, known) for c in cs)
        return any(is_number(w) for c in cs for w in c)
    # which: a value next to the asked noun
    for c in cs:
        for i, w in enumerate(c):
            if w.stem not in asked.nouns:
                continue
            near = _near(c, i)
            if any(is_number(x) or is_name(x, known) or x.low in INTRODUCERS for x in near):
                return True
            if _premodifier(c, i, known):
                return True
    return False


def states_by_verb(asked: Asked, sentence: str) -> bool:
    """For "what subject does Marcus teach?" when no line names a subject: the sentence has
    the question's verb with an object after it ("has taught chemistry"), and the
    preposition the question ends on when it ends on one ("teach *from*")."""
    if asked.verb is None:
        return False
    for c in clauses(sentence):
        for i, w in enumerate(c):
            if asked.verb not in getAllLemmas(w.low).get("VERB", ()):
                continue
            after = [x for x in c[i + 1 : i + 1 + NEAR] if x.low not in ("a", "an", "the")]
            if asked.particle is not None:
                if any(x.low == asked.particle for x in c[i + 1 : i + 1 + NEAR]):
                    return True
                continue
            if after and after[0].low not in STOPWORDS and not is_number(after[0]):
                return True  # "taught chemistry", not "teaches five classes" (a count)
    return False
