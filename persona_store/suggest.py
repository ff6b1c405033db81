""" "Did you mean …?": the closest of a few known words to what someone typed.

One cutoff for the whole bot (the persona lookup in `Store.lookup` uses the same 0.6), so
a typo is either close enough everywhere or nowhere.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

CUTOFF = 0.6


def close_matches(word: str, choices: Iterable[str], n: int = 3) -> list[str]:
    """Up to `n` of `choices` close to `word` (case-insensitive), best first."""
    return difflib.get_close_matches(word.strip().lower(), list(choices), n=n, cutoff=CUTOFF)


def did_you_mean(word: object, choices: Iterable[str]) -> str:
    """' (did you mean primary?)' when `word` is text close to one of `choices`, else ''."""
    if not isinstance(word, str):
        return ""
    close = close_matches(word, choices, n=1)
    return f" (did you mean {close[0]}?)" if close else ""
