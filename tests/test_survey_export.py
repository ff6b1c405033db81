"""Survey CSV export: `persona-bot surveys export ID [--workspace REF]`, with anonymous surveys
revealing no voter, time or order, and a survey id only found in its own workspace."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from bot.cli import main
from bot.features.survey_export import export_csv
from persona_store import Store, create_engine_for, session_factory
from persona_store.migrate import upgrade
from persona_store.personas.spec import PersonaSpec
from persona_store.surveys.repository import SurveyPlace, SurveyStore
from persona_store.workspace_refs import list_workspaces
from tests.sched_helpers import Clock, seed


def _survey(store: Store, *, anonymous: bool) -> int:
    seed(store)
    clock = Clock()
    ss = SurveyStore.of(store)
    ws = store.default_workspace_id()
    sv = ss.create(
        ws, "maya", "Price, still #1?", ["Yes", "No"], place=SurveyPlace("slack", "T1", "C1"),
        created_by="slack:U0", now=clock.now, anonymous=anonymous,
    )  # fmt: skip
    for i, user in enumerate(("U1", "U2", "U3")):
        ss.vote(ws, sv.id, i % 2, platform="slack", user_id=user,
                now=clock.now + timedelta(minutes=i))  # fmt: skip
    return sv.id


def test_export_open_survey_lists_voters(sqlite_store: Store) -> None:
    survey_id = _survey(sqlite_store, anonymous=False)
    rows = list(csv.reader(io.StringIO(export_csv(sqlite_store, 1, survey_id))))
    assert rows[0] == ["survey_id", "persona", "question", "option", "voter", "answered_at"]
    assert [(r[3], r[4]) for r in rows[1:4]] == [
        ("Yes", "slack:U1"), ("Yes", "slack:U3"), ("No", "slack:U2"),
    ]  # fmt: skip
    summary = list(csv.reader(io.StringIO(export_csv(sqlite_store, 1, survey_id, "summary"))))
    assert [r[4:] for r in summary[1:]] == [["3", "Yes", "2", "0.667"], ["3", "No", "1", "0.333"]]


def test_export_anonymous_survey_reveals_nobody(sqlite_store: Store) -> None:
    survey_id = _survey(sqlite_store, anonymous=True)
    text = export_csv(sqlite_store, 1, survey_id)
    assert "U1" not in text and "U2" not in text and "h:" not in text
    rows = list(csv.reader(io.StringIO(text)))
    assert {r[4] for r in rows[1:4]} == {"anonymous"} and {r[5] for r in rows[1:4]} == {""}


def test_cli_export(tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    engine = create_engine_for(url)
    upgrade(engine)
    survey_id = _survey(Store(session_factory(engine)), anonymous=False)
    env = {**os.environ, "DATABASE_URL": url}
    out = tmp_path / "s.csv"
    done = subprocess.run(
        [sys.executable, "-m", "bot", "surveys", "export", str(survey_id), "--out", str(out)],
        env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "slack:U2" in out.read_text()
    missing = subprocess.run(
        [sys.executable, "-m", "bot", "surveys", "export", "999"],
        env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert missing.returncode == 2 and "no survey #999" in missing.stderr


# -- `surveys export --workspace`: any workspace, and only that workspace ---------------------


@pytest.fixture
def two_workspaces(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Store, int, int]:
    """The default workspace (Slack T1 + Teams tenant-a, linked) and Slack T2's own, each with
    one survey. Returns the store and the two survey ids."""
    url = f"sqlite:///{tmp_path / 'ws.db'}"
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.setenv("DATABASE_URL", url)
    engine = create_engine_for(url)
    upgrade(engine)
    store = Store(session_factory(engine))
    default = store.workspace_id("slack", "T1")
    assert store.workspace_id("teams", "tenant-a") == default
    other = store.workspace_id("slack", "T2")
    assert other != default
    first = _survey(store, anonymous=False)
    store.upsert(other, PersonaSpec.from_dict({"name": "Otto Other", "pains": ["Slow"]}),
                 author="test")  # fmt: skip
    second = SurveyStore.of(store).create(
        other, "otto", "Only in T2?", ["Yes", "No"], place=SurveyPlace("slack", "T2", "C9"),
        created_by="slack:U9", now=Clock().now,
    )  # fmt: skip
    SurveyStore.of(store).vote(other, second.id, 1, platform="slack", user_id="U9",
                               now=Clock().now)  # fmt: skip
    return store, first, second.id


def export(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["surveys", "export", *args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("ref", ["slack:T2", "#2", "2", "T2", "SLACK:T2"])
def test_export_from_another_workspace(two_workspaces, capsys, ref: str) -> None:  # type: ignore[no-untyped-def]
    _, _, second = two_workspaces
    code, out, err = export(capsys, str(second), "--workspace", ref)
    assert code == 0, err
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[1][:5] == [str(second), "otto", "Only in T2?", "No", "slack:U9"]


def test_export_default_workspace_by_its_linked_tenant(two_workspaces, capsys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    _, first, _ = two_workspaces
    out_file = tmp_path / "t.csv"
    code, _, err = export(
        capsys, str(first), "--workspace", "teams:tenant-a", "--out", str(out_file)
    )
    assert code == 0, err
    assert "slack:U2" in out_file.read_text() and f"survey #{first}" in err
    assert export(capsys, str(first), "--workspace", "default")[0] == 0


def test_export_never_crosses_workspaces(two_workspaces, capsys) -> None:  # type: ignore[no-untyped-def]
    _, first, second = two_workspaces
    code, out, err = export(capsys, str(first), "--workspace", "slack:T2")
    assert code == 2 and out == ""
    assert f"There is no survey #{first} in workspace #2 T2 (slack:T2)." in err
    # Without --workspace only the default workspace is searched, and the message says how
    # to name another.
    code, out, err = export(capsys, str(second))
    assert code == 2 and out == "" and "Price" not in err
    assert f"no survey #{second} in workspace #1" in err and "--workspace" in err


@pytest.mark.parametrize("ref", ["slack:T9", "teams:nobody", "#7", "Acme", ""])
def test_unknown_workspace_is_a_message_and_creates_nothing(two_workspaces, capsys, ref) -> None:  # type: ignore[no-untyped-def]
    store, first, _ = two_workspaces
    before = list_workspaces(store)
    code, out, err = export(capsys, str(first), "--workspace", ref)
    assert code == 2 and out == ""
    assert f"There is no workspace {ref!r}" in err and "Traceback" not in err
    assert "#1 Default workspace (slack:T1, teams:tenant-a); #2 T2 (slack:T2)" in err
    assert list_workspaces(store) == before


def test_an_unwritable_out_path_is_a_message(two_workspaces, capsys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    _, first, _ = two_workspaces
    code, out, err = export(capsys, str(first), "--out", str(tmp_path))
    assert code == 1 and f"Cannot write {tmp_path}" in err and out == ""


def test_numbers_too_big_for_the_database_are_messages(two_workspaces, capsys) -> None:  # type: ignore[no-untyped-def]
    _, first, _ = two_workspaces
    huge = str(10**20)  # past SQLite's INTEGER
    code, _, err = export(capsys, huge)
    assert code == 2 and f"There is no survey #{huge}" in err
    code, _, err = export(capsys, str(first), "--workspace", f"#{huge}")
    assert code == 2 and f"There is no workspace '#{huge}'" in err
