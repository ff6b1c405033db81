"""PersonaView builders for the answerer tests (no database needed)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from bot.answering.base import Answer
from bot.answering.citable import citable_line, extra_lines
from bot.answering.fact_values import sentences
from persona_store.models import LINE_KINDS
from persona_store.personas.files import sample_specs
from persona_store.personas.views import EvidenceView, LineView, PersonaView

MAYA_LINES: tuple[tuple[str, str, str], ...] = (
    ("goal-1", "goal", "Cut the time new dispatchers need to get productive"),
    ("goal-2", "goal", "Keep software costs predictable and inside the annual budget"),
    ("pain-1", "pain", "Onboarding new hires onto a tool takes two weeks of her time"),
    ("pain-2", "pain", "Budget is approved once a year; price increases need CFO sign-off"),
    ("motivation-1", "motivation", "Being seen as the person who makes operations run smoothly"),
    ("behavior-1", "behavior", "Checks schedules on her phone between site visits"),
    ("objection-1", "objection", "I don't have time to babysit another tool"),
    ("channel-1", "channel", "LinkedIn groups for logistics managers"),
)


def make_persona(
    lines: tuple[tuple[str, str, str], ...] = MAYA_LINES,
    *,
    slug: str = "maya",
    name: str = "Maya Chen",
    kind: str = "primary",
    version: int = 1,
    pid: int = 1,
    evidence: tuple[EvidenceView, ...] = (),
) -> PersonaView:
    return PersonaView(
        id=pid,
        workspace_id=1,
        slug=slug,
        name=name,
        kind=kind,
        role="Operations manager at a 40-person logistics firm",
        summary="Runs dispatch for a regional logistics company.",
        photo_url=None,
        quote="I don't have time to babysit another tool.",
        segment="SMB",
        review_every_days=90,
        last_reviewed_at=datetime(2026, 8, 1, tzinfo=UTC),
        home_channel=None,
        version=version,
        lines=tuple(LineView(i + 1, key, k, text) for i, (key, k, text) in enumerate(lines)),
        evidence=evidence,
    )


def evidence(summary: str, line_key: str | None = None, n: int | None = 15) -> EvidenceView:
    return EvidenceView(
        id=abs(hash(summary)) % 10_000,
        source="interview",
        summary=summary,
        n=n,
        collected_at=None,
        line_key=line_key,
        details=None,
        created_at=datetime(2026, 7, 10, tzinfo=UTC),
    )


def sample_persona(slug: str) -> PersonaView:
    """One of the shipped sample personas (persona_store/samples) as a view, keyed like the
    store keys lines ("pain-2" = second pain) and with its evidence linked the same way."""
    specs = {s.slug: s for s in sample_specs()}
    spec = specs[slug]
    keyed = tuple(
        (f"{kind}-{i + 1}", kind, text)
        for kind in LINE_KINDS
        for i, text in enumerate(spec.lines.get(kind, ()))
    )
    proofs = tuple(
        EvidenceView(
            id=i + 1,
            source=e.source,
            summary=e.summary,
            n=e.n,
            collected_at=e.date,
            line_key=e.line,
            details=None,
            created_at=datetime(2026, 10, 1, tzinfo=UTC),
        )
        for i, e in enumerate(spec.evidence)
    )
    return make_persona(
        keyed,
        slug=spec.slug,
        name=spec.name,
        kind=spec.kind,
        pid=sorted(specs).index(slug) + 1,
        evidence=proofs,
    )


QUOTED = re.compile(r"“([^”]+)”")


def assert_grounded(persona: PersonaView, answer: Answer) -> None:
    """Every reason cites real keys and quotes exactly the cited line (or a cut of it, or one
    of its sentences: a fact from the summary quotes the sentence that states it)."""
    for item in (*answer.reasons, *answer.concerns):
        assert item.cites, item
        for key in item.cites:
            assert citable_line(persona, key) is not None, key
        quoted = QUOTED.findall(item.text)
        assert quoted, item.text
        line_text = citable_line(persona, item.cites[0]).text  # type: ignore[union-attr]
        assert _quotes(line_text, quoted[0]), (quoted[0], line_text)
    profile = [ln.text for ln in (*persona.lines, *extra_lines(persona))]
    for w in answer.win_over:
        (q,) = QUOTED.findall(w)
        assert any(t.startswith(q.rstrip("…")) for t in profile), w
    for q in QUOTED.findall(answer.summary):  # the summary quotes only profile lines too
        assert any(_quotes(t, q) for t in profile), q


def _quotes(line_text: str, quoted: str) -> bool:
    """`quoted` is the line, its start, or (cut or not) one of its sentences."""
    cut = quoted.rstrip("…")
    return line_text.startswith(cut) or any(s.startswith(cut) for s in sentences(line_text))
