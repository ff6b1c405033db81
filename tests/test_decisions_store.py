"""The decision log's store on SQLite and PostgreSQL: answer records and consultations
(no asker kept), per-workspace numbers (also when two people log at once), revisions,
search, the personas a decision considered, and workspaces kept apart."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import inspect

from persona_store import Store
from persona_store.decisions.repository import DecisionStore
from persona_store.decisions.views import Considered, DecisionDraft, Place
from persona_store.personas.spec import PersonaSpec

MAYA = Considered("maya", "Maya Chen", "oppose", (("pain-1", "Budget is approved once a year"),))
SAM = Considered("sam", "Sam Okafor", "support", ())


def seed(store: Store) -> tuple[int, int]:
    ws = store.workspace_id("slack", "T0001")  # the first team: the default workspace
    other = store.workspace_id("slack", "T0OTHER")
    for w in (ws, other):
        for name in ("Maya Chen", "Sam Okafor"):
            spec = {"name": name, "pains": ["Budget is approved once a year"]}
            store.upsert(w, PersonaSpec.from_dict(spec), author="test")
    return ws, other


def test_answers_decisions_revisions_and_workspaces(store: Store) -> None:
    ws, other = seed(store)
    repo = DecisionStore.of(store)
    place = Place("slack", "C1", "1700.1")
    answer_id = repo.record_answer(ws, "panel", "Drop the free tier?", [MAYA, SAM], place=place)
    assert repo.answer(other, answer_id) is None  # another workspace's answer is no answer
    answer = repo.answer(ws, answer_id)
    assert answer is not None and answer.personas == (MAYA, SAM)
    assert repo.answer_in_thread(ws, "slack", "C1", "1700.1") == answer
    assert repo.answer_in_thread(ws, "slack", "C1", "other") is None
    draft = DecisionDraft("Keep the free tier", "adopted", "note", "https://example.com")
    where = Place("slack", "C1", "1700.2", "https://fake.slack.com/archives/C1/p17002")
    first = repo.add(ws, draft, author="slack:U1", author_name="alice", answer=answer, place=where)
    assert (first.number, first.version, first.persona_names) == (1, 1, ["Maya Chen", "Sam Okafor"])
    assert first.place == where and first.question == "Drop the free tier?"
    second = repo.add(ws, DecisionDraft("Ship dark mode", "parked"), author="slack:U2")
    theirs = repo.add(other, DecisionDraft("Theirs", "rejected"), author="slack:U9")
    assert (second.number, theirs.number) == (2, 1)
    # lists, per persona, search: one workspace only
    assert [d.number for d in repo.recent(ws)] == [2, 1]
    maya = store.get(ws, "maya")
    assert maya is not None
    assert [d.text for d in repo.recent(ws, persona_id=maya.id)] == ["Keep the free tier"]
    assert [d.text for d in repo.recent(ws, search="DARK")] == ["Ship dark mode"]
    assert repo.recent(ws, search="%") == []  # LIKE wildcards are literal
    assert [d.text for d in repo.recent(other)] == ["Theirs"]
    assert repo.get(other, 2) is None and repo.get(ws, 2**40) is None
    count, latest = repo.considered(ws, [maya.id])[maya.id]
    assert count == 1 and [d.number for d in latest] == [1]
    other_maya = store.get(other, "maya")
    assert other_maya is not None and repo.considered(other, [other_maya.id])[other_maya.id][0] == 0
    # editing keeps every version
    edited = repo.edit(ws, 1, DecisionDraft("Keep the free tier", "changed", "trial", None),
                       author="slack:U1")  # fmt: skip
    assert edited is not None and edited.version == 2 and edited.link is None
    same = repo.edit(ws, 1, DecisionDraft("Keep the free tier", "changed", "trial", None),
                     author="slack:U1")  # fmt: skip
    assert same is not None and same.version == 2  # nothing changed: no new revision
    assert repo.edit(other, 1, DecisionDraft("Hijack", "parked"), author="x") is not None
    assert repo.get(ws, 1).text == "Keep the free tier"  # type: ignore[union-attr]
    revs = repo.revisions(ws, 1)
    assert [(v, s["outcome"]) for v, _, s in revs] == [(1, "adopted"), (2, "changed")]


def test_consultations_count_asks_without_keeping_askers(store: Store) -> None:
    ws, other = seed(store)
    repo = DecisionStore.of(store)
    maya = store.get(ws, "maya")
    assert maya is not None
    before = datetime.now(UTC)
    repo.record_answer(ws, "ask", "Q1", [MAYA])
    repo.record_answer(ws, "panel", "Q2", [MAYA, SAM])
    repo.record_answer(ws, "survey", "Q3", [MAYA], consulted=False)
    repo.record_answer(other, "ask", "Q4", [MAYA])
    assert repo.consultations_since(ws, maya.id, None) == 2
    assert repo.consultations_since(ws, maya.id, before - timedelta(minutes=1)) == 2
    assert repo.consultations_since(ws, maya.id, before + timedelta(days=1)) == 0
    columns = {c["name"] for c in inspect(store.sessions.kw["bind"]).get_columns("consultations")}
    assert columns == {"id", "workspace_id", "persona_id", "created_at"}  # nobody's id
    answer_columns = {
        c["name"] for c in inspect(store.sessions.kw["bind"]).get_columns("answer_records")
    }
    assert not answer_columns & {"user_id", "author", "asker"}


def test_two_people_logging_at_once_get_two_numbers(store: Store) -> None:
    ws, _ = seed(store)
    repo = DecisionStore.of(store)
    numbers: list[int] = []
    errors: list[BaseException] = []

    def log(i: int) -> None:
        try:
            d = repo.add(ws, DecisionDraft(f"Decision {i}", "adopted"), author=f"slack:U{i}")
            numbers.append(d.number)
        except BaseException as exc:  # noqa: BLE001 (reported below)
            errors.append(exc)

    threads = [threading.Thread(target=log, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and sorted(numbers) == [1, 2, 3, 4, 5, 6]


def test_cli_export_csv_and_md_per_workspace(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.cli import main
    from tests.cli_store import cli_store

    store = cli_store(tmp_path, monkeypatch)
    ws = store.default_workspace_id()
    other = store.workspace_id("slack", "T0SECOND")
    other = other if other != ws else store.workspace_id("slack", "T0THIRD")
    repo = DecisionStore.of(store)
    repo.add(ws, DecisionDraft("=Keep the free tier", "adopted", "@note"), author="slack:U1")
    repo.add(other, DecisionDraft("Their secret", "parked"), author="slack:U9")
    assert main(["decisions", "export"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].startswith('"number","date","decision"')
    assert '"\'=Keep the free tier"' in out and '"\'@note"' in out
    assert "Their secret" not in out
    assert main(["decisions", "export", "--format", "md", "--out", "log.md"]) == 0
    assert "## #1 =Keep the free tier" in (tmp_path / "log.md").read_text(encoding="utf-8")
    assert main(["decisions", "export", "--workspace", "#999"]) == 2
    assert "999" in capsys.readouterr().err


def test_old_answer_records_are_forgotten_by_the_clock_decisions_keep_theirs(store: Store) -> None:
    import asyncio

    from bot.clock import sweep_once
    from bot.features import build_registry
    from bot.features.decision_sweep import ANSWER_RETENTION
    from tests.conftest import make_deps

    ws, _ = seed(store)
    repo = DecisionStore.of(store)
    answer_id = repo.record_answer(ws, "ask", "Drop the free tier?", [MAYA])
    answer = repo.answer(ws, answer_id)
    repo.add(ws, DecisionDraft("Keep the free tier", "adopted"), author="slack:U1", answer=answer)
    later = datetime.now(UTC) + ANSWER_RETENTION + timedelta(days=1)
    deps = make_deps(store)
    asyncio.run(sweep_once(deps, {}, later, jobs=build_registry().clock))
    assert repo.answer(ws, answer_id) is None
    kept = repo.get(ws, 1)
    assert kept is not None and kept.persona_names == ["Maya Chen"]
    assert kept.personas[0].lines == MAYA.lines
