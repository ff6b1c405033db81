"""bot.features.line_health: the pure status of each profile line (backed / needs data /
contested), its backing figures, No-like options, and which line needs attention first."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from bot.features.line_health import (
    contradicts,
    health_by_key,
    lines_to_look_at,
    summary,
    survey_signal,
    weakest_line,
)
from persona_store.personas.views import EvidenceView, LineView, PersonaView

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


def ev(i: int, line: str | None, when: date, n: int | None = 5, **details: object) -> EvidenceView:
    return EvidenceView(
        i, "survey" if details else "interview", f"item {i}", n, when, line,
        dict(details) or None, datetime(2026, 1, 1, tzinfo=UTC),
    )  # fmt: skip


def survey(i: int, line: str, when: date, options: list[str], counts: list[int]) -> EvidenceView:
    return ev(i, line, when, sum(counts), question=f"Q{i}?", options=options, counts=counts)


def persona(*evidence: EvidenceView, every: int = 90) -> PersonaView:
    return PersonaView(
        id=1, workspace_id=1, slug="maya", name="Maya Chen", kind="primary", role="", summary="",
        photo_url=None, quote="", segment="", review_every_days=every, last_reviewed_at=None,
        home_channel=None, version=1,
        lines=(
            LineView(1, "pain-1", "pain", "Onboarding is slow"),
            LineView(2, "pain-2", "pain", "Price rises hurt"),
            LineView(3, "goal-1", "goal", "One place for shipments"),
        ),
        evidence=evidence,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("option", "no"),
    [
        ("No", True), ("Not any more", True), ("no longer true", True), ("Never", True),
        ("Disagree", True), ("Nope", True), ("Yes", False), ("Yes, still true", False),
        ("Not sure", False), ("Don't know", False), ("Less than before", False),
        ("It depends", False), ("", False), ("Maybe not", False),
    ],
)  # fmt: skip
def test_no_like_options(option: str, no: bool) -> None:
    assert contradicts(option) is no


def test_backing_figures_and_statuses() -> None:
    p = persona(
        ev(1, "pain-1", date(2026, 10, 1), n=15),
        ev(2, "pain-1", date(2025, 1, 1), n=None),
        ev(3, "goal-1", date(2026, 1, 1)),  # older than 90 days
        ev(4, None, date(2026, 11, 1)),  # unlinked: backs no line
    )
    h = health_by_key(p, NOW)
    assert h["pain-1"].status == "backed"
    assert (h["pain-1"].evidence_count, h["pain-1"].total_n) == (2, 16)
    assert h["pain-1"].newest == date(2026, 10, 1)
    assert h["pain-1"].backing() == "2 evidence items (n=16), newest 2026-10-01"
    assert h["pain-1"].mark == ""
    assert h["goal-1"].status == "needs data" and h["goal-1"].mark == "\u26a0 needs data"
    assert h["goal-1"].why() == "needs data: newest evidence 2026-01-01"
    assert h["pain-2"].status == "needs data" and h["pain-2"].backing() == "No evidence yet"
    assert h["pain-2"].why() == "needs data: no evidence yet"
    # a longer review interval makes old evidence recent enough
    assert (
        health_by_key(persona(ev(3, "goal-1", date(2026, 1, 1)), every=365), NOW)["goal-1"].status
        == "backed"
    )


def test_a_recent_no_majority_contests_the_line() -> None:
    no = survey(1, "pain-2", date(2026, 11, 20), ["Yes, still true", "Not any more"], [2, 7])
    h = health_by_key(persona(no), NOW)["pain-2"]
    assert h.status == "contested" and h.mark == "\u26a0 contested"
    assert h.surveys[0].verdict == "disagrees" and h.surveys[0].winner == "Not any more"
    won = "\u201cNot any more\u201d won (n=9, 2026-11-20)"
    assert h.why() == f"contested: Survey \u201cQ1?\u201d: {won}"


@pytest.mark.parametrize(
    ("counts", "status"),
    [
        ([7, 2], "backed"),  # the Yes won
        ([2, 2], "backed"),  # a tie contests nothing
        ([0, 2], "backed"),  # too few answers (MIN_SURVEY_N)
    ],
)
def test_what_does_not_contest(counts: list[int], status: str) -> None:
    s = survey(1, "pain-2", date(2026, 11, 20), ["Yes", "No"], counts)
    assert health_by_key(persona(s), NOW)["pain-2"].status == status


def test_old_or_superseded_no_does_not_contest() -> None:
    old_no = survey(1, "pain-2", date(2026, 5, 1), ["Yes", "No"], [1, 9])
    assert health_by_key(persona(old_no), NOW)["pain-2"].status == "needs data"
    newer_yes = survey(2, "pain-2", date(2026, 11, 25), ["Yes", "No"], [8, 1])
    recent_no = survey(3, "pain-2", date(2026, 11, 1), ["Yes", "No"], [1, 9])
    assert health_by_key(persona(recent_no, newer_yes), NOW)["pain-2"].status == "backed"
    # an unclear newer survey (a tie) leaves the earlier No standing
    tie = survey(4, "pain-2", date(2026, 11, 30), ["Yes", "No"], [3, 3])
    assert health_by_key(persona(recent_no, tie), NOW)["pain-2"].status == "contested"


def test_survey_signal_shapes() -> None:
    as_dict = ev(1, "pain-1", date(2026, 11, 1), counts={"Yes": 1, "No": 4})
    assert survey_signal(as_dict).winner == "No"  # type: ignore[union-attr]
    assert survey_signal(ev(2, "pain-1", date(2026, 11, 1))) is None
    broken = ev(3, "pain-1", date(2026, 11, 1), options=["Yes"], counts=[1, 2])
    assert survey_signal(broken) is None
    junk = ev(4, "pain-1", date(2026, 11, 1), options=["Yes", "No"], counts=["x", None])
    assert survey_signal(junk).verdict == "unclear"  # type: ignore[union-attr]


def test_attention_order_weakest_line_and_summary() -> None:
    p = persona(
        ev(1, "pain-1", date(2026, 1, 1)),
        survey(2, "goal-1", date(2026, 11, 20), ["Yes", "No"], [1, 5]),
    )
    order = [h.key for h in lines_to_look_at(p, NOW)]
    assert order == ["goal-1", "pain-2", "pain-1"]  # contested, then no evidence, then old
    assert weakest_line(p, NOW).key == "goal-1"  # type: ignore[union-attr]
    assert weakest_line(p, NOW, kinds=("pain",)).key == "pain-2"  # type: ignore[union-attr]
    assert summary(list(health_by_key(p, NOW).values())) == "1 line contested · 2 lines need data"
    keys = ("pain-1", "pain-2", "goal-1")
    fine = persona(*(ev(i, k, date(2026, 11, 1)) for i, k in enumerate(keys)))
    assert weakest_line(fine, NOW) is None
    assert summary(list(health_by_key(fine, NOW).values())) == "Every line is backed by recent data"


def test_answers_grouped_by_the_line_they_match() -> None:
    from bot.answering.line_match import best_line, group_by_line

    p = replace(
        persona(),
        lines=(
            LineView(1, "pain-1", "pain", "Onboarding time - the last tool took six weeks"),
            LineView(2, "pain-2", "pain", "Per-seat pricing punishes seasonal staff"),
            LineView(3, "objection-1", "objection", "Drivers will refuse another app login"),
        ),
    )
    assert best_line(p.lines, "The price per seat was too high").key == "pain-2"  # type: ignore[union-attr]
    assert best_line(p.lines, "The weather was nice") is None
    groups = group_by_line(
        p, ["My drivers hate logging in", "Onboarding took weeks", "Seat price", "Lunch"]
    )
    assert [(line.key if line else None, texts) for line, texts in groups] == [
        ("pain-1", ["Onboarding took weeks"]),
        ("pain-2", ["Seat price"]),
        ("objection-1", ["My drivers hate logging in"]),
        (None, ["Lunch"]),
    ]
