"""Web playground rendering: Reply -> HTML for an answer card, and a full playground page
with 60 stored messages (what `GET /` does on every load), plus the gallery one-pager.

Prints p50/p99 in milliseconds; never fails on them. Run: .venv/bin/python bench/bench_web_render.py
"""

from __future__ import annotations

import statistics
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from adapters.web.gallery_views import one_pager  # noqa: E402
from adapters.web.playground import post_html  # noqa: E402
from adapters.web.render import render_template, reply_to_dict, reply_to_html  # noqa: E402
from adapters.web.site import load_assets  # noqa: E402
from bot.answering.base import Answer, Reason  # noqa: E402
from bot.features.answer_card import answer_reply  # noqa: E402
from persona_store.personas.views import EvidenceView, LineView, OwnerView, PersonaView  # noqa: E402
from persona_store.platforms.web_posts import WebPostView  # noqa: E402

NOW = datetime(2026, 11, 22, tzinfo=UTC)
KINDS = ("goal", "pain", "motivation", "behavior", "objection", "channel")


def persona() -> PersonaView:
    lines = tuple(
        LineView(i, f"{kind}-{n}", kind, f"A realistic {kind} line number {n} about budgets")
        for i, (kind, n) in enumerate(((k, n) for k in KINDS for n in range(1, 6)), start=1)
    )
    evidence = tuple(
        EvidenceView(i, "interview", f"Finding {i}", 10 + i, date(2026, 7, i), None, None, NOW)
        for i in range(1, 8)
    )
    return PersonaView(
        1,
        1,
        "maya",
        "Maya Chen",
        "primary",
        "Operations manager",
        "Summary " * 20,
        None,
        "I don't have time to babysit another tool.",
        "SMB",
        90,
        NOW,
        None,
        3,
        lines,
        (OwnerView("slack", "U1"),),
        evidence,
    )


def timed(fn, runs: int) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    samples = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.99) - 1]


def main() -> None:
    p = persona()
    answer = Answer(
        persona_slug="maya",
        stance="oppose",
        summary="A 20% rise collides with the budget.",
        reasons=tuple(Reason(ln.text, (ln.key,)) for ln in p.lines[:3]),
        concerns=tuple(Reason(ln.text, (ln.key,)) for ln in p.lines[5:8]),
        win_over=("Ship every order on time",),
        confidence=0.7,
    )
    reply = answer_reply(p, answer, "Should we raise prices 20%?", NOW)
    body = reply_to_dict(reply)
    posts = [
        WebPostView(
            i,
            "playground",
            i,
            "bot" if i % 2 else "user",
            None,
            body if i % 2 else {"text": "what would Maya think?"},
            NOW,
        )
        for i in range(1, 61)
    ]
    _, assets = load_assets()

    def page() -> None:
        from markupsafe import Markup

        rendered = [Markup(post_html(post, "TOKEN")) for post in posts]
        assert rendered

    card = timed(lambda: reply_to_html(reply, csrf="TOKEN", message_id="1"), 2000)
    full = timed(page, 100)
    pager = timed(
        lambda: render_template(
            "persona.html",
            assets=assets,
            csrf="T",
            answerer="offline",
            nav="personas",
            p=one_pager(p, NOW),
        ),
        500,
    )
    print(f"answer card -> HTML:            p50 {card[0]:.3f} ms   p99 {card[1]:.3f} ms")
    print(f"60-message conversation -> HTML: p50 {full[0]:.2f} ms   p99 {full[1]:.2f} ms")
    print(f"persona one-pager page:          p50 {pager[0]:.3f} ms   p99 {pager[1]:.3f} ms")


if __name__ == "__main__":
    main()
