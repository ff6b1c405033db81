"""The `persona-bot` console script, run as a real subprocess on a fresh SQLite file."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml


@pytest.fixture
def run(tmp_path: Path):  # type: ignore[no-untyped-def]
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "SLACK_", "MICROSOFT_"))
    }
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'cli.db'}"

    def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "bot", *args],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    return run_cli


def test_ask_loads_samples_and_prints_a_grounded_answer(run) -> None:  # type: ignore[no-untyped-def]
    result = run("ask", "maya", "Should we drop the free tier?")
    assert result.returncode == 0, result.stderr
    assert "loaded 4 sample personas" in result.stderr
    assert "Maya Chen" in result.stdout
    assert "Offline answer" in result.stdout
    # Every cited line is quoted verbatim from Maya's own profile.
    shown = run("personas", "show", "maya").stdout
    cited = [ln.strip() for ln in result.stdout.splitlines() if ln.strip().startswith("[")]
    assert cited, result.stdout
    for line in cited:
        key, _, text = line.partition("] ")
        text = text.split(" \u2014 \u26a0")[0]  # the line-health mark is not the line's
        assert f"{text} [{key[1:]}]" in shown


def test_unknown_persona_exits_nonzero_with_suggestion(run) -> None:  # type: ignore[no-untyped-def]
    result = run("ask", "Mya", "Is this fine?")
    assert result.returncode == 1
    assert "did you mean Maya Chen?" in result.stderr
    empty = run("ask", "", "price?")
    assert empty.returncode == 2 and "Which persona?" in empty.stderr


def test_import_is_all_or_nothing_and_export_round_trips(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    good = tmp_path / "good.yaml"
    good.write_text(
        yaml.safe_dump(
            {"personas": [{"name": "Ada Park", "kind": "secondary", "pains": ["Too many tabs"]}]}
        )
    )
    imported = run("personas", "import", str(good))
    assert imported.returncode == 0 and "Imported 1 persona from" in imported.stdout
    before = run("personas", "export", "--format", "json").stdout
    assert "Ada Park" in before and "Maya" not in before  # import never adds the samples

    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "personas:\n"
        "  - name: Bo Lind\n"
        "    pains: [Slow exports]\n"
        "  - name: Ada Park\n"
        "    kind: primry\n"
    )
    result = run("personas", "import", str(bad))
    assert result.returncode != 0
    assert "bad.yaml" in result.stderr and "kind" in result.stderr and "Ada Park" in result.stderr
    assert run("personas", "export", "--format", "json").stdout == before

    exported = tmp_path / "export.yaml"
    assert run("personas", "export", "--format", "yaml", "--out", str(exported)).returncode == 0
    again = run("personas", "import", str(exported))
    assert again.returncode == 0 and "1 unchanged" in again.stdout
    assert run("personas", "export", "--format", "json").stdout == before


def test_db_upgrade_and_help(run) -> None:  # type: ignore[no-untyped-def]
    assert run("db", "upgrade").returncode == 0
    result = run("--help")
    for word in ("serve", "clock", "ask", "personas", "manifest"):
        assert word in result.stdout
    assert "survey closing" in " ".join(result.stdout.split())
    assert "e.g. maya" in run("personas", "show", "--help").stdout


def test_bad_manifest_arguments_get_a_message(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    slack = run("manifest", "slack", "--url", "bot.example.com")
    assert slack.returncode == 2 and "https://" in slack.stderr
    assert "Traceback" not in slack.stderr
    teams = run("manifest", "teams", "--app-id", "nope", "--out", str(tmp_path / "p.zip"))
    assert teams.returncode == 2 and "Traceback" not in teams.stderr


def test_an_unusable_database_is_a_message_not_a_traceback(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    env_url = f"sqlite:///{tmp_path / 'missing-dir' / 'x.db'}"
    result = subprocess.run(
        [sys.executable, "-m", "bot", "db", "upgrade"],
        env={**os.environ, "DATABASE_URL": env_url},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1, result.stderr
    assert "Cannot use the database" in result.stderr and "DATABASE_URL" in result.stderr
    assert "Traceback" not in result.stderr


def test_serve_on_a_busy_port_says_so(run) -> None:  # type: ignore[no-untyped-def]
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run("serve", "--port", str(port))
    assert result.returncode == 1, result.stderr
    assert f"Cannot listen on 127.0.0.1:{port}" in result.stderr and "--port" in result.stderr
    assert "is running" not in result.stdout
    assert "Traceback" not in result.stderr


def test_an_unwritable_out_path_is_a_message_not_a_traceback(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """`--out` naming a directory says so and exits 1 (surveys: tests/test_survey_export.py)."""
    folder = tmp_path / "a-folder"
    folder.mkdir()
    app_id = "00000000-0000-0000-0000-000000000001"
    for args in (
        ("personas", "export", "--out", str(folder)),
        ("manifest", "teams", "--app-id", app_id, "--out", str(folder)),
    ):
        result = run(*args)
        assert "Traceback" not in result.stderr, result.stderr
        assert result.returncode == 1 and f"Cannot write {folder}" in result.stderr, result
    assert list(folder.iterdir()) == []
