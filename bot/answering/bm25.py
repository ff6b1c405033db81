"""A small Okapi BM25 index over a handful of short documents (one persona's lines)."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence


class BM25:
    """BM25 with the always-positive idf variant, so terms shared by most of a persona's
    lines still count a little (a persona has ~20 lines, not a web corpus)."""

    def __init__(self, docs: Sequence[Sequence[str]], k1: float = 1.2, b: float = 0.75) -> None:
        self.k1 = k1
        self.b = b
        self.tfs = [Counter(d) for d in docs]
        self.lengths = [len(d) for d in docs]
        n = len(docs)
        self.avgdl = (sum(self.lengths) / n) if n else 0.0
        df: Counter[str] = Counter()
        for tf in self.tfs:
            df.update(tf.keys())
        self.idf = {t: math.log(1.0 + (n - f + 0.5) / (f + 0.5)) for t, f in df.items()}

    def scores(self, query: Mapping[str, float]) -> list[float]:
        """Score every document for a weighted bag of query terms."""
        out: list[float] = []
        k1, b, avgdl = self.k1, self.b, self.avgdl or 1.0
        terms = [(t, w, self.idf[t]) for t, w in query.items() if t in self.idf]
        for tf, dl in zip(self.tfs, self.lengths, strict=True):
            score = 0.0
            norm = k1 * (1.0 - b + b * dl / avgdl)
            for t, w, idf in terms:
                f = tf.get(t)
                if f:
                    score += w * idf * f * (k1 + 1.0) / (f + norm)
            out.append(score)
        return out
