"""Content words of a question or profile line, for the set's paraphrase rule: a case tagged
`paraphrase` shares no content word with the lines it cites (checked by a test).

Deliberately strict so a "paraphrase" really is one: inflections count as the same word
(tries/try, months/monthly), and so does any pair of words sharing their first five letters.
"""

from __future__ import annotations

import re

_STOPWORD_TEXT = """
    a about above after again against all already also am an and any are as at be been before being
    below between both but by can could did do does doing done down during each either else
    even ever every few for from further get gets getting got had has have having he her here
    hers herself him himself his how i if in into is it its itself just let lets like me more
    most much must my myself need needs no nor not now of off on once only or other our ours
    ourselves out over own per rather same she should so some such than that the their theirs
    them themselves then there these they this those through to too under until up upon us very
    was way we were what when where whether which while who whom whose why will with within
    without won would you your yours yourself instead never none nobody nothing t s d ll m re ve
    don doesn didn isn aren wasn weren can't cannot wouldn shouldn couldn want wants
"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())

_WORD = re.compile(r"[a-z0-9]+")


def _stem(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith(("sses", "xes", "zes", "ches", "shes")):
        return word[:-2]
    for suffix in ("ing", "ed", "s"):
        if len(word) - len(suffix) >= 3 and word.endswith(suffix) and not word.endswith("ss"):
            return word[: -len(suffix)]
    return word


def content_words(text: str, ignore: frozenset[str] = frozenset()) -> set[str]:
    """Stemmed content words: lower case, no stop words, no words in `ignore` (e.g. the
    persona's name)."""
    words = _WORD.findall(text.lower().replace("'s", ""))
    return {_stem(w) for w in words if w not in STOPWORDS and w not in ignore and len(w) > 1}


def same_word(a: str, b: str) -> bool:
    """Equal stems, one a short extension of the other (site/sites, log/login), or the same
    first five letters (monthly/months)."""
    short, long = sorted((a, b), key=len)
    if len(short) >= 3 and long.startswith(short) and len(long) - len(short) <= 3:
        return True
    return a == b or (len(a) >= 5 and len(b) >= 5 and a[:5] == b[:5])


def shared_content_words(a: str, b: str, ignore: frozenset[str] = frozenset()) -> set[str]:
    """Content words of `a` that also occur (as the same word) in `b`."""
    theirs = content_words(b, ignore)
    return {w for w in content_words(a, ignore) if any(same_word(w, t) for t in theirs)}
