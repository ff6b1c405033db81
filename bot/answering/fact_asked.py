"""What kind of fact an open question asks for (offline answerer, `bot.answering.facts`).

A factual question is answered only by a line that states a fact of the asked kind, so the
question is read for two things: the kind and, where the question names it, the thing asked
about.

- "how many NOUN", "how much", "how long / late / often / soon / far / big / old …" and
  "what / which amount | number | figure …": a quantity (`quantity`). "How many nurses …"
  names the thing counted (nurses); "how long / late / often / soon / early" accept a
  duration or frequency as well as a number (`timely`).
- "which / what NOUN …" and "what is X's NOUN": which one (`which`), about NOUN; "what kind /
  type / sort / brand of NOUN" reads as "which NOUN". "What frustrates Maya …" has a verb,
  not a noun, after "what" (a name or an object follows it, not an auxiliary or a verb).
  The head noun is the last noun of the phrase, or a more specific word of it when the head
  is generic ("ERP system" -> ERP). The question's own verb and a preposition left at the
  end ("teach *from*") are kept for lines that state the fact with the verb instead of the
  noun ("has taught chemistry").
- "when", "what time / day / month / year / season": a time (`when`).
- "who", "whom", "whose": a person or body (`who`); "who does X report to?" keeps its verb
  and preposition: a line must have them together ("reports to an elected council").
- anything else ("what does Lucia want …", "how does Hannah score bids", "why …"): no kind
  (`open`); the lines on topic answer it.

A noun that names a part of the profile ("What are Maya's goals?", "her biggest pain", "What
is her role?", and "Where does Maya work?") asks for those lines (`field`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from lemminflect import getAllLemmas

from bot.answering.forms import AUXILIARIES, WH_WORDS, question_words, wh_start
from bot.answering.text import GENERIC, STOPWORDS, stem, words_set

AskedKind = Literal["quantity", "which", "when", "who", "open"]

# "how ADJ": a measure ("how long"); the first set also accepts a duration or a frequency
TIMELY = words_set("long late often soon early frequently quickly fast")
MEASURES = TIMELY | words_set("many much far big large old high low expensive tall wide heavy")
# nouns that say only that a quantity is asked for, not what it is about
AMOUNT_WORDS = words_set(
    "amount amounts number numbers figure figures sum total quantity percentage proportion "
    "level threshold size"
)
TIME_WORDS = words_set("time day days date month months year years season week hour")
KIND_OF = words_set("kind kinds type types sort sorts brand brands make model")
# prepositions that end a noun phrase, or end the question ("teach from?")
PREPOSITIONS = words_set(
    "from to with for on about in at by into of over under through via like than per"
)
BE = words_set("is are was were be 's")
# verbs too general to say what the fact is (the noun has to)
LIGHT_VERBS = frozenset(
    stem(w) for w in words_set("use have get do make need want take go like prefer buy pay")
)
MAX_PHRASE = 3
BARE_AFTER = words_set("do does did can could will would should may might must")
# Nouns that name a part of the persona profile itself ("What are Maya's goals?", "What is
# her role?"): the profile's own vocabulary (see the README's persona file format).
_FIELD_WORDS = {
    "goal": "goal goals aim aims objective objectives priority priorities",
    "pain": "pain pains frustration frustrations problem problems challenge challenges",
    "motivation": "motivation motivations motive motives",
    "behavior": "behavior behaviors behaviour behaviours habit habits",
    "objection": "objection objections dealbreaker dealbreakers",
    "channel": "channel channels",
    "role": "role job title position occupation",
}
FIELDS = {stem(w): kind for kind, ws in _FIELD_WORDS.items() for w in ws.split()}


@dataclass(frozen=True)
class Asked:
    kind: AskedKind = "open"
    timely: bool = False  # a duration or frequency answers it too
    nouns: frozenset[str] = frozenset()  # stems of the thing asked about (one must be named)
    phrase: tuple[str, ...] = ()  # the asked noun phrase's words, as written
    verb: str | None = None  # lemma of the question's own verb (not a light one)
    particle: str | None = None  # a preposition left at the end of the question
    field: str | None = None  # a part of the profile asked for ("goal", "role" …)


def asked_of(question: str, names: tuple[str, ...] = ()) -> Asked:
    ws = question_words(question)
    at = wh_start(ws)
    if at is None:
        return Asked()
    name_words = {w for n in names for w in n.lower().split()}
    wh, rest = ws[at], ws[at + 1 :]
    nxt = rest[0] if rest else ""
    if wh in ("who", "whom", "whose", "who's"):
        verb, particle = _verb(rest, name_words)
        return Asked("who", verb=verb, particle=particle) if particle else Asked("who")
    if wh == "when":
        return Asked("when")
    if wh == "how":
        if nxt in MEASURES:
            nouns = _phrase(rest[1:], name_words) if nxt in ("many", "much") else ()
            return Asked("quantity", nxt in TIMELY, _heads(nouns), nouns)
        return Asked()
    if wh == "where" and _verb(rest, name_words)[0] == "work":
        return Asked(field="role")  # "where does Maya work?": her role says where
    if wh not in ("what", "which", "what's"):
        return Asked()
    verb: tuple[str | None, str | None] = (None, None)
    if wh == "what's" or nxt in BE:
        tail = rest if wh == "what's" else rest[1:]
        phrase = _phrase(_after_owner(tail, name_words), name_words)
    elif nxt and nxt not in AUXILIARIES and nxt not in WH_WORDS:
        if nxt in KIND_OF and rest[1:2] == ["of"]:
            rest = rest[2:]
        phrase = _phrase(rest, name_words)
        after = rest[len(phrase) : len(phrase) + 1]
        if after and not _verb_follows(phrase, after[0]):
            return Asked()  # "what frustrates Maya …": a verb, not a noun, follows "what"
        verb = _verb(rest[len(phrase) :], name_words)
    else:  # "what does Sam build automations with?": its verb and preposition rank lines
        verb, particle = _verb(rest, name_words)
        return Asked(verb=verb, particle=particle) if particle else Asked()
    if not phrase:
        return Asked()
    if phrase[-1] in AMOUNT_WORDS:
        return Asked("quantity")
    if phrase[-1] in TIME_WORDS:
        return Asked("when")
    field = FIELDS.get(stem(phrase[-1]))
    return Asked("which", False, _heads(phrase), phrase, *verb, field=field)


def _after_owner(ws: list[str], name_words: set[str]) -> list[str]:
    """'the co-op's annual turnover' -> 'annual turnover'; 'Jonas's day rate' -> 'day rate'."""
    for i, w in enumerate(ws[: MAX_PHRASE + 2]):
        if w.endswith("'s") or w in name_words or w in ("his", "her", "their", "its"):
            return ws[i + 1 :]
    return [w for w in ws if w not in ("the", "a", "an")]


def _phrase(ws: list[str], name_words: set[str]) -> tuple[str, ...]:
    """The noun phrase at the start of `ws`, up to an auxiliary, a preposition, a name or an
    inflected verb ("which bus operator runs …")."""
    out: list[str] = []
    for i, w in enumerate(ws):
        if w in AUXILIARIES or w in PREPOSITIONS or w in name_words or w.endswith("'s"):
            break
        if w in ("the", "a", "an") and not out:
            continue
        if out and _inflected_verb(w):
            break
        out.append(w)
        if len(out) == MAX_PHRASE:
            break
        if _plural(w) and not _goes_on(ws[i + 1 : i + 3]):
            break  # "how many nurses | work …", but "what accounts software …"
    return tuple(out)


def _goes_on(ws: list[str]) -> bool:
    """Whether the noun phrase goes on after a plural: the next word can only be a noun
    ("accounts software"), or an auxiliary follows it ("supplies budget does …")."""
    lemmas = getAllLemmas(ws[0]) if ws else {}
    if "NOUN" not in lemmas:
        return False
    return "VERB" not in lemmas or (len(ws) > 1 and ws[1] in AUXILIARIES)


def _plural(word: str) -> bool:
    return any(lemma != word for lemma in getAllLemmas(word).get("NOUN", ()))


def _verb_follows(phrase: tuple[str, ...], word: str) -> bool:
    """Whether `word` after the phrase is its verb: an auxiliary ("which crops *do* …"), an
    inflected verb ("which bus operator *runs* …") or, after a plural, any verb ("which
    customers *worry* …")."""
    if word in AUXILIARIES or _inflected_verb(word):
        return True
    return bool(phrase) and _plural(phrase[-1]) and "VERB" in getAllLemmas(word)


def _inflected_verb(word: str) -> bool:
    lemmas = getAllLemmas(word)
    return any(lemma != word for lemma in lemmas.get("VERB", ()))


def _heads(phrase: tuple[str, ...]) -> frozenset[str]:
    """The stems one of which a line must name: the head noun, or the specific words of the
    phrase when the head is generic ("ERP system", "GIS tools")."""
    if not phrase:
        return frozenset()
    head = phrase[-1]
    if head in GENERIC or stem(head) in GENERIC:
        specific = [w for w in phrase[:-1] if w not in STOPWORDS and w not in GENERIC]
        return frozenset(stem(w) for w in specific) or frozenset({stem(head)})
    return frozenset({stem(head)})


def _verb(ws: list[str], name_words: set[str]) -> tuple[str | None, str | None]:
    """The question's own verb after the subject ("… does Marcus *teach* from?") and a
    preposition left at the end."""
    ws = [w for w in ws if w not in name_words and not w.endswith("'s")]
    particle = ws[-1] if ws and ws[-1] in PREPOSITIONS else None
    base_form = False  # after "do / can / will …" the verb is bare: "do Maya's teams *use*"
    for w in ws:
        if w in AUXILIARIES or w in STOPWORDS:
            base_form = base_form or w in BARE_AFTER
            continue
        lemmas = getAllLemmas(w).get("VERB")
        if lemmas and not (base_form and _inflected_verb(w)):
            lemma = lemmas[0]
            return (None if stem(lemma) in LIGHT_VERBS else lemma), particle
    return None, particle
