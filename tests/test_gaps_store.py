"""The gap store on SQLite and PostgreSQL: grouping near-duplicates with count and dates,
stable numbers, workspace scoping, the quarter's numbers, a survey's evidence linked to its
gap at close, dismissing, and a gap turned into a profile line with a revision."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import inspect, select

from persona_store import Store
from persona_store.gaps.models import Gap
from persona_store.gaps.repository import GapError, GapStore, quarter_of, quarters_back
from persona_store.personas.spec import PersonaSpec
from persona_store.surveys.repository import SurveyPlace, SurveyStore

NOW = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)
PLACE = SurveyPlace("web", "local", "C1", None, None)


def _maya(store: Store, ws: int) -> int:
    spec = PersonaSpec.from_dict({"name": "Maya", "goals": ["Ship on time"], "pains": ["Budget"]})
    view, _ = store.upsert(ws, spec, author="test")
    return view.id


def _record(gaps: GapStore, ws: int, pid: int, q: str, terms: str, when: datetime = NOW):
    return gaps.record(ws, pid, q, terms=terms, topic=terms.upper(), now=when)


def test_near_duplicates_are_one_gap_with_count_and_dates(store: Store) -> None:
    ws = store.default_workspace_id()
    pid = _maya(store, ws)
    gaps = GapStore(store.sessions)
    first = _record(gaps, ws, pid, "Does Maya need SSO?", "sso")
    again = _record(gaps, ws, pid, "does maya need sso", "sso", NOW + timedelta(days=2))
    # most terms shared (3 of 4) is the same gap; fewer is another one
    close = _record(gaps, ws, pid, "mobile app offline sync?", "app mobil offlin sync")
    near = _record(gaps, ws, pid, "mobile app offline?", "app mobil offlin")
    other = _record(gaps, ws, pid, "Dark mode?", "dark mod")
    assert first is not None and again is not None and other is not None
    assert again.id == first.id and again.count == 2
    assert (again.first_asked_at, again.last_asked_at) == (NOW, NOW + timedelta(days=2))
    assert near is not None and close is not None and near.id == close.id
    assert [g.number for g in (first, close, other)] == [1, 2, 3]
    listed = gaps.listed(ws, pid)
    assert [(g.number, g.count) for g in listed] == [(1, 2), (2, 2), (3, 1)]
    # no column could say who asked
    columns = {c["name"] for c in inspect(store.sessions.kw["bind"]).get_columns("gaps")}
    assert not {"user_id", "asker", "author", "platform"} & columns
    summary = gaps.summaries(ws, [pid])[pid]
    assert summary.open == 3 and summary.topics == ("SSO", "APP MOBIL OFFLIN SYNC", "DARK MOD")


def test_gaps_are_scoped_by_workspace(store: Store) -> None:
    ws = store.default_workspace_id()
    store.workspace_id("slack", "T0FIRST")  # the first team shares the default workspace
    other_ws = store.workspace_id("slack", "T0OTHER")
    assert other_ws != ws
    pid = _maya(store, ws)
    gaps = GapStore(store.sessions)
    assert _record(gaps, other_ws, pid, "Does Maya need SSO?", "sso") is None  # not theirs
    gap = _record(gaps, ws, pid, "Does Maya need SSO?", "sso")
    assert gap is not None
    assert gaps.listed(other_ws, pid) == [] and gaps.get(other_ws, pid, 1) is None
    assert gaps.summaries(other_ws, [pid]) == {}
    with pytest.raises(GapError):
        gaps.dismiss(other_ws, gap.id, by="slack:U1", now=NOW)
    with pytest.raises(GapError):
        gaps.add_line(other_ws, gap.id, "pain", "Needs SSO", by="slack:U1", now=NOW)
    assert gaps.get(ws, pid, 1).status == "open"  # type: ignore[union-attr]


def test_the_quarter_numbers(store: Store) -> None:
    ws = store.default_workspace_id()
    pid = _maya(store, ws)
    gaps = GapStore(store.sessions)
    last_quarter = datetime(2026, 9, 20, tzinfo=UTC)
    _record(gaps, ws, pid, "Old question?", "old", last_quarter)
    for _ in range(3):
        gaps.count_answered(ws, pid, NOW)
    _record(gaps, ws, pid, "Does Maya need SSO?", "sso")
    gap = _record(gaps, ws, pid, "Dark mode?", "dark mod")
    assert gap is not None
    gaps.dismiss(ws, gap.id, by="slack:U1", now=NOW)
    health = gaps.health(ws, pid, NOW)
    assert (health.quarter, health.opened, health.closed) == ("2026-Q4", 2, 1)
    assert (health.answered, health.gap_questions, health.share) == (3, 2, 0.6)
    assert quarter_of(datetime(2026, 1, 1, tzinfo=UTC)) == "2026-Q1"
    [now, before, older] = gaps.history(ws, [pid], NOW, quarters=3)[pid]
    assert now == health
    assert (before.quarter, before.opened, before.closed, before.gap_questions) == (
        "2026-Q3", 1, 0, 1,
    )  # fmt: skip
    assert (older.quarter, older.asked, older.share) == ("2026-Q2", 0, None)
    assert quarters_back(datetime(2026, 2, 1, tzinfo=UTC), 3) == ["2026-Q1", "2025-Q4", "2025-Q3"]


def test_survey_evidence_lands_on_the_gap_and_becomes_a_line(store: Store) -> None:
    ws = store.default_workspace_id()
    pid = _maya(store, ws)
    gaps = GapStore(store.sessions)
    surveys = SurveyStore(store.sessions)
    gap = _record(gaps, ws, pid, "Does Maya need SSO?", "sso")
    assert gap is not None
    survey = surveys.create(
        ws, "maya", gap.question, ("Yes", "No", "Not sure"), place=PLACE, created_by="web:a",
        now=NOW,
    )  # fmt: skip
    gaps.set_survey(ws, gap.id, survey.id)
    assert gaps.get(ws, pid, gap.number).status == "asking"  # type: ignore[union-attr]
    for voter, option in (("U1", 0), ("U2", 0), ("U3", 1)):
        surveys.answer(ws, survey.id, option, platform="slack", user_id=voter, now=NOW)
    closed = surveys.close(ws, survey.id, now=NOW + timedelta(hours=1), author="persona-bot")
    assert closed is not None and closed.evidence_id is not None
    answered = gaps.of_survey(ws, survey.id)
    assert answered is not None and answered.status == "answered"
    assert answered.evidence_id == closed.evidence_id
    assert answered.evidence_summary and "Yes 2, No 1" in answered.evidence_summary
    persona = store.get(ws, "maya")
    assert persona is not None
    [evidence] = [e for e in persona.evidence if e.id == closed.evidence_id]
    assert evidence.details and evidence.details["gap"] == gap.number
    version = persona.version
    view, key = gaps.add_line(ws, gap.id, "pain", "  No SSO,  no pilot ", by="slack:U0OWNER",
                              now=NOW)  # fmt: skip
    assert key == "pain-2" and view.line(key).text == "No SSO, no pilot"  # type: ignore[union-attr]
    assert view.version == version + 1
    [linked] = [e for e in view.evidence if e.id == closed.evidence_id]
    assert linked.line_key == key  # the survey now backs the new line
    [revision] = [r for r in store.revisions(ws, "maya") if r.version == view.version]
    assert revision.author == "slack:U0OWNER" and "gap 1" in revision.note
    done = gaps.get(ws, pid, gap.number)
    assert done is not None and (done.status, done.line_key) == ("closed", key)
    assert gaps.listed(ws, pid) == []
    with pytest.raises(GapError, match="already closed"):
        gaps.dismiss(ws, gap.id, by="slack:U0OWNER", now=NOW)


def test_a_survey_closed_without_answers_reopens_its_gap(store: Store) -> None:
    ws = store.default_workspace_id()
    pid = _maya(store, ws)
    gaps = GapStore(store.sessions)
    surveys = SurveyStore(store.sessions)
    gap = _record(gaps, ws, pid, "Does Maya need SSO?", "sso")
    assert gap is not None
    survey = surveys.create(ws, "maya", gap.question, ("Yes", "No"), place=PLACE,
                            created_by="web:a", now=NOW)  # fmt: skip
    gaps.set_survey(ws, gap.id, survey.id)
    surveys.close(ws, survey.id, now=NOW, author="persona-bot")
    assert gaps.get(ws, pid, 1).status == "open"  # type: ignore[union-attr]


def test_bad_lines_change_nothing(store: Store) -> None:
    ws = store.default_workspace_id()
    pid = _maya(store, ws)
    gaps = GapStore(store.sessions)
    gap = _record(gaps, ws, pid, "Does Maya need SSO?", "sso")
    assert gap is not None
    version = store.get(ws, "maya").version  # type: ignore[union-attr]
    for kind, text, message in (
        ("motto", "x", "pain or a goal"),
        ("pain", "   ", "needs some text"),
        ("pain", "x" * 501, "500 characters"),
        ("pain", "Budget", "already has that pain"),
    ):
        with pytest.raises(GapError, match=message):
            gaps.add_line(ws, gap.id, kind, text, by="slack:U1", now=NOW)
    assert store.get(ws, "maya").version == version  # type: ignore[union-attr]
    assert gaps.get(ws, pid, 1).status == "open"  # type: ignore[union-attr]


def test_the_line_form_note_goes_with_the_revision(store: Store) -> None:
    """The "Add as pain" form's optional note says why, in the revision (not the profile)."""
    ws = store.default_workspace_id()
    pid = _maya(store, ws)
    gaps = GapStore(store.sessions)
    gap = _record(gaps, ws, pid, "Does Maya need SSO?", "sso")
    assert gap is not None
    view, key = gaps.add_line(ws, gap.id, "goal", "Wants SSO before any pilot", by="teams:29:1",
                              now=NOW, note=" from the  December\nsurvey ")  # fmt: skip
    [revision] = [r for r in store.revisions(ws, "maya") if r.version == view.version]
    assert revision.note == (
        "gap 1 closed: goal \u201cWants SSO before any pilot\u201d \u2014 from the December survey"
    )
    assert view.line(key).text == "Wants SSO before any pilot"  # type: ignore[union-attr]


def test_deleting_a_persona_deletes_its_gaps(store: Store) -> None:
    ws = store.default_workspace_id()
    pid = _maya(store, ws)
    gaps = GapStore(store.sessions)
    _record(gaps, ws, pid, "Does Maya need SSO?", "sso")
    gaps.count_answered(ws, pid, NOW)
    with store.sessions.begin() as s:
        from persona_store.models import Persona

        s.delete(s.get(Persona, pid))
    with store.sessions() as s:
        assert s.scalars(select(Gap)).all() == []


def test_racing_askers_are_all_counted_on_one_gap(store: Store) -> None:
    """Many people asking the same new question at once (threads, as the web process's
    database pool runs them): one gap, every ask counted, every tally too."""
    from concurrent.futures import ThreadPoolExecutor

    ws = store.default_workspace_id()
    pid = _maya(store, ws)
    gaps = GapStore(store.sessions)

    def ask(_: int) -> None:
        _record(gaps, ws, pid, "Does Maya need SSO?", "sso")

    with ThreadPoolExecutor(max_workers=6) as pool:
        list(pool.map(ask, range(24)))
    [gap] = gaps.listed(ws, pid)
    assert (gap.number, gap.count) == (1, 24)
    assert gaps.health(ws, pid, NOW).gap_questions == 24
