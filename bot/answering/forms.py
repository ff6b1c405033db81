"""Is the text a proposal to react to, or a question about the persona? (offline answerer)

The rules, applied to the text after a leading "what would / how does NAME think | feel |
say (about | of)" wrapper, greetings ("hey", "ok team") and conjunctions ("so", "and") are
dropped. The question mark is not needed: the chat phrasing arrives without it.

1. Proposal openers win. "should …", "shall we", "let's", "what if", "what about", "how
   about", "why not", "why don't we"; an auxiliary followed by "we" or "I" ("can we", "do
   we need", "are we"); "is it / would it (be)" followed by worth, a good idea, ok, wise,
   smart, better, time, help, make sense: the team is proposing or deciding something.
2. "do you think", "would you say", "is it true", "tell me" lead into a yes/no question
   (or an open one when a wh-word follows).
3. An auxiliary first ("is", "are", "does", "do", "did", "would", "will", "can", "could",
   "has", "might", "must", and their negated forms) asks a yes/no question.
4. A wh-word first ("what", "which", "who", "whose", "why", "how", "when", "where") asks
   an open question, also behind a preposition or a hedge ("Above what amount …", "For how
   long …", "In which …", "Roughly how many …"); "do you know", "any idea" lead into one.
5. Anything else is a proposal: "we're adding SSO", "a price increase of 10%", and a bare
   topic even with a question mark ("Dark mode?").

A yes/no question's predicate says what "yes" means:
- against: problem, issue, pain, concern, worry, dislike, hate, mind, object, refuse, reject,
  block, blocker, deal-breaker, frustrate, annoy, hurt, bother, put off, push back, leave,
  churn, switch, resist: "yes" when the topic hits their pains or objections;
- care: care, important, matter, priority, interested, relevant: "yes" whenever the profile
  speaks to the topic, on either side;
- want (the rest: want, like, need, must-have, use, pay for, approve, trust …): "yes" when
  their goals, motivations and habits, or a pain about lacking it, speak for it.
A negated question ("Doesn't Sam care about …?") gets the answer of the plain one, as an
English "yes" or "no" is about the fact either way. The predicate words, the persona's name
and "think / feel / opinion" are left out of the search terms: they are not the topic.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from bot.answering.text import stem, words_set

FormKind = Literal["proposal", "yes_no", "open"]
Predicate = Literal["want", "care", "against"]

_WRAPPER_RE = re.compile(
    r"^(?:what|how)\s+(?:would|does|do|might|will|could)\s+.+?\s+(?:think|feel|say)"
    r"(?:\s+(?:about|of|to|on))?\s*[:,]?\s*",
    re.I,
)
_LEAD_RE = re.compile(
    r"^[\W_]*(?:(?:hey|hi|hello|so|ok|okay|and|but|also|then|well|quick\s+question|team)"
    r"\b[\W_]*)*"
)
_WORD_RE = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")

AUXILIARIES = words_set(
    "is are was were am does do did has have had would will can could may might must "
    "isn't aren't wasn't weren't doesn't don't didn't hasn't haven't hadn't wouldn't won't "
    "can't couldn't mightn't mustn't"
)
WH_WORDS = words_set(
    "what which who whom whose why how when where what's who's how's where's why's"
)
_WE = words_set("we i we're i'm us")
_PROPOSAL_PAIRS = frozenset(
    [("what", "if"), ("what", "about"), ("how", "about"), ("why", "not"), ("why", "don't")]
)
_EVALUATIVE = words_set(
    "worth good ok okay wise smart better time help helpful useful sensible make possible idea fine"
)
_QUESTION_LEADS = (
    ("do", "you", "think"),
    ("would", "you", "say"),
    ("is", "it", "true"),
    ("do", "you", "know"),
    ("does", "anyone", "know"),
    ("any", "idea"),
)
# Words that may stand before the wh-word of an open question: "Above what amount …", "For
# how long …", "In which …", "Up to what price …", "Roughly how many …" (a closed class).
WH_LEADS = words_set(
    "above below over under at in on for from to by with within since until till after before "
    "during about around up into between beyond past of roughly approximately exactly precisely "
    "just"
)
MAX_WH_LEAD = 2
_ARTICLES = words_set("a an the")


def _stems(text: str) -> frozenset[str]:
    return frozenset(stem(w) for w in text.split())


AGAINST = _stems(
    "problem problems issue issues pain pains concern concerns concerned worry worries "
    "worried dislike dislikes hate hates mind object objects refuse refuses reject rejects "
    "block blocks blocker dealbreaker frustrate frustrated frustrating annoy annoyed annoying "
    "hurt hurts bother bothers putoff pushback leave leaves churn switch resist "
    "resists downside"
)
# "Would Maya leave if we raise prices?" asks whether it hurts; "Would Marcus switch tools
# mid-semester?" asks whether he would do it.
LEAVING = _stems("leave leaves churn switch")
CARE = _stems("care cares important importance matter matters priority interested relevant")
WANT = _stems(
    "want wants like likes love loves prefer prefers enjoy enjoys appreciate appreciates "
    "value values need needs require requires musthave essential welcome welcomes trust "
    "trusts accept accepts approve approves"
)
OPINION = _stems("think thinks feel feels opinion opinions view views stance attitude")
_PHRASES = re.compile(r"\b(?:must[\s-]have|put\s+\w*\s*off|push\s+back|deal[\s-]breaker)\b")


@dataclass(frozen=True)
class Form:
    kind: FormKind
    predicate: Predicate = "want"
    drop: frozenset[str] = frozenset()  # stems that are not the topic


def _glued(m: re.Match[str]) -> str:
    text = m.group(0)
    if text.startswith("put"):
        return "putoff"
    return re.sub(r"[\s-]", "", text)


def question_words(text: str) -> list[str]:
    """The question's lower-case words once greetings and a "what would X think" wrapper are
    dropped."""
    low = _LEAD_RE.sub("", text.replace("’", "'").lower().strip(), count=1)
    low = _LEAD_RE.sub("", _WRAPPER_RE.sub("", low, count=1), count=1)
    return _WORD_RE.findall(low)


def wh_start(ws: list[str]) -> int | None:
    """Where the wh-word of an open question stands: 0, or after up to `MAX_WH_LEAD`
    prepositions or hedges ("above what amount"); None when the words don't start so."""
    for i, w in enumerate(ws[: MAX_WH_LEAD + 1]):
        if w in WH_WORDS:
            return i
        if w not in WH_LEADS:
            return None
    return None


def question_form(text: str, names: tuple[str, ...] = ()) -> Form:
    """Classify `text` (see the module docstring). `names` are the persona's names."""
    ws = question_words(text)
    name_stems = frozenset(stem(w) for n in names for w in _WORD_RE.findall(n.lower()))
    kind = _kind(ws)
    if kind == "proposal":
        return Form("proposal", drop=name_stems)
    joined = " ".join(ws)
    phrase_words = {w for m in _PHRASES.finditer(joined) for w in _WORD_RE.findall(m.group(0))}
    stems = {stem(w) for w in _WORD_RE.findall(_PHRASES.sub(_glued, joined))}
    against = AGAINST if ("if" in ws or "unless" in ws) else AGAINST - LEAVING
    predicate: Predicate = "against" if stems & against else "care" if stems & CARE else "want"
    drop = name_stems | (stems & (AGAINST | CARE | WANT | OPINION))
    return Form(kind, predicate, drop | {stem(w) for w in phrase_words})


def _kind(ws: list[str]) -> FormKind:
    if not ws:
        return "proposal"
    for lead in _QUESTION_LEADS:
        if tuple(ws[: len(lead)]) == lead:
            rest = ws[len(lead) :]
            rest = rest[1:] if rest[:1] in (["that"], ["if"], ["whether"]) else rest
            if rest[:1] and rest[0] in _WE | {"should"}:
                return "proposal"
            return "open" if rest[:1] and rest[0] in WH_WORDS else "yes_no"
    if ws[:2] == ["tell", "me"]:
        return "open" if ws[2:3] and ws[2] in WH_WORDS else "yes_no"
    first, second = ws[0], (ws[1] if len(ws) > 1 else "")
    if first in ("should", "shall", "let's", "lets") or (first, second) in _PROPOSAL_PAIRS:
        return "proposal"
    if first in AUXILIARIES:
        if second in _WE:
            return "proposal"
        if second == "it":
            after = [w for w in ws[2:] if w not in _ARTICLES and w != "be"][:1]
            if after and after[0] in _EVALUATIVE:
                return "proposal"
        return "yes_no"
    if first in WH_WORDS:
        return "open"
    at = wh_start(ws)
    if at and (ws[at], ws[at + 1] if at + 1 < len(ws) else "") not in _PROPOSAL_PAIRS:
        return "open"
    return "proposal"
