"""Buyer vs user in a panel: a persona may sign for another (`buyer_of: [sam]`, or on the
user's side `user_of: [maya]`). When a proposal pleases the user but not the buyer, the
panel says so: the user may love it and it still won't be bought."""

from __future__ import annotations

from collections.abc import Sequence

from bot.answering.base import Answer
from persona_store.personas.views import PersonaView

PLEASED = frozenset({"support"})
NOT_PLEASED = frozenset({"oppose", "mixed"})


def buyer_pairs(personas: Sequence[PersonaView]) -> list[tuple[PersonaView, PersonaView]]:
    """(buyer, user) pairs named by either side, among these personas, each once."""
    by_slug = {p.slug: p for p in personas}
    pairs: dict[tuple[str, str], tuple[PersonaView, PersonaView]] = {}
    for p in personas:
        for slug in p.buyer_of:
            if slug in by_slug and slug != p.slug:
                pairs.setdefault((p.slug, slug), (p, by_slug[slug]))
        for slug in p.user_of:
            if slug in by_slug and slug != p.slug:
                pairs.setdefault((slug, p.slug), (by_slug[slug], p))
    return list(pairs.values())


def buyer_warnings(panel: Sequence[tuple[PersonaView, Answer]]) -> list[str]:
    """One line per user pleased by the proposal whose buyer is not."""
    answers = {p.slug: a for p, a in panel}
    out = []
    for buyer, user in buyer_pairs([p for p, _ in panel]):
        b, u = answers[buyer.slug], answers[user.slug]
        if u.stance in PLEASED and b.stance in NOT_PLEASED:
            lean = "would push back" if b.stance == "oppose" else "is torn"
            out.append(
                f"Pleases the user, not the buyer: {user.name} would welcome this, but "
                f"{buyer.name}, who signs for {user.first_name}, {lean}."
            )
    return out
