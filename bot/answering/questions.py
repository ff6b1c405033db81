"""Offline answers to questions about a persona ("Is SSO a must-have?", "Who approves Maya's
budget?"), built only from the profile lines that match.

Each matched line speaks *for* the topic (a goal or motivation it serves, a habit, a pain
or objection about lacking it) or *against* it (a pain or objection it is, a goal it goes
against). A yes/no question is answered from the two sides as its predicate reads them
(`bot.answering.forms`):

- want ("Does Sam want …", "Is SSO a must-have?"): "Yes" / "No" when one side outweighs
  the other threefold, "Probably" / "Probably not" when it clearly outweighs it, else
  "It depends" naming both sides. A pain or objection about what the topic *costs*
  ("Per-seat SSO surcharges") is a catch, not a reason against the topic itself.
- against ("Is onboarding a problem for Maya?", "Would Sam mind …"): the same with the
  sides swapped, and a pain counts fully: being a pain is what the question asks.
- care ("Does Sam care about …"): "Yes, it matters to Sam" whenever lines match.

If the topic only comes up in complaints about cost, the answer is "Not clear" and quotes
the complaint.

When no matched line shares a word with the question (only a synonym concept, e.g. "SSO"
meeting "risk" through @security), there is no verdict: the answer says the profile
doesn't name it and quotes the nearest line. An open question names the lines that speak
to it, best first. Nothing matched means "I don't know from the profile": no verdict is
invented.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bot.answering.base import Answer, Reason, Stance
from bot.answering.forms import Form
from bot.answering.phrasing import (
    MAX_EACH,
    Match,
    backing_note,
    confidence,
    label,
    quote,
    side_strength,
    weight_of,
    win_over,
)
from persona_store.personas.views import EvidenceView, PersonaView

CAVEAT_WEIGHT = 0.3  # a catch about cost weighs this much of an objection against the topic
PAIN_IS_THE_ANSWER = 1.5  # "is X a problem?": a pain naming X weighs like one X worsens
NOT_A_DENIAL = 0.5  # "is X a problem?": a goal that merely names X hardly says no
FLIPPED_BOOST = 1.25  # a line about having or lacking the very thing speaks most directly
CLEAR = 1.5  # one side outweighs the other by this much for "Probably …"
DECISIVE = 2.0  # … and by this much (sharing a word with the question) for "Yes" / "No"
SUMMARY_QUOTE = 80

# (kind, side, how) -> (bullet label, summary phrase with {p} = "Maya's", {n} = "Maya")
# how: "flipped" (names it as missing/unwanted), "worse" / "eases" (effect), "" neutral
_SAYS: dict[tuple[str, str, str], tuple[str, str]] = {
    ("goal", "r", ""): ("One of their goals", "it's one of {p} goals"),
    ("goal", "c", ""): ("Goes against their goal", "it goes against one of {p} goals"),
    ("motivation", "r", ""): ("Part of what drives them", "it's part of what drives {n}"),
    ("motivation", "c", ""): ("Goes against what drives them", "it goes against what drives {n}"),
    ("behavior", "r", ""): ("How they work", "it's how {n} works"),
    ("behavior", "c", ""): ("Clashes with how they work", "it clashes with how {n} works"),
    ("channel", "r", ""): ("One of their channels", "it's one of {p} channels"),
    ("quote", "r", ""): ("In their own words", "{n} says so"),
    ("quote", "c", ""): ("Goes against their own words", "it goes against what {n} says"),
    ("channel", "c", ""): ("Clashes with their channels", "it clashes with {p} channels"),
    ("pain", "r", "flipped"): (
        "Going without it is a pain",
        "going without it is one of {p} pains",
    ),
    ("pain", "r", "eases"): ("Would ease a pain", "it would ease one of {p} pains"),
    ("pain", "c", "worse"): ("Would make a pain worse", "it would make one of {p} pains worse"),
    ("pain", "c", ""): ("One of their pains", "it's one of {p} pains"),
    ("objection", "r", "flipped"): (
        "An objection of theirs asks for it",
        "one of {p} objections asks for it",
    ),
    ("objection", "r", "eases"): (
        "Answers an objection of theirs",
        "it answers one of {p} objections",
    ),
    ("objection", "c", "worse"): ("Hits their objection", "it hits one of {p} objections"),
    ("objection", "c", ""): ("One of their objections", "it's one of {p} objections"),
}
_KIND_NOUNS = {
    "goal": "a goal",
    "motivation": "a motivation",
    "behavior": "a habit",
    "channel": "a channel",
    "pain": "a pain",
    "objection": "an objection",
}

_Item = tuple[float, Match, str]  # (weight x relevance, match, side "r"/"c")


def _says(m: Match, side: str) -> tuple[str, str]:
    how = "worse" if m.effect < 0 else "eases" if m.effect > 0 else ""
    if m.flipped and side == "r":
        how = "flipped"
    found = next(
        (_SAYS[k] for k in ((m.line.kind, side, how), (m.line.kind, side, "")) if k in _SAYS),
        _SAYS[("behavior", side, "")],
    )
    if m.caveat and side == "c":
        return f"A catch on cost, {found[0][0].lower()}{found[0][1:]}", found[1]
    return found


def _phrase(m: Match, side: str, first: str) -> str:
    return _says(m, side)[1].format(p=f"{first}'s", n=first)


def _sides(matches: Sequence[Match], form: Form) -> tuple[list[_Item], list[_Item]]:
    """Lines for and against the topic, weighted for this question's predicate."""
    pro: list[_Item] = []
    con: list[_Item] = []
    for m in matches:
        side, _, weight = label(m)
        if m.caveat and form.predicate != "against":
            weight *= CAVEAT_WEIGHT
        elif form.predicate == "against" and side == "c" and m.line.kind == "pain":
            weight = max(weight, PAIN_IS_THE_ANSWER)
        elif form.predicate == "against" and side == "r" and not (m.effect or m.flipped):
            weight *= NOT_A_DENIAL
        if m.flipped:
            weight *= FLIPPED_BOOST
        (pro if side == "r" else con).append((weight_of(m, weight), m, side))
    pro.sort(key=lambda x: -x[0])
    con.sort(key=lambda x: -x[0])
    return pro, con


def _verdict(form: Form, pro: list[_Item], con: list[_Item], direct: bool) -> str:
    """'yes', 'no', 'likely', 'unlikely', 'depends', 'matters', 'indirect' (no matched
    line shares a word with the question, only a synonym concept) or 'catch' (it only comes
    up in a complaint about cost) for a yes/no question."""
    if not direct:
        return "indirect"
    if form.predicate == "care":
        return "matters"
    if all(x[1].caveat for x in (*pro, *con)):
        return "catch"
    yes, no = (con, pro) if form.predicate == "against" else (pro, con)
    # a catch on cost is shown, but it does not answer whether they want the thing itself
    y = side_strength(x[0] for x in yes if not x[1].caveat)
    n = side_strength(x[0] for x in no if not x[1].caveat)
    if y >= CLEAR * n:
        return "yes" if y >= DECISIVE * n else "likely"
    if n >= CLEAR * y:
        return "no" if n >= DECISIVE * y else "unlikely"
    return "depends"


VERDICT_STANCE: dict[str, Stance] = {
    "yes": "support",
    "likely": "support",
    "matters": "support",
    "no": "oppose",
    "unlikely": "oppose",
    "depends": "mixed",
}
_OPENERS = {
    "yes": "Yes",
    "no": "No",
    "likely": "Probably",
    "unlikely": "Probably not",
    "matters": "Yes, it matters to {n}",
}


def _quoted(m: Match) -> str:
    return f"“{quote(m.line.text, SUMMARY_QUOTE)}”"


def _noun(m: Match) -> str:
    return _KIND_NOUNS.get(m.line.kind, "a line")


def _top(items: list[_Item]) -> _Item:
    """The strongest item that is not only a catch on cost (items are sorted)."""
    return next((x for x in items if not x[1].caveat), items[0])


def _open_summary(first: str, form: Form, pro: list[_Item], con: list[_Item]) -> str:
    # best match first; "what worries …" leads with the lines against the topic
    ranked = sorted(
        [*pro, *con], key=lambda x: (form.predicate == "against" and x[2] == "r", -x[1].relevance)
    )
    top = ranked[0]
    text = f"{first}'s profile speaks to this in {_noun(top[1])}: {_quoted(top[1])}"
    other = next((x for x in ranked[1:] if x[2] != top[2]), None)
    if other is not None:
        text += f"; and in {_noun(other[1])}: {_quoted(other[1])}"
    return text + "."


def _summary(first: str, form: Form, verdict: str, pro: list[_Item], con: list[_Item]) -> str:
    if form.kind == "open":
        return _open_summary(first, form, pro, con)
    strongest = max([*pro, *con], key=lambda x: x[0])
    m = strongest[1]
    if verdict == "indirect":
        return f"{first}'s profile doesn't name this outright; the nearest is {_noun(m)}: " + (
            f"{_quoted(m)}."
        )
    if verdict == "catch":
        return f"Not clear — it only comes up as a catch on cost, in {_noun(m)}: {_quoted(m)}."
    if verdict == "depends":
        p, c = _top(pro)[1], _top(con)[1]
        return (
            f"It depends: {_phrase(p, 'r', first)} {_quoted(p)}, "
            f"but {_phrase(c, 'c', first)} {_quoted(c)}."
        )
    if verdict == "matters":
        top = strongest
    else:
        yes_side, no_side = (con, pro) if form.predicate == "against" else (pro, con)
        top = _top(yes_side if verdict in ("yes", "likely") else no_side)
    opener = _OPENERS[verdict].format(n=first)
    return f"{opener} — {_phrase(top[1], top[2], first)}: {_quoted(top[1])}."


def question_answer(
    persona: PersonaView,
    form: Form,
    matches: Sequence[Match],
    evidence: Sequence[EvidenceView],
    backing: Mapping[str, tuple[EvidenceView, ...]],
    *,
    coverage: float = 1.0,
) -> Answer:
    first = persona.first_name
    if not matches:
        return Answer(
            persona_slug=persona.slug,
            stance="unknown",
            summary=f"I don't know from {first}'s profile: nothing in it speaks to this.",
            confidence=0.1 if evidence else 0.05,
            out_of_scope=True,
            question_kind="yes_no" if form.kind == "yes_no" else "fact",
            source="offline",
            meta={"matched": "", "form": form.kind, "verdict": "unknown"},
        )
    pro, con = _sides(matches, form)
    direct = any(m.direct for m in matches)
    verdict = "open" if form.kind == "open" else _verdict(form, pro, con, direct)
    # The stance agrees with the answer: yes = support, no = oppose, it depends = mixed,
    # unclear = unknown (a panel compares answers the way they read).
    support = side_strength(x[0] for x in pro)
    oppose = side_strength(x[0] for x in con)
    stance = VERDICT_STANCE.get(verdict, "unknown")

    def reason(item: _Item) -> Reason:
        m = item[1]
        text = f"{_says(m, item[2])[0]}: “{quote(m.line.text)}”"
        return Reason(text + backing_note(backing.get(m.line.key, ())), (m.line.key,))

    shown = [x[1] for x in (*pro[:MAX_EACH], *con[:MAX_EACH])]
    backed = sum(1 for m in shown if m.line.key in backing) / len(shown)
    return Answer(
        persona_slug=persona.slug,
        stance=stance,
        summary=_summary(first, form, verdict, pro, con),
        reasons=tuple(reason(x) for x in pro[:MAX_EACH]),
        concerns=tuple(reason(x) for x in con[:MAX_EACH]),
        win_over=win_over([x[1] for x in con], objections_only=True),
        confidence=confidence(matches, stance, support, oppose, backed, evidence, coverage),
        out_of_scope=stance == "unknown",
        question_kind="yes_no" if form.kind == "yes_no" else "fact",
        source="offline",
        meta={
            "matched": ",".join(m.line.key for m in matches),
            "evidence": str(len(evidence)),
            "form": form.kind,
            "verdict": verdict,
        },
    )
