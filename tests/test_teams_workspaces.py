"""`persona-bot workspaces link slack:T… teams:…`: a Slack team and a Teams tenant share one
persona set (run as a real subprocess on a SQLite file)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from persona_store import Store, create_engine_for, session_factory
from persona_store.personas.spec import PersonaSpec


def run_cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "MICROSOFT_"))}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'cli.db'}"
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_link_makes_a_second_tenant_share_the_slack_teams_personas(tmp_path: Path) -> None:
    assert run_cli(tmp_path, "db", "upgrade").returncode == 0
    store = Store(session_factory(create_engine_for(f"sqlite:///{tmp_path / 'cli.db'}")))
    store.workspace_id("teams", "tenant-first")  # the first tenant takes the default one
    slack_ws = store.workspace_id("slack", "T0SECOND")  # default workspace (first Slack team)
    other = store.workspace_id("teams", "tenant-second")
    assert other != slack_ws
    store.upsert(slack_ws, PersonaSpec.from_dict({"name": "Maya Chen"}), author="test")

    result = run_cli(tmp_path, "workspaces", "link", "slack:T0SECOND", "teams:tenant-second")
    assert result.returncode == 0, result.stderr
    assert f"workspace #{slack_ws}" in result.stdout
    assert store.workspace_id("teams", "tenant-second") == slack_ws
    assert [p.slug for p in store.list_personas(store.workspace_id("teams", "tenant-second"))] == [
        "maya"
    ]


def test_link_refuses_bad_refs(tmp_path: Path) -> None:
    bad = run_cli(tmp_path, "workspaces", "link", "slack:T1", "discord:xyz")
    assert bad.returncode == 2 and "PLATFORM:ID" in bad.stderr
    alone = run_cli(tmp_path, "workspaces", "link", "slack:T1")
    assert alone.returncode == 2 and "at least two" in alone.stderr
    twice = run_cli(tmp_path, "workspaces", "link", "slack:T1", "slack:T1")
    assert twice.returncode == 2 and "at least two different" in twice.stderr


def test_moving_a_tenant_away_from_its_personas_says_so(tmp_path: Path) -> None:
    assert run_cli(tmp_path, "db", "upgrade").returncode == 0
    store = Store(session_factory(create_engine_for(f"sqlite:///{tmp_path / 'cli.db'}")))
    store.workspace_id("teams", "tenant-first")  # the first tenant takes the default one
    old = store.workspace_id("teams", "tenant-1")  # a workspace of its own
    store.upsert(old, PersonaSpec.from_dict({"name": "Maya Chen"}), author="test")

    result = run_cli(tmp_path, "workspaces", "link", "slack:T9NEW", "teams:tenant-1")
    assert result.returncode == 0, result.stderr
    new = store.workspace_id("slack", "T9NEW")
    assert new != old and store.workspace_id("teams", "tenant-1") == new
    assert f"teams:tenant-1 used workspace #{old}, whose 1 persona(s)" in result.stderr
    assert [p.slug for p in store.list_personas(old)] == ["maya"]  # kept, untouched
    quiet = run_cli(tmp_path, "workspaces", "link", "slack:T9NEW", "teams:tenant-1")
    assert quiet.returncode == 0 and "Note" not in quiet.stderr  # already linked there
