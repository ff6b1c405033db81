"""What a new user tripped over in the terminal (issue 11 section 4), through the real
`persona-bot` (a subprocess, or `main` in-process): which database a command created,
`personas show` with owners, kind and evidence, `surveys export --what` (one table per
file, shares with three decimals), `surveys list`, and manifest URLs that Slack would refuse."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main
from persona_store.surveys.repository import SurveyPlace, SurveyStore
from tests.cli_store import cli_store
from tests.sched_helpers import Clock


def cli(cwd: Path, *args: str, url: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("OPENAI_", "SLACK_", "MICROSOFT_", "DATABASE_URL"))
    }
    if url:
        env["DATABASE_URL"] = url
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd, env={**env, "PYTHONPATH": os.getcwd()}, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip


def test_a_command_that_creates_a_database_says_where(tmp_path: Path) -> None:
    first = cli(tmp_path, "personas", "list")
    assert first.returncode == 0, first.stderr
    made = tmp_path / "personabot.db"
    assert f"Created a new database: {made}" in first.stderr and made.exists()
    again = cli(tmp_path, "personas", "list")
    assert "Created a new database" not in again.stderr  # only when it is new
    elsewhere = tmp_path / "sub"
    elsewhere.mkdir()
    done = cli(elsewhere, "db", "upgrade", url="sqlite:///other.db")
    assert f"Created a new database: {elsewhere / 'other.db'}" in done.stderr


def test_personas_show_has_owners_kind_and_evidence(tmp_path: Path) -> None:
    done = cli(tmp_path, "personas", "show", "maya")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "Kind: Primary persona" in out
    assert "Owners: slack:U0MAYAOWNR, email:maya-persona@example.com" in out
    assert "Evidence (latest first):" in out and "(interview, n=15, 2026-07-10)" in out


@pytest.mark.parametrize(
    "url", ["http://bot.example.com", "https://bot.example.com/a b", "https://", "ftp://x.y"]
)
def test_manifest_refuses_urls_slack_would_not_call(
    url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["manifest", "slack", "--url", url]) == 2
    out, err = capsys.readouterr()
    assert out == "" and "--url must" in err


# -- surveys: export one table per file, list -------------------------------------------------


@pytest.fixture
def surveys(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[int, int]:
    store = cli_store(tmp_path, monkeypatch)
    ws = store.default_workspace_id()
    ss = SurveyStore.of(store)
    place = SurveyPlace("slack", "T1", "C1")
    answered = ss.create(ws, "maya", "Price, still #1?", ["Yes", "No", "Not sure"], place=place,
                         created_by="slack:U0", now=Clock().now)  # fmt: skip
    for i, user in enumerate(("U1", "U2", "U3")):
        ss.vote(ws, answered.id, i % 2, platform="slack", user_id=user, now=Clock().now)
    empty = ss.create(ws, "maya", "\x1b[31mRed?\x1b[0m", ["Yes", "No"], place=place,
                      created_by="slack:U0", now=Clock().now, anonymous=True)  # fmt: skip
    return answered.id, empty.id


def rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_export_is_one_table_per_file(surveys, capsys) -> None:  # type: ignore[no-untyped-def]
    answered, empty = surveys
    assert main(["surveys", "export", str(answered)]) == 0
    table = rows(capsys.readouterr().out)
    assert table[0] == ["survey_id", "persona", "question", "option", "voter", "answered_at"]
    assert len(table) == 4 and all(len(r) == 6 for r in table)  # no blank line, no 2nd table
    assert main(["surveys", "export", str(answered), "--what", "summary"]) == 0
    summary = rows(capsys.readouterr().out)
    assert summary[0] == [
        "survey_id", "persona", "question", "status", "n", "option", "count", "share",
    ]  # fmt: skip
    assert [r[5:] for r in summary[1:]] == [
        ["Yes", "2", "0.667"], ["No", "1", "0.333"], ["Not sure", "0", "0.000"],
    ]  # fmt: skip
    assert main(["surveys", "export", str(empty), "--what", "summary"]) == 0
    assert {r[7] for r in rows(capsys.readouterr().out)[1:]} == {"0.000"}  # not "0"


def test_surveys_list_shows_ids_newest_first(surveys, capsys) -> None:  # type: ignore[no-untyped-def]
    answered, empty = surveys
    assert main(["surveys", "list"]) == 0
    out = capsys.readouterr().out
    first, second = out.splitlines()
    assert first.startswith(f"#{empty} ") and "anonymous" in first and "n=0" in first
    assert "\x1b" not in out and "?[31mRed??[0m" in first  # no terminal escapes
    assert second.startswith(f"#{answered} ") and "n=3" in second and "Price, still #1?" in second
    assert main(["surveys", "list", "--workspace", "slack:T9"]) == 2
    assert "There is no workspace 'slack:T9'" in capsys.readouterr().err
