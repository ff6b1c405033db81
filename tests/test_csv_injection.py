"""CSV formula injection (issue 10 item 3): every CSV the project writes neutralises cells a
spreadsheet would run as a formula (OWASP: a leading =, +, -, @, tab or CR gets a ', and
every text cell is quoted). Played through the real `persona-bot surveys export`."""

from __future__ import annotations

import csv
import io

import pytest

from bot.cli import main
from bot.csv_cells import safe_cell
from persona_store.surveys.repository import SurveyPlace, SurveyStore
from tests.cli_store import cli_store
from tests.sched_helpers import Clock

EVIL_QUESTION = '=HYPERLINK("https://evil.example","Click")'
EVIL_OPTIONS = ("+1+cmd|' /C calc'!A0", "-2+3", "@SUM(1,2)", "\tTabbed", "\rReturned")


@pytest.fixture
def evil_survey(tmp_path, monkeypatch) -> int:  # type: ignore[no-untyped-def]
    store = cli_store(tmp_path, monkeypatch)
    ws = store.default_workspace_id()
    surveys = SurveyStore.of(store)
    survey = surveys.create(
        ws, "maya", EVIL_QUESTION, list(EVIL_OPTIONS), place=SurveyPlace("slack", "T1", "C1"),
        created_by="=cmd|'/C calc'!A0", now=Clock().now,
    )  # fmt: skip
    surveys.vote(ws, survey.id, 0, platform="slack", user_id="@evil", now=Clock().now)
    return survey.id


def _cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


def test_survey_export_neutralises_formulas(evil_survey: int, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["surveys", "export", str(evil_survey)]) == 0
    out = capsys.readouterr().out
    assert main(["surveys", "export", str(evil_survey), "--what", "summary"]) == 0
    cells = _cells(out) + _cells(capsys.readouterr().out)
    assert "'" + EVIL_QUESTION in cells
    for option in EVIL_OPTIONS[:3]:
        assert "'" + option in cells
    dangerous = [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert dangerous == []
    # text cells are quoted, so a separator inside one never starts a new cell
    assert '"\'=HYPERLINK(""https://evil.example"",""Click"")"' in out


@pytest.mark.parametrize("text", ["=1+2", "+1", "-1", "@A1", "\tx", "\rx"])
def test_every_formula_start_gets_a_quote(text: str) -> None:
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["Yes", "a=b", " =1", 3, -3, 0.5])
def test_other_cells_are_unchanged(value: object) -> None:
    assert safe_cell(value) == value
