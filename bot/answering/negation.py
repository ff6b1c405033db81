"""Which words of a profile line point the other way than the line's kind (offline answerer).

A goal names what the persona wants and a pain what hurts, except where the wording turns
a word round. `flipped_stems(text, kind)` returns those words' stems:

In goals, motivations, behaviours and channels, the words the line wants *less* of:
- after no, without, lack, missing, instead of, rather than, hide, drop, lose, break, or
  cut, reduce, fewer, less, avoid, stop, eliminate, not, never, don't …: the next two
  content words ("instead of five spreadsheets", "cut the hours", "fewer late-night
  incidents"), carried on over "and" / "or" / "nor".

In pains and objections, the words whose *absence* is the complaint, or which are demanded:
- after no, without, lack, missing, hide, drop, lose, break: the next two content words,
  carried on over "and" / "or" ("No bulk edit", "without keyboard navigation or bulk
  actions", "tools that lack SCIM");
- a verb negation inside a relative clause ("tools that don't integrate"): the word right
  after it; in the main clause it is the persona refusing ("will not approve a chat bot"),
  which stays a complaint about the bot;
- an "if" / "unless" clause that takes something away ("If the free tier goes away", "if
  the API becomes a paid add-on"): the words before the taking-away word; elsewhere
  removed / dropped / discontinued / gone flip only the word before ("limits removed");
- after a demand ("Expects a dedicated support team", "Wants …") every content word of the
  sentence, except those that an absence word flips back ("at no extra cost").

Two absences cancel ("without leaving the keyboard" keeps the keyboard) and a negated
copula is not an absence ("we are not an enterprise"). A clause ends at punctuation and
at so / that / which / who / when / but / because / while / if / unless.
"""

from __future__ import annotations

import re

from bot.answering.text import STOPWORDS, stem, words, words_set

POSITIVE_KINDS = frozenset(("goal", "motivation", "behavior", "channel"))

_CLAUSE_RE = re.compile(
    r"([,;:.!?()]|\b(?:so|that|which|who|when|but|because|while|whereas|if|unless)\b)", re.I
)
_RELATIVE = frozenset(("that", "which", "who"))
ABSENCE = words_set(
    "no without lack lacks lacking missing hide hides hiding drop drops dropping lose loses "
    "losing break breaks breaking"
)
LESS = words_set(
    "instead rather cut cuts cutting reduce reduces reducing fewer less avoid avoids avoiding "
    "stop stops eliminate eliminates eliminating"
)
NEGATORS = words_set(
    "not never don't doesn't didn't can't cannot won't wouldn't shouldn't couldn't hasn't haven't "
    "nobody"
)
_COPULAS = words_set("is are was were am be been isn't aren't wasn't weren't")
# right after an absence word these undo it: "without leaving the keyboard"
_CANCEL = ABSENCE | words_set("leave leaves leaving")
# what makes an "if" clause take its subject away; the first four also work after a word
REMOVED = words_set("removed dropped discontinued gone")
TAKE_AWAY = REMOVED | words_set(
    "away disappear disappears paid stricter restricted limited ends sunset"
)
DEMANDS = words_set("expects expect wants demands demand insists")
# In goals, behaviours … these turn the words after them round like "instead of": "never
# during summer", "refuses to use …", "won't pay …", "prefers phone calls over email".
POSITIVE_NEGATORS = words_set(
    "never refuse refuses refusing refused won't wont avoid avoids avoiding over rarely seldom "
    "hardly"
)
# Small words that do not use up the span of a negation ("never during summer").
_PASS_OVER = words_set("during before after until within outside throughout via using")
_COORDINATORS = frozenset(("and", "or", "nor"))
_ANY_NEGATION = ABSENCE | LESS | NEGATORS | POSITIVE_NEGATORS
_WH = frozenset(("where", "how", "what", "why", "whether", "when", "which", "who"))
SPAN = 2
CLAUSE_WIDTH = 6  # in a goal or habit, a turning word covers (most of) its clause


def flipped_stems(text: str, kind: str) -> frozenset[str]:
    """Stems this line turns the other way round (see the module docstring)."""
    positive = kind in POSITIVE_KINDS
    if kind == "objection":
        # an objection's leading "No" refuses what follows ("No free trials that need …"),
        # it does not miss it the way a pain's does ("No bulk edit")
        text = re.sub(r"^\s*no\b", "", text, flags=re.I)
    out: set[str] = set()
    demanded: set[str] = set()
    opener = ""
    demand = False
    for piece in _CLAUSE_RE.split(text):
        token = piece.strip().lower()
        if not token:
            continue
        if _CLAUSE_RE.fullmatch(token):
            opener = token
            continue
        ws = words(piece)
        if positive:
            markers = ABSENCE | LESS | POSITIVE_NEGATORS
            if "over" in ws and not any(w.startswith("prefer") for w in ws):
                markers = markers - {"over"}  # only "prefers X over Y" turns Y round
            # "never on live customer cases at first": the rest of the clause is turned round
            out |= _scoped(ws, markers, verbs=True, width=CLAUSE_WIDTH)
        elif kind == "objection" and opener == ";" and not (set(ws) & _ANY_NEGATION):
            # "Refuses to pay in US dollars; the co-op's budget is in euros": after the
            # semicolon a plain statement says what they do have or want
            out |= {stem(w) for w in ws if _content(w)}
        else:
            out |= _scoped(ws, ABSENCE, verbs=opener in _RELATIVE)
            out |= _taken_away(ws, conditional=opener in ("if", "unless"))
            demand = demand or any(w in DEMANDS for w in ws[:2])
            if demand:
                demanded |= {stem(w) for w in ws if _content(w)}
        opener = ""
    return frozenset(out ^ demanded)


def _content(w: str) -> bool:
    return w not in STOPWORDS and w not in _PASS_OVER and not w.isdigit()


def _scoped(ws: list[str], markers: frozenset[str], *, verbs: bool, width: int = SPAN) -> set[str]:
    out: set[str] = set()
    span = resume = 0  # content words still flipped; the span to resume after "or"
    previous_flipped = False
    i = 0
    while i < len(ws):
        w = ws[i]
        if w in markers:
            rest = [(j, x) for j, x in enumerate(ws[i + 1 :], i + 1) if _content(x) or x in _CANCEL]
            if rest and rest[0][1] in _CANCEL:
                span, i = 0, rest[0][0] + 1  # "without leaving …": the two cancel
                continue
            span = resume = width
        elif verbs and w in NEGATORS and not (i and ws[i - 1] in _COPULAS):
            span = resume = 1
        elif w in _WH:
            span = 0  # "cannot say where the data is stored": the saying is missing
        elif w in _COORDINATORS:
            if previous_flipped:
                span = resume
        elif _content(w):
            previous_flipped = span > 0
            if span > 0:
                out.add(stem(w))
                span -= 1
        i += 1
    return out


def _taken_away(ws: list[str], *, conditional: bool) -> set[str]:
    content = [w for w in ws if _content(w) or w in TAKE_AWAY]
    for n, w in enumerate(content):
        if conditional and w in TAKE_AWAY:
            return {stem(x) for x in content[:n] if x not in TAKE_AWAY}
        if not conditional and w in REMOVED and n:
            return {stem(content[n - 1])}
    return set()


# What a question or proposal itself rules out ("comment *without* an account", "with *no*
# sign-up", "*instead of* a PDF"). Not drop / cut / remove: the direction lexicon reads those.
REMOVING = words_set(
    "skip skipping bypass bypassing delete deleting ditch ditching abandon abandoning purge purging"
)
QUESTION_AWAY = words_set("no without instead rather never not nor") | REMOVING


def asked_away(question: str) -> frozenset[str]:
    """Stems a question or proposal names as left out (`QUESTION_AWAY`)."""
    out: set[str] = set()
    opener = ""
    for piece in _CLAUSE_RE.split(question):
        token = piece.strip().lower()
        if not token:
            continue
        if _CLAUSE_RE.fullmatch(token):
            opener = token
            continue
        # "people who skip meetings" describes them; only the proposal's own verb removes
        markers = QUESTION_AWAY - REMOVING if opener in _RELATIVE else QUESTION_AWAY
        out |= _scoped(words(piece), markers, verbs=False)
        opener = ""
    return frozenset(out)
