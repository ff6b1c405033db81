"""Activities Teams would never send, over real HTTP with a valid channel token: 400 at once,
nothing stored, nothing sent, no traceback (was: 201, then a failure in the background)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from persona_store import Store
from tests.fakes.microsoft_login import MicrosoftLogin
from tests.fakes.slack_env import add_persona
from tests.fakes.teams_env import TeamsEnv, teams_env
from tests.test_teams_auth import authenticated_env, bearer, login  # noqa: F401 (fixture)


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(activity: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node = activity
        for key in parents:
            node = node[key]
        node[last] = value

    return change


BROKEN = {
    "conversation null": _set("conversation", None),
    "conversation without id": _set("conversation", {"conversationType": "personal"}),
    "conversation id empty": _set("conversation.id", ""),
    "no serviceUrl": _set("serviceUrl", None),
    "conversation a list": _set("conversation", ["a:1"]),
    "from null": _set("from", None),
    "recipient null": _set("recipient", None),
    "no type": _set("type", None),
}


@pytest.fixture
async def env(sqlite_store: Store, login: MicrosoftLogin) -> AsyncIterator[TeamsEnv]:  # noqa: F811
    add_persona(sqlite_store, "Maya Chen")
    async for e in authenticated_env(sqlite_store, login):
        yield e


@pytest.fixture
async def local_env(sqlite_store: Store) -> AsyncIterator[TeamsEnv]:
    add_persona(sqlite_store, "Maya Chen")
    async for e in teams_env(sqlite_store):
        yield e


@pytest.mark.parametrize("broken", list(BROKEN), ids=list(BROKEN))
async def test_an_invalid_activity_with_a_valid_token_gets_400(
    env: TeamsEnv,
    login: MicrosoftLogin,  # noqa: F811
    broken: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    activity = env.activities.message("ask maya Should we raise prices?")
    BROKEN[broken](activity)
    resp = await env.post(activity, **bearer(login.channel_token(activity["serviceUrl"])))
    assert resp.status == 400
    await env.settle()
    assert env.connector.posted == []
    assert not [r for r in caplog.records if r.exc_info and r.levelno >= logging.ERROR]


async def test_without_a_token_an_invalid_activity_is_still_401(env: TeamsEnv) -> None:
    """Validation comes after authentication: a stranger learns nothing about the checks."""
    activity = env.activities.message("help")
    activity["conversation"] = None
    assert (await env.post(activity)).status == 401


@pytest.mark.parametrize("broken", list(BROKEN), ids=list(BROKEN))
async def test_an_invalid_activity_gets_400_in_local_testing_mode(
    local_env: TeamsEnv, broken: str, caplog: pytest.LogCaptureFixture
) -> None:
    activity = local_env.activities.mention("ask maya Should we raise prices?")
    BROKEN[broken](activity)
    assert (await local_env.post(activity)).status == 400
    await local_env.settle()
    assert local_env.connector.posted == []
    assert not [r for r in caplog.records if r.exc_info and r.levelno >= logging.ERROR]
