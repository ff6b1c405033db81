"""Pytest fixtures shared by tests that talk to one persona over both chat platforms:
`maya_slack` and `maya_teams`, a Slack / Teams environment (real HTTP, fake platform
servers) over SQLite with Maya Chen and a scripted answerer. Loaded for every test module
by `pytest_plugins` in tests/conftest.py."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from persona_store import Store
from tests.fakes.slack_env import SlackEnv, add_persona, slack_env
from tests.fakes.teams_env import TeamsEnv, teams_env
from tests.test_features import ScriptedAnswerer


@pytest.fixture
async def maya_slack(sqlite_store: Store) -> AsyncIterator[SlackEnv]:
    add_persona(sqlite_store, "Maya Chen", goals=["Ship on time"])
    async for e in slack_env(sqlite_store, ScriptedAnswerer()):
        yield e


@pytest.fixture
async def maya_teams(sqlite_store: Store) -> AsyncIterator[TeamsEnv]:
    add_persona(sqlite_store, "Maya Chen", goals=["Ship on time"])
    async for e in teams_env(sqlite_store, ScriptedAnswerer()):
        yield e
