"""Survey CSV export: `persona-bot surveys export ID`, with anonymous surveys revealing no
voter, time or order."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from datetime import timedelta

from bot.features.survey_export import export_csv
from persona_store import Store, create_engine_for, session_factory
from persona_store.migrate import upgrade
from persona_store.surveys import SurveyPlace, SurveyStore
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
    assert ["Yes", "2", "0.667"] in rows and ["n", "3", ""] in rows


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
