"""Text normalisation for the offline answerer: tokens, a light stemmer, a small synonym
table (words -> "@concept" tokens) and the proposal-direction lexicon.

Kept deliberately small and explainable: every match the offline answerer makes can be
traced to a shared word stem or a shared concept listed here. The same steps run on profile
lines and on questions, in this order:

1. Variants: spellings and abbreviations of one thing become one token (`VARIANTS`:
   "on-prem" / "on-premises" / "self-hosted" -> onprem, "single sign-on" / SAML -> sso,
   "2FA" / "two-factor" / "multi-factor" -> mfa, "LLM" -> ai, "data processing agreement"
   -> dpa, "SOC 2" -> soc2, "e-mail" -> email …).
2. Words: lower-case ascii; stopwords dropped (`STOPWORDS`).
3. Stems (`stem`): plurals, -ing/-ed, final -e, and a few derivational endings
   (-ation/-ate, -ment), so "integrations" / "integrate" / "integration" and
   "pricing" / "price" meet. No stem shorter than three letters is produced.
4. Concepts (`_CONCEPTS`): words that mean the same thing for a buyer also give an
   "@concept" token ("budget" and "expensive" both give @price).

`negated_stems` marks the words a profile line says are missing or unwanted ("No bulk edit",
"without keyboard navigation", "instead of five spreadsheets", "If the free tier goes away"),
so offering that thing eases the line instead of being read as the thing it complains about.
"""

from __future__ import annotations

import re
import unicodedata
from typing import NamedTuple

WORD_RE = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?")


def _split(text: str) -> list[str]:
    return text.split()


def words_set(text: str) -> frozenset[str]:
    """A word list written as one string ("no without lack") as a set."""
    return frozenset(text.split())


STOPWORDS = frozenset(
    _split(
        """
    a an the and or but if then than so of to in on at by for with from into onto about as
    is are was were be been being am do does did doing done have has had having it its it's
    this that these those there here what which who whom whose why how when where will would
    should shall could can may might must we our ours us you your yours i me my he she they
    them their his her him not no yes very just also too all any some each every most much
    many such only own same other another again ever still even up down out over under
    make makes making made let lets get gets getting got go going think thinks thought
    feel idea ok okay please maybe really something anything thing things way ways
    never cannot don't dont doesn't doesnt didn't didnt won't wont can't cant isn't isnt
    aren't arent wasn't wasnt wouldn't wouldnt shouldn't shouldnt couldn't couldnt
    hasn't hasnt haven't havent nobody
    """
    )
)

# Words that match almost any persona line: they score a little but never on their own
# make a line "relevant" (so "our product" does not pull in every line mentioning product).
GENERIC = frozenset(
    _split(
        """
    tool tools product products feature features customer customers team teams user users
    use using used new people work company business option options thing app apps platform
    software system need needs want wants like time day days week weeks account accounts
    manager managers
    """
    )
)

# Stem or surface word -> concept. Both documents and questions get the "@concept" token,
# so "raise prices" meets "Budget is approved once a year" through @price.
_CONCEPTS: dict[str, list[str]] = {
    "price": _split(
        "price prices pricing priced cost costs costly pay paid paying payment payments "
        "budget budgets budgeting expensive cheap cheaper cheapest afford affordable "
        "fee fees charge charges charged billing bill bills invoice invoices subscription "
        "subscriptions discount discounts money spend spending dollar dollars euro euros "
        "free freemium tier tiers plan plans license licence licenses licences seat seats "
        "roi renewal renewals procurement finance margin margins value"
    ),
    "speed": _split(
        "fast faster fastest quick quicker quickly slow slower slowly speed speedy delay "
        "delays wait waiting waits latency hours minutes instant instantly lag"
    ),
    "onboarding": _split(
        "onboarding onboard onboarded setup set-up install installation installing configure "
        "configuration training train trained learn learning adoption adopt rollout "
        "implementation implement tutorial tutorials wizard ramp"
    ),
    "simplicity": _split(
        "simple simpler simplify simplicity easy easier ease complex complexity complicated "
        "confusing confused clutter cluttered intuitive usability clicks steps babysit "
        "overwhelming overwhelmed"
    ),
    "integration": _split(
        "integration integrations integrate integrates api apis connect connector connectors "
        "sync syncing export exports import imports plugin plugins zapier erp crm excel "
        "spreadsheet spreadsheets csv webhook webhooks"
    ),
    # having to sign up: "no sign-up needed" meets "create an account just to comment"
    "signup": _split(
        "account accounts signup sign-up register registration registering login logins "
        "log-in password passwords username usernames credentials"
    ),
    "security": _split(
        "security secure compliance compliant gdpr soc audit audits sso saml privacy "
        "permissions permission encryption breach risk risks legal"
    ),
    "reporting": _split(
        "report reports reporting dashboard dashboards analytics metric metrics kpi kpis "
        "insight insights visibility chart charts forecast forecasting"
    ),
    "mobile": _split("mobile phone phones ios android tablet smartphone"),
    "support": _split("support helpdesk ticket tickets response responsive csm"),
    "reliability": _split(
        "reliable reliability downtime outage outages uptime bug bugs crash crashes stable "
        "stability broken errors error"
    ),
    "customisation": _split(
        "custom customise customize customisation customization configurable flexible "
        "flexibility tailor tailored branding"
    ),
    "automation": _split(
        "automate automated automation automatic automatically manual manually "
        "repetitive busywork copy-paste"
    ),
    "contract": _split("contract contracts commitment lock-in locked cancel cancellation churn"),
    # seasons and parts of the year, so "in August" meets "never during summer"
    "summer": _split("summer summertime june july august"),
    "winter": _split("winter december january february"),
    "autumn": _split("autumn fall september october november"),
    "term": _split("semester semesters term terms midterm mid-term trimester"),
    "collaboration": _split(
        "collaborate collaboration share sharing colleague colleagues together comment "
        "comments notify notifications"
    ),
}


# Irregular past forms a buyer's profile uses ("Annual contracts paid upfront").
IRREGULAR = {"paid": "pay", "bought": "buy", "sold": "sell", "spent": "spend", "built": "build"}
# Derivational endings stripped after plurals and -ing/-ed, each only when at least four
# letters stay ("integration" / "integrate" -> "integr", "commitment" -> "commit", "payment"
# stays). Not -ly: "yearly audits" must not meet "a 3-year contract".
_DERIVED = ("ation", "ating", "ated", "ate", "ment", "able", "ible")


def stem(word: str) -> str:
    """A light suffix stripper (a small subset of Porter): plurals, -ing, -ed, final -e, and
    the derivational endings in `_DERIVED`.

    'prices' / 'pricing' / 'priced' -> 'pric'; 'onboarding' -> 'onboard';
    'integrations' / 'integrated' / 'integrate' -> 'integr'."""
    w = word.replace("’", "'")
    if w.endswith("'s"):
        w = w[:-2]
    w = IRREGULAR.get(w.replace("'", ""), w.replace("'", ""))
    if len(w) <= 3:
        return w
    if w.endswith(("ies", "ied")) and len(w) > 4:
        w = w[:-3] + "y"
    elif w.endswith("sses"):
        w = w[:-2]
    elif w.endswith("s") and not w.endswith(("ss", "us", "is")):
        w = w[:-1]
    w = _derived(w)
    for suffix in ("ing", "ed"):
        if w.endswith(suffix) and len(w) - len(suffix) >= 3:
            w = w[: -len(suffix)]
            if len(w) > 3 and w[-1] == w[-2] and w[-1] not in "lsz":
                w = w[:-1]  # shipping -> shipp -> ship
            w = _derived(w)  # implementing -> implement -> imple
            break
    if w.endswith("e") and len(w) > 3:
        w = w[:-1]
    return w


def _derived(w: str) -> str:
    for _ in range(2):  # "implementation" -> "implement" -> "imple", like "implement"
        for suffix in _DERIVED:
            if w.endswith(suffix) and len(w) - len(suffix) >= 4:
                w = w[: -len(suffix)]
                break
        else:
            break
    return w


# Terms are stems, so the generic list holds the stems too ("features" -> "featur").
GENERIC = GENERIC | frozenset(stem(w) for w in GENERIC)

CONCEPT_OF: dict[str, str] = {}
for _concept, _words in _CONCEPTS.items():
    for _w in _words:
        CONCEPT_OF.setdefault(_w, _concept)
        CONCEPT_OF.setdefault(stem(_w), _concept)


# Spellings and abbreviations of one thing -> one token (step 1 of the module docstring).
# Only true equivalents belong here; related ideas go to `_CONCEPTS` instead.
VARIANTS: dict[str, str] = {
    "onprem": r"on[\s-]?prem(?:ise)?s?|self[\s-]?hosted",
    "sso": r"single[\s-]?sign[\s-]?on|sso|saml",  # SAML: how buyers ask for SSO
    "mfa": r"2fa|mfa|(?:two|multi|2)[\s-]?factor(?:\s+auth\w*)?"
    r"|(?:two|2)[\s-]step\s+(?:verification|login|auth\w*)",
    "ai": r"artificial\s+intelligence|llms?|gen[\s-]?ai",
    "dpa": r"data\s+processing\s+agreements?|dpas?",
    "sla": r"service[\s-]level\s+agreements?|slas?",
    "soc2": r"soc[\s-]?(?:2|ii)",
    "email": r"e-mails?|emails?",
    "csm": r"customer\s+success\s+managers?|csms?",
    "rfp": r"requests?\s+for\s+proposals?|rfps?",
    "roi": r"return\s+on\s+investment",
    # "no one can explain" shares nothing with "one place"
    "nobody": r"no[\s-]one|nobody",
    "signup": r"sign(?:ing|s|ed)?[\s-]?ups?",
    "login": r"log(?:ging|s|ged)?[\s-]?ins?",
}
_VARIANT_RE = re.compile(r"\b(?:" + "|".join(f"(?P<{k}>{v})" for k, v in VARIANTS.items()) + r")\b")


def _canonical(m: re.Match[str]) -> str:
    return m.lastgroup or m.group(0)


def words(text: str) -> list[str]:
    """Lower-case ascii words, apostrophes kept inside words, variants folded to one token."""
    text = text.replace("’", "'")
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    ascii_text = _VARIANT_RE.sub(_canonical, ascii_text)
    return WORD_RE.findall(ascii_text.replace("-", " "))


def terms(text: str, *, query: bool = False, drop: frozenset[str] = frozenset()) -> list[str]:
    """Index terms: stems of content words plus '@concept' tokens from the synonym table.

    In a question (`query=True`) direction words ("cut", "raise", "faster") only bring their
    concept: "cut prices" is about price, not about a goal that says "cut the time".
    Stems in `drop` (the persona's name, a question's "care about") are not terms at all."""
    out: list[str] = []
    for w in words(text):
        if w in STOPWORDS or w.isdigit():
            continue
        s = stem(w)
        if s in drop:
            continue
        if not (query and w in CUES):
            out.append(s)
        concept = CONCEPT_OF.get(w) or CONCEPT_OF.get(s)
        if concept:
            out.append("@" + concept)
    return out


def concepts_of(word: str) -> str | None:
    return CONCEPT_OF.get(word) or CONCEPT_OF.get(stem(word))


# -- direction of a proposal -------------------------------------------------------------
# "Raise prices" pushes a cost UP (worse); "cut prices" pushes it DOWN (better); "drop the
# free tier" takes a good thing AWAY (worse); "make onboarding faster" is better by itself.

UP = frozenset(
    _split(
        "raise raising raised increase increasing increased hike hikes hiked higher more add "
        "adding added introduce introducing introduced offer offering offered extend extending "
        "extended longer bigger double doubling doubled grow expand expanded rise rising"
    )
)
DOWN = frozenset(
    _split(
        "reduce reducing reduced lower lowering lowered cut cutting decrease decreasing "
        "decreased drop dropping dropped remove removing removed eliminate eliminating "
        "eliminated kill killing killed discontinue discontinued sunset end ending ended less "
        "fewer shorter shrink stop stopping stopped retire retiring retired deprecate "
        "deprecating deprecated scrap scrapping scrapped axe axed halve halved"
    )
)
BETTER = frozenset(
    _split(
        "faster quicker simplify simplifying simpler easier improve improving improved better "
        "automate automating streamline streamlining fix fixing speed smoother clearer"
    )
)
WORSE = frozenset(
    _split(
        "charge charging charged slower harder complicate paywall paywalled restrict "
        "restricting restricted limit limiting require requiring mandatory force "
        "forcing forced expensive pricier delay delaying delayed ban banned lock"
    )
)
# Objects that are costs: more of them is worse. Anything else counts as a good thing.
COSTS = frozenset(
    _split(
        "price prices pricing cost costs fee fees charge charges bill time times step steps click "
        "clicks delay delays wait complexity meeting meetings hours overhead friction paperwork "
        "minimum minimums commitment surcharge rate rates limit limits cap caps restriction "
        "restrictions quota quotas"
    )
)
CUES = UP | DOWN | BETTER | WORSE
COMPARATIVES = frozenset(
    _split("more higher bigger longer increase less lower fewer shorter smaller")
)
# Cue words only look around inside their own clause ("raise X and simplify Y").
CLAUSE_RE = re.compile(r"[,;:.!?()]|\b(?:and|but|or|while|whereas|then|so|plus)\b", re.I)
WINDOW_AFTER = 4
WINDOW_BEFORE = 3


class Direction(NamedTuple):
    overall: int  # +1 the proposal relieves, -1 aggravates, 0 no cue
    per_concept: dict[str, int]  # concept -> +1 / -1
    added: frozenset[str]  # concepts whose only relief is "adding a good thing"


def direction(question: str) -> Direction:
    """Effect of the proposal, overall and per concept: +1 relieves, -1 aggravates.

    Each cue word looks at a few words around it inside its clause; the concepts it touches
    get its effect. Relief that only comes from adding something ("add AI reports") is
    marked `added`: it may ease a pain but it does not answer an objection about that thing."""
    per: dict[str, int] = {}
    explicit: set[str] = set()
    total = 0
    for clause in CLAUSE_RE.split(question):
        total += _clause_direction(clause, per, explicit)
    effects = {c: (v > 0) - (v < 0) for c, v in per.items() if v}
    added = frozenset(c for c, v in effects.items() if v > 0 and c not in explicit)
    return Direction((total > 0) - (total < 0), effects, added)


def _clause_direction(clause: str, per: dict[str, int], explicit: set[str]) -> int:
    ws = [w for w in words(clause) if w not in STOPWORDS or w in CUES]
    total = 0
    for i, w in enumerate(ws):
        window = ws[max(0, i - WINDOW_BEFORE) : i] + ws[i + 1 : i + 1 + WINDOW_AFTER]
        adding = False
        if w in BETTER:
            effect = 1
        elif w in WORSE:
            effect = -1
        elif w in UP or w in DOWN:
            ahead = ws[i + 1 : i + 1 + WINDOW_AFTER]
            behind = ws[max(0, i - WINDOW_BEFORE) : i]
            # "raise prices" (object after) or "a price rise" (object before)
            is_cost = any(x in COSTS for x in ahead) or (
                not ahead and any(x in COSTS for x in behind)
            )
            if not is_cost and (w in COMPARATIVES or w in ("rise", "rising", "hike", "hikes")):
                # "a price rise", "cost the city more each year": the cost comes first
                is_cost = any(x in COSTS for x in behind)
            up = w in UP
            effect = -1 if up == is_cost else 1
            adding = up and not is_cost
        else:
            continue
        total += effect
        for x in (w, *window):
            concept = concepts_of(x)
            if concept:
                per[concept] = per.get(concept, 0) + effect
                if effect > 0 and not adding:
                    explicit.add(concept)
    return total
