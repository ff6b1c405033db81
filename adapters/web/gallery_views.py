"""Pure view-models for the persona gallery: PersonaView -> plain dicts the templates show.

Kept apart from the handlers so the one-pager can be tested (and golden-tested) without a
server. All values stay plain text; the templates escape them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.features.decision_render import considered_line, outcome_label, who
from bot.features.gap_render import not_covered
from bot.features.line_health import LineHealth, line_health, summary
from bot.messages import initials
from persona_store.decisions.views import DecisionView
from persona_store.gaps.views import GapHealth, GapSummary
from persona_store.personas.maps import empathy_map, journey
from persona_store.personas.views import EvidenceView, PersonaView

EVIDENCE_SHOWN = 50  # rows of the evidence table; an imported export may hold thousands
KIND_LABELS = {"primary": "Primary", "secondary": "Secondary", "negative": "Negative"}
GROUPS = (
    ("goal", "Goals"),
    ("pain", "Pains"),
    ("motivation", "Motivations"),
    ("behavior", "Behaviors"),
    ("objection", "Objections"),
    ("channel", "Channels"),
)


def freshness(persona: PersonaView, now: datetime) -> dict[str, str]:
    """'Reviewed 12 days ago' (ok), 'Review overdue by 30 days' (warn), 'Never reviewed'."""
    days = persona.days_since_review(now)
    if days is None:
        return {"text": "Never reviewed", "level": "warn"}
    ago = "today" if days == 0 else "1 day ago" if days == 1 else f"{days} days ago"
    overdue = days - persona.review_every_days
    if overdue > 0:
        return {"text": f"Overdue: reviewed {ago}", "level": "warn"}
    return {"text": f"Reviewed {ago}", "level": "ok"}


def evidence_badge(persona: PersonaView) -> str:
    items = len(persona.evidence)
    if not items:
        return "No evidence yet"
    people = sum(e.n for e in persona.evidence if e.n)
    noun = "item" if items == 1 else "items"
    return f"{items} evidence {noun}" + (f" · n={people}" if people else "")


def predictions(record: Any) -> dict[str, Any] | None:
    """A persona's prediction record (persona_store.surveys.repository.PredictionRecord):
    how often its predicted survey answer matched reality. None when no survey has tested it yet."""
    if record is None or not getattr(record, "total", 0):
        return None
    mostly_wrong = bool(getattr(record, "mostly_wrong", False))
    return {
        "text": f"Predictions: {record.right} of {record.total} right",
        "level": "warn" if mostly_wrong else "info",
        "last": ["right" if ok else "wrong" for ok in record.last],
        "mostly_wrong": mostly_wrong,
    }


def decision_item(d: DecisionView) -> dict[str, Any]:
    return {
        "number": d.number,
        "text": d.text,
        "outcome": d.outcome,
        "outcome_label": outcome_label(d.outcome),
        "date": d.created_at.date().isoformat(),
        "who": who(d),
        "note": d.note,
        "personas": d.persona_names,
        "cited": [
            {"persona": p.name, "slug": p.slug, "key": k, "text": t}
            for p in d.personas
            for k, t in p.lines
        ],
        "link": d.link,
        "permalink": d.place.permalink,
    }


def considered_in(found: tuple[int, list[DecisionView]] | None) -> dict[str, Any] | None:
    """ "Considered in N decisions" and the latest ones; None before the first."""
    if not found or not found[0]:
        return None
    count, latest = found
    return {
        "count": count,
        "text": considered_line(count),
        "latest": [decision_item(d) for d in latest],
    }


def uncovered(summary: GapSummary | None) -> str | None:
    """ "Asked but not covered: 7 (SSO, mobile app, …)", or None."""
    return not_covered(summary)


def health(numbers: GapHealth | None) -> dict[str, Any] | None:
    """The gap loop's numbers this quarter: gaps opened and closed, and the share of
    questions the profile answered. None when nothing was asked or opened yet."""
    if numbers is None or not (numbers.asked or numbers.opened or numbers.closed):
        return None
    share = numbers.share
    answered = (
        f"{round(100 * share)}% of {numbers.asked} "
        f"{'question' if numbers.asked == 1 else 'questions'} answered from the profile"
        if share is not None
        else "no questions asked yet"
    )
    return {
        "quarter": numbers.quarter,
        "text": f"{numbers.quarter}: {numbers.opened} gaps opened · {numbers.closed} closed · "
        f"{answered}",
        "opened": numbers.opened,
        "closed": numbers.closed,
        "share": None if share is None else round(100 * share),
    }


def tile(
    persona: PersonaView,
    now: datetime,
    record: Any = None,
    decisions: tuple[int, list[DecisionView]] | None = None,
    gaps: GapSummary | None = None,
    numbers: GapHealth | None = None,
) -> dict[str, Any]:
    return {
        "slug": persona.slug,
        "name": persona.name,
        "first_name": persona.first_name,
        "kind": persona.kind,
        "kind_label": KIND_LABELS.get(persona.kind, persona.kind.title()),
        "role": persona.role,
        "quote": persona.quote,
        "photo_url": persona.photo_url,
        "initials": initials(persona.name),
        "fresh": freshness(persona, now),
        "line_count": len(persona.lines),
        # the file's evidence and the rows imported from exports, as the cards count them
        "evidence_count": len(persona.evidence) + persona.imported.rows,
        "predictions": predictions(record),
        "decisions": considered_in(decisions),
        "gaps": uncovered(gaps),
        "health": health(numbers),
        "line_health": line_health_badge(line_health(persona, now)),
    }


def line_health_badge(healths: tuple[LineHealth, ...]) -> dict[str, Any]:
    """'1 line contested · 3 lines need data' (warn) or 'Every line is backed…' (ok)."""
    contested = sum(1 for h in healths if h.status == "contested")
    needs = sum(1 for h in healths if h.status == "needs data")
    return {
        "text": summary(healths),
        "level": "warn" if contested or needs else "ok",
        "contested": contested,
        "needs_data": needs,
    }


def line_of(h: LineHealth) -> dict[str, Any]:
    """One profile line of the one-pager with its backing and health mark."""
    latest = h.surveys[0] if h.surveys else None
    return {
        "key": h.key,
        "text": h.text,
        "status": h.status,
        "mark": h.mark,
        "backing": h.backing(),
        "survey": latest.describe() if latest else None,
    }


def survey_of(evidence: EvidenceView) -> dict[str, Any] | None:
    """Survey results stored in Evidence.details, in either of the shapes we write:
    {"options": [...], "counts": [...]} or {"counts": {"Yes": 3, ...}}."""
    details = evidence.details or {}
    counts = details.get("counts")
    labels: list[str]
    values: list[int]
    if isinstance(counts, dict):
        labels = [str(k) for k in counts]
        values = [int(v or 0) for v in counts.values()]
    elif isinstance(counts, list | tuple) and isinstance(details.get("options"), list | tuple):
        labels = [str(o) for o in details["options"]]
        values = [int(v or 0) for v in counts]
        if len(labels) != len(values):
            return None
    else:
        return None
    total = sum(values)
    n = int(details.get("n") or total)
    predicted = details.get("prediction")
    prediction = None
    if isinstance(predicted, int) and 0 <= predicted < len(labels):
        verdict = {True: "right", False: "wrong"}.get(details.get("prediction_correct"))
        prediction = {"label": labels[predicted], "verdict": verdict}
    return {
        "prediction": prediction,
        "question": str(details.get("question") or evidence.summary),
        "n": n,
        "date": evidence.collected_at.isoformat() if evidence.collected_at else None,
        "rows": [
            {"label": label, "count": v, "pct": round(100 * v / total) if total else 0}
            for label, v in zip(labels, values, strict=True)
        ],
    }


def one_pager(
    persona: PersonaView,
    now: datetime,
    record: Any = None,
    decisions: tuple[int, list[DecisionView]] | None = None,
    gaps: GapSummary | None = None,
    quarters: list[GapHealth] | None = None,
) -> dict[str, Any]:
    """`quarters`: the gap loop's numbers, this quarter first."""
    quarters = quarters or []
    data = tile(persona, now, record, decisions, gaps, quarters[0] if quarters else None)
    data["loop"] = [row for row in (health(q) for q in quarters) if row is not None]
    healths = line_health(persona, now)
    groups = []
    for kind, title in GROUPS:
        lines = [line_of(h) for h in healths if h.kind == kind]
        if lines:
            groups.append({"kind": kind, "title": title, "lines": lines})
    evidence = sorted(
        persona.evidence,
        key=lambda e: (e.collected_at.isoformat() if e.collected_at else "", e.id),
        reverse=True,
    )
    surveys = [s for s in (survey_of(e) for e in evidence) if s is not None]
    evidence_total = len(evidence)
    evidence = evidence[:EVIDENCE_SHOWN]
    reviewed = persona.last_reviewed_at
    data.update(
        summary=persona.summary,
        segment=persona.segment,
        groups=groups,
        owners=[o.ref for o in persona.owners],
        evidence=[
            {
                "source": e.source,
                "summary": e.summary,
                "n": e.n,
                "date": e.collected_at.isoformat() if e.collected_at else None,
                "line_key": e.line_key,
            }
            for e in evidence
        ],
        surveys=surveys,
        evidence_more=evidence_total - len(evidence),
        evidence_imported=persona.imported.rows,
        empathy=_empathy(persona, healths),
        journey=_journey(persona, healths),
        buyer_of=list(persona.buyer_of),
        user_of=list(persona.user_of),
        evidence_badge=evidence_badge(persona),
        last_reviewed=reviewed.date().isoformat() if reviewed else None,
        review_every_days=persona.review_every_days,
        version=persona.version,
    )
    return data


def _lines(
    rows: tuple[tuple[str | None, str], ...], healths: tuple[LineHealth, ...]
) -> list[dict[str, Any]]:
    """Map and journey entries, each with its line's health mark (as the profile's lines)."""
    by_key = {h.key: h for h in healths}
    out = []
    for key, text in rows:
        h = by_key.get(key) if key else None
        status = h.status if h is not None else None
        out.append({"key": key, "text": text, "status": status, "mark": h.mark if h else ""})
    return out


def _empathy(persona: PersonaView, healths: tuple[LineHealth, ...]) -> list[dict[str, Any]]:
    """The four quadrants in the classic order (says, thinks / does, feels)."""
    return [
        {"kind": q.kind, "title": q.title, "lines": _lines(q.rows, healths)}
        for q in empathy_map(persona)
    ]


def _journey(persona: PersonaView, healths: tuple[LineHealth, ...]) -> list[dict[str, Any]]:
    """The stages in journey order, each with its goals, pains, touchpoints, questions."""
    return [
        {
            "stage": s.stage,
            "title": s.title,
            "parts": [
                {"kind": k, "title": t, "lines": _lines(rows, healths)} for k, t, rows in s.parts
            ],
        }
        for s in journey(persona)
    ]
